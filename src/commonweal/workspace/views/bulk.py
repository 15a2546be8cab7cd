"""Sending one message to many people: team leaders choose the cases, write the words in
English and Welsh, and watch the progress."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging

from .common import page as _page
from .common import staff_required


def _leaders_only(request) -> None:
    if not request.staff.is_leader:
        raise PermissionDenied("Only team leaders send messages to many people")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def start(request):
    _leaders_only(request)
    services = catalogue.published_services()
    values = {
        "service": request.POST.get("service", request.GET.get("service", "")),
        "stage": request.POST.get("stage", ""),
        "open_only": request.POST.get("open_only", "yes") == "yes"
        if request.method == "POST"
        else True,
        "message_en": request.POST.get("message_en", ""),
        "message_cy": request.POST.get("message_cy", ""),
    }
    errors = []
    published = next((p for p in services if p.service.slug == values["service"]), None)
    if request.method == "POST":
        if published is None:
            errors.append({"text": _("Choose the service"), "href": "#service"})
        else:
            try:
                bulk = messaging.bulk_send_start(
                    service=published.service,
                    stage=values["stage"][:60],
                    open_only=values["open_only"],
                    message_en=values["message_en"],
                    message_cy=values["message_cy"],
                    by=request.user,
                    context=request.staff,
                )
            except messaging.BulkSendRefused as refused:
                errors.append({"text": refused.message, "href": f"#{refused.field}"})
            else:
                return redirect("workspace:bulk-progress", bulk.pk)
    count = None
    if published is not None:
        count = cases_selectors.bulk_recipients(
            context=request.staff,
            service_id=published.service.pk,
            stage=values["stage"],
            open_only=values["open_only"],
        ).count()
    return _page(
        request,
        "workspace/bulk_start.html",
        status=400 if errors else 200,
        errors=errors,
        values=values,
        services=services,
        published=published,
        count=count,
        recent=messaging_selectors.bulk_sends(organisation_ids=request.staff.organisation_ids),
        page_title=_("Send a message to many people"),
        nav="bulk",
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def progress(request, bulk_id):
    _leaders_only(request)
    bulk = messaging_selectors.bulk_send(
        bulk_id=bulk_id, organisation_ids=request.staff.organisation_ids
    )
    if bulk is None:
        raise Http404("No such message")
    return _page(
        request,
        "workspace/bulk_progress.html",
        bulk=bulk,
        delivered=messaging_selectors.bulk_send_delivered(bulk=bulk),
        page_title=_("Message to many people"),
        nav="bulk",
    )
