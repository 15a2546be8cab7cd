"""The person's data pages (download, "this is wrong", consents) under /account/your-data/.
The team's side (correction requests, consents recorded by staff) is in the workspace.

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
