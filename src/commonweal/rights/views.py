"""The person's data pages (download, "this is wrong", consents) under /account/your-data/,
and the team's correction requests under /staff/data-requests/.

A citizen only ever reaches their own record: every page starts from the signed-in
account's person, and no URL names a person."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.core.staff import staff_page, staff_required
from commonweal.people import services as people_services

from . import documents, selectors, services, wording
from .models import Consent, DataRequest


def _language() -> str:
    return translation.get_language() or "en"


def _flashes(request) -> list[dict]:
    return [
        {"text": str(message), "success": message.level == messages.SUCCESS}
        for message in messages.get_messages(request)
    ]


def _me(request):
    return people_services.person_for_account(account=request.user)


def _method_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Consent.Method.choices}


def _waiting_context(request_row) -> dict:
    """The words about the referral a request waits for: to whom, for which application,
    what they would see, and how to reach them instead."""
    if request_row is None or request_row.organisation_id is None:
        return {}
    organisation = request_row.organisation
    welsh = translation.get_language() == "cy"
    return {
        "provider": (organisation.name_cy or organisation.name) if welsh else organisation.name,
        "reference": request_row.case.reference if request_row.case_id else "",
        "parts": wording.scope_phrases(request_row.scope),
        "contact": organisation.public_contact,
    }


def _consent_cards(person) -> list[dict]:
    """Each purpose as the data page shows it: the answer now in a sentence, the words it
    was given to, the answers before, and any question waiting for an answer."""
    cards = []
    for state in selectors.consents_for_person(person=person):
        wording = selectors.consent_wording(state.purpose)
        cards.append(
            {
                "purpose": state.purpose,
                "state": state.state,
                "title": wording.title,
                "what": wording.paragraphs[0],
                "sentence": selectors.consent_answer_sentence(state.latest, person=person),
                "words": state.latest.words if state.latest else "",
                "earlier": [
                    selectors.consent_answer_sentence(row, person=person)
                    for row in state.history[1:]
                ],
                "waiting": [
                    _("%(provider)s would like to help with your application %(reference)s.")
                    % _waiting_context(row)
                    for row in state.waiting
                    if row.organisation_id
                ],
            }
        )
    return cards


def _status_labels() -> dict[str, str]:
    return {
        DataRequest.Status.OPEN: _("Being looked at"),
        DataRequest.Status.CORRECTED: _("Corrected"),
        DataRequest.Status.NOT_CORRECTED: _("Not corrected"),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def your_data(request):
    person = _me(request)
    from commonweal.intake import selectors as intake

    return render(
        request,
        "rights/your_data.html",
        {
            "fields": selectors.person_fields_shown(person=person),
            "applications": [
                item
                for item in intake.applications_for_account(account=request.user)
                if item.application.status == "submitted"
                and item.application.person_id == person.pk
            ],
            "consents": _consent_cards(person),
            "requests": selectors.data_requests_for_person(person=person),
            "statuses": _status_labels(),
            "flashes": _flashes(request),
            "page_title": _("Your data"),
            "back_url": reverse("intake:application-list"),
            "nav": "your-data",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def download(request, extension):
    if extension not in ("json", "html", "pdf"):
        raise Http404("No such format")
    person = _me(request)
    language = _language()
    data = selectors.person_export(person=person, language=language)
    filename = selectors.export_filename(person=person, extension=extension)
    if extension == "json":
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        html = render_to_string(
            "rights/export_document.html",
            documents.document_context(data, language=language),
        )
        if extension == "html":
            response = HttpResponse(html, content_type="text/html; charset=utf-8")
        else:
            response = HttpResponse(documents.pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _correction_form(request, *, person, subject, field, label, value, application, back_url):
    raw = {"what-is-wrong": "", "should-be": ""}
    errors = []
    if request.method == "POST":
        raw = {key: (request.POST.get(key) or "").strip()[:2000] for key in raw}
        if not raw["what-is-wrong"]:
            errors.append({"text": _("Tell us what is wrong"), "href": "#what-is-wrong"})
        if not raw["should-be"]:
            errors.append({"text": _("Tell us what it should be"), "href": "#should-be"})
        if not errors:
            try:
                made, new = services.data_request_create(
                    person=person,
                    subject=subject,
                    field=field,
                    application=application,
                    what_is_wrong=raw["what-is-wrong"],
                    should_be=raw["should-be"],
                    by=request.user,
                    language=_language(),
                )
            except services.RightsRefused as refused:
                errors.append({"text": refused.message, "href": f"#{refused.field}"})
            else:
                messages.success(
                    request,
                    _("We have your request to correct %(field)s. We will tell you what we do.")
                    % {"field": made.field_label}
                    if new
                    else _("You have already asked us to correct %(field)s. We are looking at it.")
                    % {"field": made.field_label},
                )
                return redirect(reverse("rights:your-data") + "#requests")
    return render(
        request,
        "rights/correction.html",
        {
            "label": label,
            "value": value,
            "raw": raw,
            "errors": errors,
            "error_for": {error["href"][1:]: error["text"] for error in reversed(errors)},
            "page_title": _("Tell us what is wrong"),
            "back_url": back_url,
            "nav": "your-data",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def correct_detail(request, field):
    person = _me(request)
    shown = {row["field"]: row for row in selectors.person_fields_shown(person=person)}
    if field not in shown:
        raise Http404("No such detail")
    return _correction_form(
        request,
        person=person,
        subject=DataRequest.Subject.PERSON,
        field=field,
        label=shown[field]["label"],
        value=shown[field]["value"],
        application=None,
        back_url=reverse("rights:your-data"),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def application_answers(request, reference):
    person = _me(request)
    application, answers = selectors.application_answers_for_correction(
        person=person, reference=reference.upper(), language=_language()
    )
    if application is None:
        raise Http404("No such application")
    from commonweal.catalogue import selectors as catalogue

    return render(
        request,
        "rights/application_answers.html",
        {
            "application": application,
            "service": catalogue.definition_for(application.version).name.text(_language()),
            "answers": answers,
            "page_title": _("Your answers"),
            "back_url": reverse("rights:your-data"),
            "nav": "your-data",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def correct_answer(request, reference, question_id):
    person = _me(request)
    application, answers = selectors.application_answers_for_correction(
        person=person, reference=reference.upper(), language=_language()
    )
    row = next((a for a in answers if a["question_id"] == question_id), None)
    if application is None or row is None:
        raise Http404("No such answer")
    return _correction_form(
        request,
        person=person,
        subject=DataRequest.Subject.ANSWER,
        field=question_id,
        label=row["question"],
        value="\n".join(row["answer"]),
        application=application,
        back_url=reverse("rights:application-answers", args=[application.reference]),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_change(request, purpose):
    """The person says yes or no to one purpose, on a page that says what it means and what
    happens if they say no; a referral waiting for their answer is named."""
    if purpose not in Consent.Purpose.values:
        raise Http404("No such consent")
    person = _me(request)
    state = selectors.consent_state(person=person, purpose=purpose)
    waiting = state.waiting[0] if state.waiting else None
    words = wording.wording(purpose, **_waiting_context(waiting))
    chosen = request.POST.get("given", "") if request.method == "POST" else ""
    errors = []
    if request.method == "POST":
        if chosen not in ("yes", "no"):
            errors.append({"text": _("Select yes or no"), "href": "#given"})
        else:
            services.consent_record(
                person=person,
                purpose=purpose,
                given=chosen == "yes",
                method=Consent.Method.ONLINE,
                by=request.user,
                words=words.text(),
                language=_language()[:2],
            )
            messages.success(
                request,
                (
                    _("You said yes: %(what)s.")
                    if chosen == "yes"
                    else _("You said no: %(what)s. This has taken effect.")
                )
                % {"what": words.title},
            )
            return redirect(reverse("rights:your-data") + "#consents")
    elif state.latest is not None:
        chosen = "yes" if state.given else "no"
    return render(
        request,
        "rights/consent_change.html",
        {
            "purpose": purpose,
            "words": words,
            "answer_now": wording.answer_sentence(state.latest, person=person)
            if state.latest
            else "",
            "chosen": chosen,
            "errors": errors,
            "page_title": words.question,
            "back_url": reverse("rights:your-data"),
            "nav": "your-data",
        },
        status=400 if errors else 200,
    )


# Staff


def _staff_page(request, template, status=200, **context):
    context.setdefault("nav", "data-requests")
    return staff_page(request, template, status=status, **context)


@require_http_methods(["GET", "HEAD"])
@staff_required
def staff_requests(request):
    return _staff_page(
        request,
        "rights/staff_requests.html",
        requests=selectors.data_requests_for_staff(context=request.staff),
        page_title=_("Correction requests"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_request(request, request_id):
    data_request = selectors.data_request_for_staff(context=request.staff, request_id=request_id)
    if data_request is None:
        raise Http404("No such request")
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
                return redirect("rights:staff-requests")
    return _staff_page(
        request,
        "rights/staff_request.html",
        status=400 if errors else 200,
        data_request=data_request,
        errors=errors,
        error_for={error["href"][1:]: error["text"] for error in reversed(errors)},
        values=values,
        statuses=_status_labels(),
        page_title=_("Correction request"),
    )


def _case_for_consent(request, reference):
    """The case, for its own team only (a referred organisation cannot record consent)."""
    from commonweal.cases import selectors as cases_selectors

    page = cases_selectors.case_for_staff(context=request.staff, reference=reference.upper())
    if page is None or not page.can_act:
        raise Http404("No such case")
    return page.case


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
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
        except services.RightsRefused:
            pass  # answered a moment ago: the page shows what happened
        else:
            messages.success(request, _("Stopped waiting. The case was not referred."))
        return redirect("rights:staff-consents", reference=case.reference)
    states = selectors.consents_for_person(person=case.person)
    return _staff_page(
        request,
        "rights/staff_consents.html",
        case=case,
        consents=[
            {
                "purpose": state.purpose,
                "title": wording.wording(state.purpose).title,
                "sentence": wording.answer_sentence(state.latest),
                "history": [
                    {"sentence": wording.answer_sentence(row), "words": row.words, "note": row.note}
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


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def staff_consent(request, reference, purpose):
    """The answer a person gave by phone, in person or on paper, recorded by the case team
    with the words read to them (shown here, in the person's language)."""
    if purpose not in Consent.Purpose.values:
        raise Http404("No such consent")
    case = _case_for_consent(request, reference)
    person = case.person
    language = "cy" if person.language in ("cy", "both") else "en"
    state = selectors.consent_state(person=person, purpose=purpose)
    waiting = next((row for row in state.waiting if row.case_id == case.pk), None)
    with translation.override(language):
        words = wording.wording(purpose, **_waiting_context(waiting))
    methods = {k: v for k, v in _method_labels().items() if k != Consent.Method.ONLINE}
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
            return redirect("workspace:case", reference=case.reference)
    return _staff_page(
        request,
        "rights/staff_consent.html",
        status=400 if errors else 200,
        case=case,
        words=words,
        # The language the words are read in (not "language": that is the page's own).
        read_language=language,
        answer_now=wording.answer_sentence(state.latest),
        methods=methods,
        values=values,
        errors=errors,
        error_for={error["href"][1:]: error["text"] for error in reversed(errors)},
        page_title=_("Record their answer"),
        back_url=reverse("workspace:case", args=[case.reference]),
        nav="",
    )
