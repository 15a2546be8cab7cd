"""Decisions: checking one before it is recorded (the caseworker's preview), recording it,
and correcting one recorded in error. Other apps reach these through `cases.services`,
which re-exports them.

A decision is refused, with every problem named against its field, when a reason belongs
to another outcome, when an outcome the service gives reasons for has none, when there is
no explanation for the person, or (for a service whose approvals carry an amount) when the
amount is missing or differs from the rules' entitlement without a reason. Decisions are
appended: a correction is a new row that supersedes the old one; the answer to a
reconsideration is a new row that points at the decision looked at again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from commonweal.catalogue import selectors as catalogue
from commonweal.core.events import publish

from . import services as _cases
from .events import DecisionMade
from .models import Case, CaseEvent, Decision
from .registry import CHECK_READS

# What a payment file can hold (11 digits of pence): an amount beyond it is a typing slip.
MAX_AMOUNT_PENCE = 99_999_999_999
TEXT_LIMIT = 5000

MISSING_REASON = {
    "approved": gettext_lazy("Choose at least one reason for approving"),
    "refused": gettext_lazy("Choose at least one reason for refusing"),
    "withdrawn": gettext_lazy("Choose at least one reason for withdrawing the application"),
}
# "… is a reason for a refusal. It cannot be given for an approval."
OUTCOME_NOUNS = {
    "approved": gettext_lazy("an approval"),
    "refused": gettext_lazy("a refusal"),
    "withdrawn": gettext_lazy("a withdrawal"),
}


class DecisionRefused(_cases.CaseActionRefused):
    """The decision cannot be recorded as it stands. `problems` lists every (field,
    message), so the page can show them all at once; `message` and `field` are the first."""

    def __init__(self, problems: list[tuple[str, str]]):
        field, message = problems[0]
        super().__init__(message, field=field)
        self.problems = [(field, str(message)) for field, message in problems]


# What follows from a decision in other apps (a payment for an approved amount) subscribes
# to `events.DecisionMade`, published inside the decision's transaction so it is made with
# the decision or not at all.


# Where the rules' entitlement comes from: the rules app sets it in its ready() (the rules
# decide through this app, so this app does not import them).
_entitlement_source = None


def entitlement_source_set(source) -> None:
    """`source(case=)` gives what the rules say the person is entitled to, in pence."""
    global _entitlement_source
    _entitlement_source = source


def decision_entitlement(*, case: Case) -> int | None:
    """What the rules say the person gets, in pence: the starting point of the decision's
    amount. None when the service's rules give no amount."""
    return _entitlement_source(case=case) if _entitlement_source is not None else None


# Checking a decision


def _reason_problems(definition, outcome: str, reasons: list[str]) -> list[tuple[str, str]]:
    language = get_language()
    problems = []
    for reason_id in reasons:
        reason = definition.decision_reason(reason_id)
        if reason is None:
            problems.append(
                (
                    "reasons",
                    _("“%(reason)s” is not one of this service's decision reasons.")
                    % {"reason": reason_id[:60]},
                )
            )
        elif reason.outcome != outcome:
            problems.append(
                (
                    f"reasons:{reason_id}",
                    _("“%(reason)s” is a reason for %(its)s. It cannot be given for %(chosen)s.")
                    % {
                        "reason": reason.text.text(language),
                        "its": OUTCOME_NOUNS[reason.outcome],
                        "chosen": OUTCOME_NOUNS[outcome],
                    },
                )
            )
    own = [reason for reason in definition.reasons_for(outcome) if reason.id in reasons]
    if not own and definition.reasons_for(outcome):
        problems.append(("reasons", str(MISSING_REASON[outcome])))
    return problems


def _amount_problems(
    definition, outcome: str, amount_pence: int | None, entitlement: int | None, reason: str
) -> list[tuple[str, str]]:
    from decimal import Decimal

    from commonweal.core.jinja import money

    if amount_pence is None:
        if outcome == "approved" and definition.carries_amount:
            return [("amount", _("Enter the amount the person will get"))]
        return []
    if outcome != "approved":
        return [("amount", _("Only an approval gives an amount. Leave the amount out."))]
    if not definition.carries_amount:
        return [("amount", _("This service's decisions do not give an amount."))]
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        return [("amount", _("The amount must be more than £0"))]
    if amount_pence > MAX_AMOUNT_PENCE:
        return [("amount", _("The amount must be less than £1,000,000,000"))]
    if amount_pence != entitlement and not reason:
        if entitlement is None:
            message = _("The rules did not work out an amount: say how you arrived at this one")
        else:
            message = _("Say why the amount is not the %(amount)s the rules worked out") % {
                "amount": money(Decimal(entitlement) / 100)
            }
        return [("amount_reason", message)]
    if len(reason) > TEXT_LIMIT:
        return [("amount_reason", _("The reason must be 5,000 characters or fewer"))]
    return []


def _checked(
    case: Case,
    definition,
    *,
    outcome: str,
    reasons,
    explanation: str,
    amount_pence: int | None,
    amount_reason: str,
    override_reason: str,
    context,
    by,
    reconsiders: Decision | None,
    supersedes: Decision | None = None,
    correction_reason: str = "",
) -> Decision:
    """The decision as it would be recorded (not saved), or DecisionRefused naming every
    problem with what was given."""
    reasons = list(dict.fromkeys(str(reason) for reason in reasons or []))
    explanation = _text(explanation)
    amount_reason = _text(amount_reason)
    override_reason = _text(override_reason)
    problems: list[tuple[str, str]] = []
    known_outcome = outcome in Decision.Outcome.values
    if not known_outcome:
        problems.append(("outcome", _("Choose whether to approve, refuse or withdraw")))
    else:
        problems += _reason_problems(definition, outcome, reasons)
    if not explanation:
        problems.append(("explanation", _("Write the explanation the person will read")))
    elif len(explanation) > TEXT_LIMIT:
        problems.append(("explanation", _("The explanation must be 5,000 characters or fewer")))
    entitlement = None
    if known_outcome and outcome == "approved" and definition.carries_amount:
        entitlement = decision_entitlement(case=case)
    if known_outcome:
        problems += _amount_problems(definition, outcome, amount_pence, entitlement, amount_reason)
    if outcome == Decision.Outcome.APPROVED and CHECK_READS.get("has-red-check")(case_id=case.pk):
        if not context.leads(case.team_id):
            problems.append(
                (
                    "outcome",
                    _(
                        "A check on this case is red. Only a team leader can approve it, "
                        "with a reason for overriding the check."
                    ),
                )
            )
        elif not override_reason:
            problems.append(
                ("override_reason", _("Say why you are approving although a check is red."))
            )
    else:
        override_reason = ""  # nothing to override
    if supersedes is not None:
        correction_reason = _text(correction_reason)
        if not correction_reason:
            problems.append(("correction_reason", _("Say why the decision is being corrected")))
        elif len(correction_reason) > TEXT_LIMIT:
            problems.append(
                ("correction_reason", _("The reason must be 5,000 characters or fewer"))
            )
    if problems:
        raise DecisionRefused(problems)
    decision = Decision(
        case=case,
        outcome=outcome,
        reasons=reasons,
        explanation=explanation,
        override_reason=override_reason,
        amount_pence=amount_pence if outcome == "approved" else None,
        entitlement_pence=entitlement,
        amount_reason=amount_reason if amount_pence != entitlement else "",
        reconsiders=reconsiders,
        supersedes=supersedes,
        correction_reason=correction_reason if supersedes is not None else "",
        decided_by=by,
        decided_at=timezone.now(),
    )
    if supersedes is not None and _same(decision, supersedes):
        raise DecisionRefused(
            [
                (
                    "outcome",
                    _(
                        "The corrected decision is the same as the one it replaces. Change "
                        "what was wrong in it."
                    ),
                )
            ]
        )
    return decision


def _text(value: str | None) -> str:
    """Words as they are kept: a form's line breaks (\r\n) as \n, so paragraphs show."""
    return (value or "").replace("\r\n", "\n").strip()


def _same(decision: Decision, other: Decision) -> bool:
    return (
        decision.outcome == other.outcome
        and list(decision.reasons) == list(other.reasons)
        and decision.explanation == other.explanation
        and decision.amount_pence == other.amount_pence
    )


def _latest(case: Case) -> Decision | None:
    return case.decisions.order_by("-decided_at", "-id").first()


def _repeat_of(case: Case, by, decision_fields: dict, correction: bool) -> Decision | None:
    """The same decision from the same person moments ago (a double click, a form sent
    twice): the one already recorded."""
    latest = _latest(case)
    if (
        latest is None
        or case.closed_at is None
        or latest.decided_by_id != getattr(by, "pk", None)
        or latest.decided_at < timezone.now() - _cases.REPEAT_WINDOW
        or (latest.supersedes_id is not None) != correction
    ):
        return None
    candidate = Decision(
        outcome=decision_fields["outcome"],
        reasons=list(dict.fromkeys(str(r) for r in decision_fields["reasons"] or [])),
        explanation=_text(decision_fields["explanation"]),
        amount_pence=decision_fields["amount_pence"],
    )
    return latest if _same(candidate, latest) else None


def case_decision_check(
    *,
    case_id: int,
    outcome: str,
    reasons: list[str],
    explanation: str,
    amount_pence: int | None = None,
    amount_reason: str = "",
    override_reason: str = "",
    correction_reason: str | None = None,
    by,
    context,
    revision,
) -> Decision:
    """The decision exactly as `case_decide` (or, with `correction_reason`,
    `case_decision_correct`) would record it now, without writing anything: for the
    caseworker to read what the person will read before sending it. Refused the same way."""
    case = Case.objects.select_related("person", "application", "version").get(pk=case_id)
    if revision is not None and case.revision != revision:
        raise _cases.StaleCase()
    definition = catalogue.definition_for(case.version)
    latest = _latest(case)
    if correction_reason is None:
        _cases._require_open(case)
        reconsiders, supersedes = latest, None
    else:
        supersedes = _correctable(case, latest, context)
        reconsiders = supersedes.reconsiders
    return _checked(
        case,
        definition,
        outcome=outcome,
        reasons=reasons,
        explanation=explanation,
        amount_pence=amount_pence,
        amount_reason=amount_reason,
        override_reason=override_reason,
        context=context,
        by=by,
        reconsiders=reconsiders,
        supersedes=supersedes,
        correction_reason=correction_reason or "",
    )


def case_decide(
    *,
    case_id: int,
    outcome: str,
    reasons: list[str],
    explanation: str,
    amount_pence: int | None = None,
    amount_reason: str = "",
    override_reason: str = "",
    by,
    context,
    revision,
    policy: dict | None = None,
) -> Decision:
    """Record a decision, close the case at the final stage for it, and tell the person.

    On a case reopened because the person asked for a reconsideration, the decision points
    at the one looked at again, and the person is told we have looked at it. The same
    decision sent twice by the same person moments apart is recorded once. `policy` names
    the automation policy that made (or suggested) the decision, with its version; it is
    kept in the decision's event and told to subscribed systems."""
    with transaction.atomic():
        case = _cases._locked(case_id, None)
        fields = {
            "outcome": outcome,
            "reasons": reasons,
            "explanation": explanation,
            "amount_pence": amount_pence,
        }
        repeat = _repeat_of(case, by, fields, correction=False)
        if repeat is not None:
            return repeat
        if revision is not None and case.revision != revision:
            raise _cases.StaleCase()
        _cases._require_open(case)
        definition = catalogue.definition_for(case.version)
        reconsiders = _latest(case)
        decision = _checked(
            case,
            definition,
            outcome=outcome,
            reasons=reasons,
            explanation=explanation,
            amount_pence=amount_pence,
            amount_reason=amount_reason,
            override_reason=override_reason,
            context=context,
            by=by,
            reconsiders=reconsiders,
        )
        _record(
            case,
            definition,
            decision,
            by,
            policy=policy,
            kind=CaseEvent.Kind.DECIDED,
            notice="reconsideration_decided" if reconsiders is not None else "decision_made",
        )
    return decision


def _correctable(case: Case, latest: Decision | None, context) -> Decision:
    if case.closed_at is None:
        raise _cases.CaseActionRefused(
            _(
                "This case is open, so there is no decision in force to correct. Record the "
                "decision with Make a decision."
            )
        )
    if latest is None:
        raise _cases.CaseActionRefused(_("There is no decision on this case to correct."))
    if not context.leads(case.team_id):
        raise _cases.CaseActionRefused(
            _("Only a team leader can correct a decision. Ask a team leader to correct it.")
        )
    return latest


def case_decision_correct(
    *,
    case_id: int,
    outcome: str,
    reasons: list[str],
    explanation: str,
    amount_pence: int | None = None,
    amount_reason: str = "",
    override_reason: str = "",
    correction_reason: str,
    by,
    context,
    revision,
) -> Decision:
    """Replace a decision recorded in error with a corrected one (team leaders only). The
    old decision stays in the history; the new one supersedes it, with the reason for the
    correction; the case stays closed on the new outcome; what followed from the old one
    (a payment not yet sent) is undone by the decision listeners; the person is told."""
    with transaction.atomic():
        case = _cases._locked(case_id, None)
        fields = {
            "outcome": outcome,
            "reasons": reasons,
            "explanation": explanation,
            "amount_pence": amount_pence,
        }
        repeat = _repeat_of(case, by, fields, correction=True)
        if repeat is not None:
            return repeat
        if revision is not None and case.revision != revision:
            raise _cases.StaleCase()
        definition = catalogue.definition_for(case.version)
        supersedes = _correctable(case, _latest(case), context)
        decision = _checked(
            case,
            definition,
            outcome=outcome,
            reasons=reasons,
            explanation=explanation,
            amount_pence=amount_pence,
            amount_reason=amount_reason,
            override_reason=override_reason,
            context=context,
            by=by,
            reconsiders=supersedes.reconsiders,
            supersedes=supersedes,
            correction_reason=correction_reason,
        )
        _record(
            case,
            definition,
            decision,
            by,
            policy=None,
            kind=CaseEvent.Kind.DECISION_CORRECTED,
            notice="decision_corrected",
        )
    return decision


def decision_changed(decision: Decision, earlier: Decision | None) -> bool:
    """Whether a decision says something different from an earlier one: another outcome,
    or another amount."""
    return earlier is not None and (
        decision.outcome != earlier.outcome or decision.amount_pence != earlier.amount_pence
    )


def _record(case: Case, definition, decision: Decision, by, *, policy, kind, notice) -> None:
    """Save the checked decision and everything that goes with it, in the caller's
    transaction: the case closed at the final stage for its outcome, the history, the
    event for subscribed systems, what other apps do (a payment), and the notice."""
    decision.save()
    now = decision.decided_at
    if decision.override_reason:
        _cases.case_event_record(
            case=case,
            kind=CaseEvent.Kind.CHECK_OVERRIDDEN,
            by=by,
            visible_to_person=False,
            data={"reason": decision.override_reason, "decision": decision.pk},
        )
    final = definition.final_stage_for(decision.outcome)
    if final is not None and final.id != case.stage:
        _cases._set_stage(case, definition, final.id, by)
    case.clock_stopped_on = None
    case.closed_at = case.closed_at or now
    case.outcome = decision.outcome
    case.awaiting_reply_since = None
    _cases._save(
        case,
        "stage",
        "due_date",
        "clock_stopped_on",
        "closed_at",
        "outcome",
        "awaiting_reply_since",
    )
    earlier = decision.supersedes or decision.reconsiders
    data = {
        "decision": decision.pk,
        "outcome": decision.outcome,
        "reasons": decision.reasons,
        **({"amount_pence": decision.amount_pence} if decision.amount_pence else {}),
        **(
            {"entitlement_pence": decision.entitlement_pence}
            if decision.entitlement_pence is not None
            else {}
        ),
        **({"amount_reason": decision.amount_reason} if decision.amount_reason else {}),
        **({"reconsiders": decision.reconsiders_id} if decision.reconsiders_id else {}),
        **(
            {"supersedes": decision.supersedes_id, "reason": decision.correction_reason}
            if decision.supersedes_id
            else {}
        ),
        **({"changed": decision_changed(decision, earlier)} if earlier else {}),
        **({"policy": policy} if policy else {}),
    }
    _cases.case_event_record(case=case, kind=kind, by=by, visible_to_person=True, data=data)
    _cases._publish(
        case,
        "decision.made",
        {key: value for key, value in data.items() if key not in ("reason", "amount_reason")},
    )
    # A corrected decision takes the place of any offer still waiting on the old one.
    if decision.supersedes_id:
        _cases.offer_withdraw_waiting(case=case, by=by, decision=decision)
    # An approval the person must accept: the offer is made before the listeners run, so
    # the payment waits for the answer.
    offer = _cases.offer_make(case=case, decision=decision, definition=definition, by=by)
    publish(DecisionMade(decision=decision, case=case, by=by))
    if offer is not None and notice == "decision_made":
        _cases._tell_person(
            case,
            definition,
            by,
            notice="offer_made",
            extra_for=_cases.offer_notice_data(offer),
        )
    else:
        _cases._tell_person(case, definition, by, notice=notice)
