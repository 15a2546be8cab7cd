"""The secure conversation with the team about one application, and its attachments."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import private_file_response
from commonweal.intake import selectors as intake_selectors
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging_services
from commonweal.people import selectors as people_selectors

from . import common


def _author_labels(request, application, thread) -> dict:
    """Who wrote each of the person's side's messages, as the reader sees it."""
    person = application.person
    names = {}
    if any(m.on_behalf_of_id and m.author_id != request.user.pk for m in thread):
        names = {
            representative.email: representative.name
            for representative in people_selectors.representatives_of(person=person)
        }
    labels = {}
    for message in thread:
        if message.from_staff:
            continue
        if message.author_id == request.user.pk:
            labels[message.pk] = _("You")
        elif message.on_behalf_of_id:
            name = names.get(message.author.email.lower())
            labels[message.pk] = (
                _("%(name)s, for %(person)s") % {"name": name, "person": person.full_name}
                if name
                else _("Someone acting for %(person)s") % {"person": person.full_name}
            )
        else:
            labels[message.pk] = person.full_name or message.author.email
    return labels


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_messages(request, reference):
    """The secure conversation with the team about one application."""
    application = common.application_or_404(
        request, reference, scope=intake_selectors.SCOPE_MESSAGES
    )
    definition = catalogue.definition_for(application.version)
    case = application.case
    url = reverse("portal:messages", args=[application.reference])
    body = ""
    errors = []
    if request.method == "POST":
        body = (request.POST.get("body") or "")[:20000]
        try:
            messaging_services.thread_message_post(
                case=case,
                by=request.user,
                from_staff=False,
                body=body,
                files=request.FILES.getlist("attachments"),
                on_behalf_of=application.access.on_behalf_of,
            )
        except messaging_services.ThreadMessageRefused as refused:
            field = "attachments" if refused.field == "attachments" else "body"
            errors.append({"text": refused.message, "href": f"#{field}"})
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect(url)
    thread = messaging_selectors.case_thread_for_person(case_id=case.pk)
    unread = {m.pk for m in thread if m.from_staff and m.read_at is None}
    if unread and request.method != "HEAD":
        messaging_services.thread_mark_read(case=case, by_staff=False)
    return render(
        request,
        "portal/applications/messages.html",
        {
            "application": application,
            "definition": definition,
            "thread": thread,
            "unread": unread,
            "authors": _author_labels(request, application, thread),
            "body": body,
            "errors": errors,
            "flashes": common.flashes(request),
            "acting_for": common.acting_for(application),
            "upload_limit_mb": settings.COMMONWEAL_UPLOAD_MAX_BYTES // (1024 * 1024),
            "max_attachments": messaging_services.MAX_ATTACHMENTS,
            "service_name": definition.title.text(common.language()),
            "page_title": _("Messages"),
            "back_url": reverse("portal:application-detail", args=[application.reference]),
            "nav": "applications",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def message_attachment(request, reference, attachment_id):
    application = common.application_or_404(
        request, reference, scope=intake_selectors.SCOPE_MESSAGES
    )
    attachment = messaging_selectors.case_thread_attachment(
        case_id=application.case.pk, attachment_id=attachment_id
    )
    if attachment is None:
        raise Http404("No such file")
    return private_file_response(attachment)
