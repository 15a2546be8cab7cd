"""The person's data: what we hold (and a download of it), "this is wrong" for a detail or
an answer, their consents, and who has seen their data.

A citizen only ever reaches their own record: every page starts from the signed-in
account's person, and no URL names a person."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.catalogue import selectors as catalogue
from commonweal.intake import selectors as intake_selectors
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services
from commonweal.privacy import selectors as privacy_selectors
from commonweal.rights import selectors as rights_selectors
from commonweal.rights import services as rights_services

from . import common


def _me(request):
    return people_services.person_for_account(account=request.user)


def _consent_cards(person) -> list[dict]:
    """Each purpose as the data page shows it: the answer now in a sentence, the words it
    was given to, the answers before, and any question waiting for an answer."""
    cards = []
    for state in rights_selectors.consents_for_person(person=person):
        wording = rights_selectors.consent_wording(state.purpose)
        cards.append(
            {
                "purpose": state.purpose,
                "state": state.state,
                "title": wording.title,
                "what": wording.paragraphs[0],
                "sentence": rights_selectors.consent_answer_sentence(state.latest, person=person),
                "words": state.latest.words if state.latest else "",
                "earlier": [
                    rights_selectors.consent_answer_sentence(row, person=person)
                    for row in state.history[1:]
                ],
                "waiting": [
                    _("%(provider)s would like to help with your application %(reference)s.")
                    % rights_selectors.consent_request_context(row)
                    for row in state.waiting
                    if row.organisation_id
                ],
            }
        )
    return cards


def _status_labels() -> dict[str, str]:
    return rights_selectors.data_request_status_labels()


@login_required
@require_http_methods(["GET", "HEAD"])
def your_data(request):
    person = _me(request)

    return render(
        request,
        "portal/your_data/your_data.html",
        {
            "fields": rights_selectors.person_fields_shown(person=person),
            "applications": [
                item
                for item in intake_selectors.applications_for_account(account=request.user)
                if item.application.status == "submitted"
                and item.application.person_id == person.pk
            ],
            "consents": _consent_cards(person),
            "requests": rights_selectors.data_requests_for_person(person=person),
            "statuses": _status_labels(),
            "grounds": rights_selectors.erasure_ground_labels(),
            "erasure_open": any(
                item.kind == "erasure" and item.status in ("open", "erasing")
                for item in rights_selectors.data_requests_for_person(person=person)
            ),
            "flashes": common.flashes(request),
            "page_title": _("Your data"),
            "back_url": reverse("portal:application-list"),
            "nav": "your-data",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request):
    """The person asks us to erase what we hold about them. Staff decide; data under a
    legal hold is refused at once, and the page they come back to says why."""
    person = _me(request)
    note = ""
    if request.method == "POST":
        note = (request.POST.get("note") or "").strip()[:2000]
        made, new = rights_services.erasure_request_create(
            person=person, by=request.user, note=note
        )
        if made.status == "not_erased":
            messages.error(
                request,
                _("We cannot erase your data: %(reason)s")
                % {"reason": rights_selectors.erasure_ground_labels()[made.ground]},
            )
        elif new:
            messages.success(
                request, _("We have your request to erase your data. We will tell you what we do.")
            )
        else:
            messages.success(
                request, _("You have already asked us to erase your data. We are looking at it.")
            )
        return redirect(reverse("portal:your-data") + "#requests")
    return render(
        request,
        "portal/your_data/erase.html",
        {
            "note": note,
            "page_title": _("Ask us to erase your data"),
            "back_url": reverse("portal:your-data"),
            "nav": "your-data",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def download(request, extension):
    if extension == "pdf":
        # The PDF takes seconds to make: it is made in the background (data_pdf_request).
        return redirect(reverse("portal:your-data") + "#download")
    if extension not in ("json", "html"):
        raise Http404("No such format")
    person = _me(request)
    language = common.language()
    data = rights_selectors.person_export(person=person, language=language)
    filename = rights_selectors.export_filename(person=person, extension=extension)
    if extension == "json":
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        html = render_to_string(
            "rights/export_document.html",
            rights_selectors.export_document_context(data, language=language),
        )
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# The data download as a PDF, made in the background.

REFRESH_SECONDS = 5


@login_required
@require_POST
def data_pdf_request(request):
    """Ask for the PDF: the task that makes it is queued (once, however often the button is
    pressed while it is being made), and the person goes to the page that waits for it."""
    download, _new = rights_services.data_download_request(
        person=_me(request), language=common.language(), by=request.user
    )
    return redirect("portal:data-pdf", download_id=download.pk)


def _own_download(request, download_id):
    download = rights_selectors.data_download_for(person=_me(request), download_id=download_id)
    if download is None:
        raise Http404("No such download")
    return download


@login_required
@require_http_methods(["GET", "HEAD"])
def data_pdf(request, download_id):
    """Where the PDF is: being made (the page refreshes itself), ready (the download),
    failed (say so, and try again), or expired (make a new one)."""
    download = _own_download(request, download_id)
    state = download.status
    if state == "ready" and download.expires_at and download.expires_at <= timezone.now():
        state = "expired"
    errors = []
    if state == "failed":
        errors = [{"text": _("We could not make your PDF. Try again."), "href": "#try-again"}]
    response = render(
        request,
        "portal/your_data/data_pdf.html",
        {
            "download": download,
            "state": state,
            "refresh_seconds": REFRESH_SECONDS,
            "errors": errors,
            "page_title": _("Your data as a PDF"),
            "back_url": reverse("portal:your-data"),
            "nav": "your-data",
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def data_pdf_file(request, download_id):
    """The PDF itself, for its owner only, while it is kept."""
    download = _own_download(request, download_id)
    if (
        download.status != "ready"
        or not download.file
        or (download.expires_at and download.expires_at <= timezone.now())
    ):
        raise Http404("Not ready or expired")
    try:
        handle = download.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is gone") from None
    filename = rights_selectors.export_filename(person=download.person, extension="pdf")
    response = FileResponse(
        handle, content_type="application/pdf", as_attachment=True, filename=filename
    )
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
                made, new = rights_services.data_request_create(
                    person=person,
                    subject=subject,
                    field=field,
                    application=application,
                    what_is_wrong=raw["what-is-wrong"],
                    should_be=raw["should-be"],
                    by=request.user,
                    language=common.language(),
                )
            except rights_services.RightsRefused as refused:
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
                return redirect(reverse("portal:your-data") + "#requests")
    return render(
        request,
        "portal/your_data/correction.html",
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
    shown = {row["field"]: row for row in rights_selectors.person_fields_shown(person=person)}
    if field not in shown:
        raise Http404("No such detail")
    return _correction_form(
        request,
        person=person,
        subject="person",
        field=field,
        label=shown[field]["label"],
        value=shown[field]["value"],
        application=None,
        back_url=reverse("portal:your-data"),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def application_answers(request, reference):
    person = _me(request)
    application, answers = rights_selectors.application_answers_for_correction(
        person=person, reference=reference.upper(), language=common.language()
    )
    if application is None:
        raise Http404("No such application")

    return render(
        request,
        "portal/your_data/application_answers.html",
        {
            "application": application,
            "service": catalogue.definition_for(application.version).name.text(common.language()),
            "answers": answers,
            "page_title": _("Your answers"),
            "back_url": reverse("portal:your-data"),
            "nav": "your-data",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def correct_answer(request, reference, question_id):
    person = _me(request)
    application, answers = rights_selectors.application_answers_for_correction(
        person=person, reference=reference.upper(), language=common.language()
    )
    row = next((a for a in answers if a["question_id"] == question_id), None)
    if application is None or row is None:
        raise Http404("No such answer")
    return _correction_form(
        request,
        person=person,
        subject="answer",
        field=question_id,
        label=row["question"],
        value="\n".join(row["answer"]),
        application=application,
        back_url=reverse("portal:application-answers", args=[application.reference]),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_change(request, purpose):
    """The person says yes or no to one purpose, on a page that says what it means and what
    happens if they say no; a referral waiting for their answer is named."""
    if purpose not in rights_selectors.CONSENT_PURPOSES:
        raise Http404("No such consent")
    person = _me(request)
    state = rights_selectors.consent_state(person=person, purpose=purpose)
    waiting = state.waiting[0] if state.waiting else None
    words = rights_selectors.consent_wording(
        purpose, **rights_selectors.consent_request_context(waiting)
    )
    chosen = request.POST.get("given", "") if request.method == "POST" else ""
    errors = []
    if request.method == "POST":
        if chosen not in ("yes", "no"):
            errors.append({"text": _("Select yes or no"), "href": "#given"})
        else:
            rights_services.consent_record(
                person=person,
                purpose=purpose,
                given=chosen == "yes",
                method="online",
                by=request.user,
                words=words.text(),
                language=common.language()[:2],
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
            return redirect(reverse("portal:your-data") + "#consents")
    elif state.latest is not None:
        chosen = "yes" if state.given else "no"
    return render(
        request,
        "portal/your_data/consent_change.html",
        {
            "purpose": purpose,
            "words": words,
            "answer_now": rights_selectors.consent_answer_sentence(state.latest, person=person)
            if state.latest
            else "",
            "chosen": chosen,
            "errors": errors,
            "page_title": words.question,
            "back_url": reverse("portal:your-data"),
            "nav": "your-data",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def accesses(request):
    """Who has seen my data: reads of the signed-in person's record."""
    person = people_selectors.person_for_account_get(account=request.user)
    report = (
        privacy_selectors.accesses_for_person(person_id=person.pk, language=get_language())
        if person is not None
        else None
    )
    return render(
        request,
        "portal/your_data/accesses.html",
        {"report": report, "page_title": _("Who has seen your data"), "nav": "applications"},
    )
