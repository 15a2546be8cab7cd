"""What we asked the person for on their application, with a place for each thing: a file
for each document, an answer for each question. Only for the person and those acting for
them (with the right to act); anyone else gets the same "not found" as for a case that does
not exist."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.intake import selectors as intake_selectors
from commonweal.intake import services as intake_services

from . import common

MAX_ANSWER_LENGTH = 5000


def _posted(request, items) -> tuple[dict[int, str], dict[int, dict], list[dict]]:
    """Each item's answer as posted, and an error for each one missing or refused."""
    texts: dict[int, str] = {}
    files: dict[int, dict] = {}
    errors: list[dict] = []
    for index, item in enumerate(items):
        field = f"item-{index + 1}"
        if item["kind"] == "document":
            upload = request.FILES.get(field)
            if upload is None or not getattr(upload, "name", ""):
                errors.append(
                    {
                        "text": _("Select the file for: %(what)s") % {"what": item["text"]},
                        "href": f"#{field}",
                    }
                )
                continue
            content_type, error = catalogue.check_upload(upload)
            if error:
                errors.append({"text": f"{item['text']}: {error}", "href": f"#{field}"})
                continue
            files[index] = {"file": upload, "content_type": content_type}
        else:
            text = (request.POST.get(field) or "").strip()
            texts[index] = text[:MAX_ANSWER_LENGTH]
            if not text:
                errors.append(
                    {"text": _("Answer: %(what)s") % {"what": item["text"]}, "href": f"#{field}"}
                )
            elif len(text) > MAX_ANSWER_LENGTH:
                errors.append(
                    {
                        "text": _("Your answer must be %(count)s characters or fewer")
                        % {"count": MAX_ANSWER_LENGTH},
                        "href": f"#{field}",
                    }
                )
    return texts, files, errors


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def information(request, reference):
    """The request waiting for an answer on the application, or that nothing waits."""
    application = common.application_or_404(request, reference, scope=intake_selectors.SCOPE_ACT)
    case = application.case
    definition = catalogue.definition_for(application.version)
    waiting = (
        cases_selectors.information_request_waiting(case_id=case.pk)
        if case.closed_at is None
        else None
    )
    url = reverse("portal:information", args=[application.reference])
    texts: dict[int, str] = {}
    errors: list[dict] = []
    if request.method == "POST" and waiting is not None:
        texts, files, errors = _posted(request, waiting.items)
        if not errors:
            try:
                intake_services.information_request_answer(
                    application=application,
                    request=waiting,
                    texts=texts,
                    files=files,
                    by=request.user,
                    on_behalf_of=application.access.on_behalf_of,
                )
            except cases_services.CaseActionRefused as refused:
                errors.append({"text": refused.message, "href": "#item-1"})
            else:
                messages.success(
                    request,
                    _("Thank you. We have what you sent and will carry on with your application."),
                )
                return redirect(reverse("portal:application-detail", args=[application.reference]))
    elif request.method == "POST":
        return redirect(url)
    return render(
        request,
        "portal/applications/information.html",
        {
            "application": application,
            "definition": definition,
            "waiting": waiting,
            "texts": texts,
            "errors": errors,
            "acting_for": common.acting_for(application),
            "upload_limit_mb": settings.COMMONWEAL_UPLOAD_MAX_BYTES // (1024 * 1024),
            "page_title": _("We need more information"),
            "back_url": reverse("portal:application-detail", args=[application.reference]),
            "nav": "applications",
        },
        status=400 if errors else 200,
    )
