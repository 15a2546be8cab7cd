"""Every write for rules (one transaction each): storing what the rules found on a case, and
what the service's automation policy did with it.

The automation policy never refuses anyone, and approves only what was truly checked: every
check the service lists must have run and passed (green). A check that is red or amber, did
not run (no person index, no modulus table, nothing given to check) or could not run, or the
rules not saying eligible, leaves the case with a person, and the policy only notes why, in
words each reader sees in their own language.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from commonweal.accounts import services as accounts_services
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.checks import selectors as checks_selectors
from commonweal.checks.reasons import Message, english_message, stored
from commonweal.checks.reasons import message as _

from . import engine
from .models import AutomationRecord, RuleEvaluation

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import Case, Decision
    from commonweal.catalogue.definition import Automation
    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.checks.selectors import CheckResult
    from commonweal.organisations.selectors import StaffContext


class AutomationRefused(cases_services.CaseActionRefused):
    """One-click approval cannot go ahead; `message` says why."""


def _inputs_hash(inputs: dict[str, Any]) -> str:
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _run(case: Case, definition: ServiceDefinition) -> tuple[dict[str, Any], str, str]:
    application = case.application
    found = engine.evaluate(
        definition,
        answers=application.answers,
        eligibility_answers=application.eligibility_answers,
        today=timezone.localdate(),
    )
    return found, engine.ruleset_hash(definition), _inputs_hash(found["inputs"])


def rules_evaluate(*, case: Case, by: User | None = None) -> RuleEvaluation | None:
    """Run the rules of the case's service version on its application and keep the result
    (appended: earlier evaluations stay). None when the version has no rules."""
    definition = catalogue.definition_for(case.version)
    if not engine.has_rules(definition):
        return None
    found, ruleset_hash, inputs_hash = _run(case, definition)
    entitlement = found["entitlement"]
    with transaction.atomic():
        return RuleEvaluation.objects.create(
            case=case,
            version_id=case.version_id,
            ruleset_hash=ruleset_hash,
            inputs_hash=inputs_hash,
            inputs=found["inputs"],
            results={key: found[key] for key in ("tables", "entitlement", "rules", "problems")},
            outcome=found["outcome"],
            entitlement_pence=entitlement["amount"] if entitlement else None,
            explanation=found["explanation"],
            created_at=timezone.now(),
            created_by=by,
        )


def _current_evaluation(case: Case, definition: ServiceDefinition) -> RuleEvaluation | None:
    """The latest evaluation, when it was made with these rules on these answers; otherwise
    a new one."""
    latest = RuleEvaluation.objects.filter(case=case).order_by("-created_at", "-id").first()
    if latest is not None:
        _found, ruleset_hash, inputs_hash = _run(case, definition)
        if latest.ruleset_hash == ruleset_hash and latest.inputs_hash == inputs_hash:
            return latest
    return rules_evaluate(case=case)


def _policy(
    definition: ServiceDefinition, case: Case, *, mode: str, evaluation: RuleEvaluation
) -> dict[str, Any]:
    assert definition.automation is not None  # only a policy approves  # nosec B101
    return {
        "name": f"{case.service.slug} automation policy",
        "version": definition.automation.version,
        "mode": mode,
        "service_version": case.version.number,
        "evaluation": evaluation.pk,
    }


def _explanation_for(case: Case, evaluation: RuleEvaluation) -> str:
    language = case.person.language or case.application.language or "en"
    return evaluation.explanation.get("cy" if language == "cy" else "en", "")


def _amount_for(definition: ServiceDefinition, evaluation: RuleEvaluation) -> int | None:
    """An approval as the rules suggest gives what they worked out (for a service whose
    approvals carry an amount)."""
    return evaluation.entitlement_pence if definition.carries_amount else None


def _record(
    case: Case,
    *,
    evaluation: RuleEvaluation | None,
    definition: ServiceDefinition,
    action: str,
    reasons: Sequence[str],
    **extra: Any,
) -> AutomationRecord:
    assert definition.automation is not None  # only a policy records  # nosec B101
    pairs = [stored(reason) for reason in reasons]
    return AutomationRecord.objects.create(
        case=case,
        evaluation=evaluation,
        mode=definition.automation.mode,
        policy_version=definition.automation.version,
        action=action,
        reasons=[text for text, _data in pairs],
        reason_messages=[data for _text, data in pairs],
        created_at=timezone.now(),
        **extra,
    )


def _note(case: Case, words: Sequence[str], data: dict[str, Any]) -> None:
    """An internal note in English, with its words kept to be shown in any language."""
    pairs = [stored(part) for part in words]
    cases_services.case_event_record(
        case=case,
        kind="note",
        visible_to_person=False,
        data={
            "text": " ".join(text for text, _data in pairs),
            "words": [data or text for text, data in pairs],
            "automation": data,
        },
    )


STATUS_WORDS = {
    "red": _("red"),
    "amber": _("amber"),
    "green": _("green"),
    "not_run": _("not run"),
    "error": _("could not run"),
}


def _checks_not_passed(definition: ServiceDefinition, results: list[CheckResult]) -> list[Message]:
    """Why the checks do not let the policy approve: each check the service lists that has
    no result, or whose result is anything but green (red, amber, not run, could not run),
    with its reasons; and any other current result that is not green."""
    by_name = {result.check_name: result for result in results}
    reasons = []
    for name in definition.checks:
        if name not in by_name:
            reasons.append(
                _("%(check)s: no result yet")
                % {"check": checks_selectors.check_label_message(name)}
            )
    for result in sorted(results, key=lambda result: result.check_name):
        if result.status == checks_selectors.GREEN:
            continue
        values = {
            "check": checks_selectors.check_label_message(result.check_name),
            "status": STATUS_WORDS.get(result.status, english_message(result.status)),
            "why": checks_selectors.result_reasons(result),
        }
        if values["why"]:
            reasons.append(_("%(check)s: %(status)s (%(why)s)") % values)
        else:
            reasons.append(_("%(check)s: %(status)s") % values)
    return reasons


class _PolicyContext:
    """The automation policy's standing when it decides: it leads no team, so it can never
    approve over a red check (it only ever approves when every listed check ran and is
    green)."""

    def leads(self, team_id: int | None) -> bool:
        return False


def automation_consider(
    *, case_id: int | None = None, case: Case | None = None
) -> AutomationRecord | None:
    """Called when every check on a case has a result. Under the service's automation
    policy, a case whose listed checks all ran and are all green, and whose rules say
    eligible, is approved by the policy (`automatic`) or offered to a caseworker for
    one-click approval (`one_click`); anything else (a check red, amber, not run or unable to
    run; the rules not saying eligible) stays with a person, with the reasons noted. Returns
    what was recorded, or None when there is nothing to do (no policy, case closed, checks
    still running).

    The checks runner calls it with `case_id`; `case` is accepted too."""
    if case_id is None:
        assert case is not None  # given one or the other  # nosec B101
        case_id = case.pk
    with transaction.atomic():
        cases_services.case_lock(case_id=case_id)
        case = cases_services.case_get(case_id=case_id)
        if case.closed_at is not None:
            return None
        definition = catalogue.definition_for(case.version)
        policy = definition.automation
        if policy is None or policy.mode == "off":
            return None
        results = checks_selectors.current_results(case_id=case_id)
        finished = {result.check_name for result in results}
        if any(name not in finished for name in definition.checks):
            return None
        evaluation = _current_evaluation(case, definition)
        reasons = _checks_not_passed(definition, results)
        if evaluation is None:
            reasons.append(_("This service version has no rules to follow"))
        elif evaluation.outcome != RuleEvaluation.Outcome.ELIGIBLE:
            reasons.append(
                _("The rules say: %(outcome)s")
                % {"outcome": english_message(evaluation.get_outcome_display())}
            )
        latest = AutomationRecord.objects.filter(case=case).order_by("-created_at", "-id").first()
        if reasons:
            action = AutomationRecord.Action.TO_PERSON
        elif policy.mode == "automatic":
            action = AutomationRecord.Action.APPROVED
        else:
            action = AutomationRecord.Action.OFFERED
        if (
            latest is not None
            and latest.action == action
            and latest.evaluation_id == (evaluation.pk if evaluation else None)
            and latest.reasons == [stored(reason)[0] for reason in reasons]
        ):
            return latest  # checks ran again and nothing changed
        if action == AutomationRecord.Action.TO_PERSON:
            record = _record(
                case, evaluation=evaluation, definition=definition, action=action, reasons=reasons
            )
            _note(
                case,
                [_left_for_a_person(policy, reasons)],
                {"record": record.pk, "action": action},
            )
            return record
        if action == AutomationRecord.Action.OFFERED:
            record = _record(
                case, evaluation=evaluation, definition=definition, action=action, reasons=[]
            )
            _note(
                case,
                [
                    _(
                        "Every check ran and is green, and the rules say eligible. The automation "
                        "policy (version %(version)s) suggests approving: approve as the rules "
                        "suggest, or decide otherwise."
                    )
                    % {"version": policy.version}
                ],
                {"record": record.pk, "action": action},
            )
            return record
        assert evaluation is not None  # without one, a reason above left it  # nosec B101
        return _automatic_approve(case, definition=definition, evaluation=evaluation)


def _automatic_approve(
    case: Case, *, definition: ServiceDefinition, evaluation: RuleEvaluation
) -> AutomationRecord:
    """The policy approves the case itself, as the automation's own account; a decision
    the case service refuses leaves the case with a person, with its reason."""
    policy = definition.automation
    assert policy is not None  # the caller acts under it  # nosec B101
    action = AutomationRecord.Action.APPROVED
    actor = accounts_services.system_account(
        key=f"automation-{case.service.slug}-v{policy.version}",
        display_name=f"Automation policy: {case.service.slug}, version {policy.version}",
    )
    try:
        with transaction.atomic():
            decision = cases_services.case_decide(
                case_id=case.pk,
                outcome="approved",
                reasons=[policy.approve_reason] if policy.approve_reason else [],
                explanation=_explanation_for(case, evaluation),
                amount_pence=_amount_for(definition, evaluation),
                by=actor,
                context=_PolicyContext(),
                revision=None,
                policy=_policy(definition, case, mode="automatic", evaluation=evaluation),
            )
    except cases_services.CaseActionRefused as refused:
        reasons = [refused.message]
        record = _record(
            case,
            evaluation=evaluation,
            definition=definition,
            action=AutomationRecord.Action.TO_PERSON,
            reasons=reasons,
        )
        _note(
            case,
            [_left_for_a_person(policy, reasons)],
            {"record": record.pk, "action": record.action},
        )
        return record
    return _record(
        case,
        evaluation=evaluation,
        definition=definition,
        action=action,
        reasons=[],
        decision_id=decision.pk,
    )


def automation_one_click_approve(
    *, case_id: int, by: User, context: StaffContext, revision: int | None
) -> Decision:
    """A caseworker approves as the rules suggest: the decision is theirs, with the rules'
    explanation and the policy named. Refused when the rules no longer suggest it."""
    with transaction.atomic():
        cases_services.case_lock(case_id=case_id)
        case = cases_services.case_get(case_id=case_id)
        definition = catalogue.definition_for(case.version)
        offer = AutomationRecord.objects.filter(case=case).order_by("-created_at", "-id").first()
        if (
            case.closed_at is not None
            or offer is None
            or offer.action != AutomationRecord.Action.OFFERED
            or definition.automation is None
        ):
            raise AutomationRefused(
                gettext(
                    "The rules do not suggest approving this case now. Make the decision yourself."
                )
            )
        evaluation = _current_evaluation(case, definition)
        changed = _checks_not_passed(definition, checks_selectors.current_results(case_id=case_id))
        if evaluation is None or evaluation.pk != offer.evaluation_id or changed:
            raise AutomationRefused(
                gettext(
                    "The answers, rules or checks changed since the rules suggested approving. "
                    "Make the decision yourself."
                )
            )
        policy = definition.automation
        decision = cases_services.case_decide(
            case_id=case.pk,
            outcome="approved",
            reasons=[policy.approve_reason] if policy.approve_reason else [],
            explanation=_explanation_for(case, evaluation),
            amount_pence=_amount_for(definition, evaluation),
            by=by,
            context=context,
            revision=revision,
            policy=_policy(definition, case, mode="one_click", evaluation=evaluation),
        )
        _record(
            case,
            evaluation=evaluation,
            definition=definition,
            action=AutomationRecord.Action.ONE_CLICK_APPROVED,
            reasons=[],
            decision_id=decision.pk,
            created_by=by,
        )
    return decision


def _left_for_a_person(policy: Automation, reasons: Sequence[str]) -> Message:
    return _("The automation policy (version %(version)s) left this case for a person: %(why)s") % {
        "version": policy.version,
        "why": list(reasons),
    }


def automation_after_checks(*, case_id: int) -> None:
    """The checks runner's callback: consider the case under its service's policy."""
    automation_consider(case_id=case_id)


def rule_evaluations_erase(case_ids: list[int]) -> int:
    """The retention job's step for rules: the evaluations of these cases (they copy the
    answers they read) and what the policy did with them, in two statements. Runs inside
    the retention job's transaction, the only one the append-only triggers let delete."""
    records = AutomationRecord.objects.filter(case_id__in=case_ids)
    records._raw_delete(records.db)
    evaluations = RuleEvaluation.objects.filter(case_id__in=case_ids)
    return evaluations._raw_delete(evaluations.db)
