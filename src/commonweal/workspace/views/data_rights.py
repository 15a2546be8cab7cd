"""The team's side of data rights: correction requests people made (answered here, which
changes the record and tells them), and a case's person's consents, with the answers staff
record when given by phone, in person or on paper."""

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.privacy import services as privacy
from commonweal.rights import selectors, services

from .common import record_people_read, record_read, staff_page, staff_required


def _staff_page(request, template, status=200, **context):
    context.setdefault("nav", "data-requests")
    return staff_page(request, template, status=status, **context)


@require_http_methods(["GET", "HEAD"])
@staff_required
def staff_requests(request):
    shown = selectors.data_requests_for_staff(context=request.staff)
    # Everyone in the list (their names and what they asked): one INSERT.
    record_people_read(
        request,
        {row.person_id: row.case_id for row in reversed(shown)},
        purpose=privacy.Purpose.DATA_REQUEST,
        categories=[privacy.Category.PERSON, privacy.Category.DATA_REQUESTS],
        via=privacy.Via.DATA_RIGHTS,
    )
    return _staff_page(
        request,
        "workspace/data_rights/requests.html",
        requests=shown,
        page_title=_("Data requests"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_request(request, request_id):
    data_request = selectors.data_request_for_staff(context=request.staff, request_id=request_id)
    if data_request is None:
        raise Http404("No such request")
    record_people_read(
        request,
        {data_request.person_id: data_request.case_id},
        purpose=privacy.Purpose.DATA_REQUEST,
        categories=[privacy.Category.PERSON, privacy.Category.DATA_REQUESTS],
        via=privacy.Via.DATA_RIGHTS,
    )
    if data_request.kind == "erasure":
        return _erasure_request(request, data_request)
    errors = []
    values = {}
    if request.method == "POST":
        values = {
            key: (request.POST.get(key) or "").strip()
            for key in (
                "outcome",
                "reason",
                "value",
                "line_1",
                "line_2",
                "town",
                "county",
                "postcode",
            )
        }
        if values["outcome"] not in ("corrected", "not_corrected"):
            errors.append({"text": _("Choose whether it was corrected"), "href": "#outcome"})
        else:
            try:
                services.data_request_resolve(
                    request_id=data_request.pk,
                    corrected=values["outcome"] == "corrected",
                    reason=values["reason"],
                    values=values,
                    by=request.user,
                    context=request.staff,
                )
            except services.RightsRefused as refused:
                errors.append({"text": refused.message, "href": f"#{refused.field}"})
            else:
                messages.success(request, _("Request answered. The person will be told."))
                return redirect("workspace:data-requests")
    return _staff_page(
        request,
        "workspace/data_rights/request.html",
        status=400 if errors else 200,
        data_request=data_request,
        errors=errors,
        error_for={error["href"][1:]: error["text"] for error in reversed(errors)},
        values=values,
        statuses=selectors.data_request_status_labels(),
        page_title=_("Correction request"),
    )


class _ReasonFirst(Exception):
    """The case is outside the reader's own work: the break-glass page comes first."""

    def __init__(self, response):
        self.response = response


def _erasure_request(request, data_request):
    """An erasure request: erase (the erasure is queued and carried out by a task), or keep
    the data on a lawful ground, with words for the person."""
    errors = []
    values = {}
    if request.method == "POST":
        values = {key: (request.POST.get(key) or "").strip() for key in ("outcome", "ground")}
        values["reason"] = (request.POST.get("reason") or "").strip()[:2000]
        if values["outcome"] not in ("erase", "keep"):
            errors.append({"text": _("Choose whether to erase their data"), "href": "#outcome"})
        else:
            try:
                decided = services.erasure_request_decide(
                    request_id=data_request.pk,
                    erase=values["outcome"] == "erase",
                    ground=values["ground"],
                    reason=values["reason"],
                    by=request.user,
                    context=request.staff,
                )
            except services.RightsRefused as refused:
                errors.append({"text": refused.message, "href": f"#{refused.field}"})
            else:
                messages.success(
                    request,
                    _("Their data is being erased.")
                    if decided.status == "erasing"
                    else _("Request answered: their data is kept. The person will be told why."),
                )
                return redirect("workspace:data-requests")
    return _staff_page(
        request,
        "workspace/data_rights/erasure.html",
        status=400 if errors else 200,
        data_request=data_request,
        errors=errors,
        error_for={error["href"][1:]: error["text"] for error in reversed(errors)},
        values=values,
        statuses=selectors.data_request_status_labels(),
        grounds=selectors.erasure_ground_labels(),
        ground_items=[
            {"value": value, "text": label, "checked": values.get("ground") == value}
            for value, label in selectors.erasure_ground_labels().items()
        ],
        page_title=_("Erasure request"),
    )


def _case_for_consent(request, reference):
    """The case, for its own team only (a referred organisation cannot record consent), and
    the access log's record of reading the person's consents on it."""
    page = cases_selectors.case_for_staff(context=request.staff, reference=reference.upper())
    if page is None or not page.can_act:
        raise Http404("No such case")
    shown = [privacy.Category.PERSON, privacy.Category.CONSENTS]
    if (reason_first := record_read(request, page, categories=shown)) is not None:
        raise _ReasonFirst(reason_first)
    return page.case


def _reason_first(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _ReasonFirst as first:
            return first.response

    return wrapper


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
@_reason_first
def staff_consents(request, reference):
    """Where each of the person's consents stands, every answer with the words it was given
    to, and the referrals waiting for an answer (which the team can stop waiting for)."""
    case = _case_for_consent(request, reference)
    if request.method == "POST":
        value = request.POST.get("request", "")
        if (
            not value.isdigit()
            or selectors.consent_request_for_staff(case=case, request_id=int(value)) is None
        ):
            raise Http404("No such request")
        try:
            services.consent_request_cancel(case=case, request_id=int(value), by=request.user)
        except services.RightsRefused as refused:
            # Answered a moment ago: say so; the page below shows the answer.
            messages.info(request, refused.message)
        else:
            messages.success(request, _("Stopped waiting. The case was not referred."))
        return redirect("workspace:case-consents", reference=case.reference)
    states = selectors.consents_for_person(person=case.person)
    return _staff_page(
        request,
        "workspace/data_rights/consents.html",
        case=case,
        consents=[
            {
                "purpose": state.purpose,
                "title": selectors.consent_wording(state.purpose).title,
                "sentence": selectors.consent_answer_sentence(state.latest),
                "history": [
                    {
                        "sentence": selectors.consent_answer_sentence(row),
                        "words": row.words,
                        "note": row.note,
                    }
                    for row in state.history
                ],
                "waiting": [row for row in state.waiting if row.case_id == case.pk],
            }
            for state in states
        ],
        page_title=_("Consent"),
        back_url=reverse("workspace:case", args=[case.reference]),
        nav="",
    )


def _case_section_for(purpose: str) -> str:
    """The section of the case page that shows the answer: sharing with organisations that
    help is with the referrals (access); the others are with the person (the summary)."""
    return "workspace:case-access" if purpose == "provider_sharing" else "workspace:case"


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
@_reason_first
def staff_consent(request, reference, purpose):
    """The answer a person gave by phone, in person or on paper, recorded by the case team
    with the words read to them (shown here, in the person's language)."""
    if purpose not in selectors.consent_purposes():
        raise Http404("No such consent")
    case = _case_for_consent(request, reference)
    person = case.person
    language = "cy" if person.language in ("cy", "both") else "en"
    state = selectors.consent_state(person=person, purpose=purpose)
    waiting = next((row for row in state.waiting if row.case_id == case.pk), None)
    with translation.override(language):
        words = selectors.consent_wording(purpose, **selectors.consent_request_context(waiting))
    methods = selectors.consent_method_labels(staff_recorded=True)
    values = {"given": "", "method": "", "note": ""}
    errors = []
    if request.method == "POST":
        values = {key: (request.POST.get(key) or "").strip()[:500] for key in values}
        if values["given"] not in ("yes", "no"):
            errors.append({"text": _("Select what they said"), "href": "#given"})
        if values["method"] not in methods:
            errors.append({"text": _("Select how they told us"), "href": "#method"})
        if not errors:
            services.consent_record(
                person=person,
                purpose=purpose,
                given=values["given"] == "yes",
                method=values["method"],
                by=request.user,
                note=values["note"],
                words=words.text(),
                language=language,
            )
            messages.success(request, _("Their answer is recorded."))
            return redirect(_case_section_for(purpose), reference=case.reference)
    return _staff_page(
        request,
        "workspace/data_rights/consent.html",
        status=400 if errors else 200,
        case=case,
        words=words,
        # The language the words are read in (not "language": that is the page's own).
        read_language=language,
        answer_now=selectors.consent_answer_sentence(state.latest),
        methods=methods,
        values=values,
        errors=errors,
        error_for={error["href"][1:]: error["text"] for error in reversed(errors)},
        page_title=_("Record their answer"),
        back_url=reverse(_case_section_for(purpose), args=[case.reference]),
        nav="",
    )
