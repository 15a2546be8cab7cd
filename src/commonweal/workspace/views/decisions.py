"""Making a decision, and correcting one recorded in error, from the workspace.

Two steps, with or without JavaScript: the form is checked by the same service that
records it and, when it passes, the caseworker reads exactly what the person will read
(the decision as their page shows it, and the message that tells them) with "Change" and
"Send decision". The preview carries the case's revision, so a preview made before someone
else changed the case is refused when sent; sending twice records once.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.core.uk import pence_from_pounds, pounds_from_pence

from .. import presenters
from .common import case_or_404 as _case_or_404
from .common import page as _page
from .common import posted_revision as _revision
from .common import record_read as _record_read
from .common import staff_required

# The form's fields in page order: the error summary lists problems in this order.
FIELD_ORDER = (
    "outcome",
    "reasons",
    "amount",
    "amount_reason",
    "explanation",
    "override_reason",
    "correction_reason",
)
TEXT_FIELDS = ("outcome", "explanation", "amount", "amount_reason", "override_reason")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def decide(request, reference):
    return _decision_page(request, reference, correcting=False)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def correct(request, reference):
    return _decision_page(request, reference, correcting=True)


def _posted(request, correcting: bool) -> dict:
    post = request.POST
    values = {name: post.get(name, "")[:10_000] for name in TEXT_FIELDS}
    values["reasons"] = [reason[:60] for reason in post.getlist("reasons")[:50]]
    if correcting:
        values["correction_reason"] = post.get("correction_reason", "")[:10_000]
    return values


def _entitlement(page) -> int | None:
    if not page.definition.carries_amount:
        return None
    return cases_services.decision_entitlement(case=page.case)


def _starting_values(page, correcting: bool, entitlement: int | None) -> dict:
    """What the form starts with: the rules' entitlement as the amount; when correcting,
    the decision being corrected."""
    values: dict = {"reasons": []}
    if entitlement:
        values["amount"] = pounds_from_pence(entitlement)
    if correcting and page.decisions:
        current = page.decisions[0]
        values.update(
            outcome=current.outcome,
            reasons=list(current.reasons),
            explanation=current.explanation,
            amount_reason=current.amount_reason,
            override_reason=current.override_reason,
        )
        if current.amount_pence:
            values["amount"] = pounds_from_pence(current.amount_pence)
    return values


def _decision_page(request, reference: str, *, correcting: bool):
    page = _case_or_404(request, reference)
    if not page.can_act:
        raise PermissionDenied("Referral access is read-only")
    if correcting and not page.leads:
        raise PermissionDenied("Only team leaders correct decisions")
    # The form shows the case (the person, their answers, the checks and the rules' view).
    if (reason_first := _record_read(request, page)) is not None:
        return reason_first
    if request.method != "POST":
        entitlement = _entitlement(page)
        values = _starting_values(page, correcting, entitlement)
        return _form(request, page, values, [], correcting, entitlement=entitlement)
    values = _posted(request, correcting)
    step = request.POST.get("step", "")
    revision = _revision(request)
    if step == "change":
        return _form(request, page, values, [], correcting, revision=revision)
    amount_pence, amount_error = None, None
    if values["outcome"] == "approved" and values["amount"].strip():
        amount_pence = pence_from_pounds(values["amount"])
        if amount_pence is None:
            amount_error = _("Enter the amount in pounds and pence, like 450 or 450.50")
    arguments = {
        "case_id": page.case.pk,
        "outcome": values["outcome"],
        "reasons": values["reasons"],
        "explanation": values["explanation"],
        "amount_pence": amount_pence,
        "amount_reason": values["amount_reason"],
        "override_reason": values["override_reason"],
        "by": request.user,
        "context": request.staff,
        "revision": revision,
    }
    if correcting:
        arguments["correction_reason"] = values["correction_reason"]
    try:
        if amount_error:
            problems = _problems_besides_amount(arguments)
            raise cases_services.DecisionRefused([*problems, ("amount", amount_error)])
        if step == "send":
            if correcting:
                cases_services.case_decision_correct(**arguments)
                presenters.flash(request, _("Decision corrected. The person has been told."))
            else:
                cases_services.case_decide(**arguments)
                presenters.flash(request, _("Decision recorded. The person has been told."))
            return redirect("workspace:case", reference=page.case.reference)
        if not correcting:
            arguments["correction_reason"] = None
        draft = cases_services.case_decision_check(**arguments)
    except cases_services.CaseActionRefused as refused:
        stale = isinstance(refused, cases_services.StaleCase)
        if stale:
            # The page as the case is now, with what they wrote, and its revision.
            page = _case_or_404(request, reference)
            revision = page.case.revision
        errors = _errors(page, values, refused)
        status = 409 if stale else 400
        return _form(request, page, values, errors, correcting, revision=revision, status=status)
    return _preview(request, page, values, draft, correcting, revision)


def _problems_besides_amount(arguments: dict) -> list[tuple[str, str]]:
    """Everything else wrong with the form, when the amount could not even be read."""
    try:
        correction_reason = arguments.get("correction_reason")
        cases_services.case_decision_check(
            **{**arguments, "amount_pence": None, "correction_reason": correction_reason}
        )
    except cases_services.DecisionRefused as refused:
        return [(field, message) for field, message in refused.problems if field != "amount"]
    return []


def _errors(page, values: dict, refused) -> list[dict]:
    # A refusal of the whole decision (a closed case) has no field: it leads to the page.
    problems = getattr(refused, "problems", None) or [(refused.field or "", refused.message)]
    problems = sorted(
        problems,
        key=lambda problem: (
            FIELD_ORDER.index(problem[0].split(":")[0])
            if problem[0].split(":")[0] in FIELD_ORDER
            else 0
        ),
    )
    return [
        {"text": message, "href": "#" + _anchor(page, values, field), "field": field}
        for field, message in problems
    ]


def _anchor(page, values: dict, field: str) -> str:
    """The id of the input an error summary link leads to."""
    if field.startswith("reasons:"):
        return "reason-" + field.split(":", 1)[1]
    if field == "reasons":
        definition = page.definition
        reasons = definition.reasons_for(values["outcome"]) or definition.decision_reasons
        return f"reason-{reasons[0].id}" if reasons else "explanation"
    if field in ("amount", "amount_reason", "explanation", "override_reason", "correction_reason"):
        return field
    return "outcome-approved" if field == "outcome" else "main-content"


def _form(
    request, page, values, errors, correcting, *, revision=None, status=None, entitlement=False
):
    case = page.case
    if entitlement is False:  # not worked out yet
        entitlement = _entitlement(page)
    return _page(
        request,
        "workspace/decide.html",
        status=status or (400 if errors else 200),
        errors=errors,
        values=values,
        revision=revision if revision is not None else case.revision,
        page=page,
        case=case,
        correcting=correcting,
        current=presenters.decision_summary(page, translation.get_language())
        if correcting
        else None,
        outcomes=presenters.decision_outcomes(page.definition, translation.get_language()),
        entitlement=entitlement,
        form_url=request.path,
        page_title=(
            _("Correct the decision on %(reference)s")
            if correcting
            else _("Make a decision on %(reference)s")
        )
        % {"reference": case.reference},
        back_url=reverse("workspace:case", args=[case.reference]),
    )


def _person_languages(case) -> list[str]:
    language = case.person.language or case.application.language or "en"
    return {"both": ["cy", "en"], "cy": ["cy"]}.get(language, ["en"])


def _preview(request, page, values, draft, correcting, revision):
    """Exactly what the person will read: the decision as their page renders it, in their
    language (and in English too, for the caseworker, when they read Welsh), and the
    message that tells them."""
    case = page.case
    languages = _person_languages(case)
    # An approval that will be an offer (a loan): the offer as it will be made.
    offer = cases_selectors.offer_draft(case=case, decision=draft, definition=page.definition)
    renderings = []
    for language in [*languages, *([] if "en" in languages else ["en"])]:
        with translation.override(language):
            decision = cases_selectors.decision_for_person(
                draft,
                case=case,
                definition=page.definition,
                language=language,
                viewer=cases_selectors.VIEWER_PERSON,
                current=True,
            )
            html = render_to_string(
                "workspace/_decision_preview.html",
                {
                    "decision": decision,
                    "definition": page.definition,
                    "case": case,
                    "application": case.application,
                    "offer": cases_selectors.offer_view(
                        offer=offer, definition=page.definition, language=language
                    ),
                },
            )
        renderings.append({"language": language, "html": html, "theirs": language in languages})
    # As `cases.decisions._record` tells them: a first approval that is an offer sends the
    # offer itself, with its repayments and last day.
    notice = (
        "decision_corrected"
        if correcting
        else ("reconsideration_decided" if draft.reconsiders_id else "decision_made")
    )
    extra_for = None
    if offer is not None and notice == "decision_made":
        notice = "offer_made"

        def extra_for(_language):
            return cases_selectors.offer_placeholders(offer)

    return _page(
        request,
        "workspace/decide_preview.html",
        values=values,
        revision=revision,
        page=page,
        case=case,
        correcting=correcting,
        renderings=renderings,
        message=presenters.notice_preview(case, notice, page.definition, extra_for=extra_for),
        staff_rows=presenters.decision_staff_rows(draft, page.definition),
        form_url=request.path,
        page_title=_("Check the decision before you send it"),
        back_url=reverse("workspace:case", args=[case.reference]),
    )
