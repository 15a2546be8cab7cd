"""A service's life for its owners: opening and closing dates, pausing online applications
with a message (and resuming), and retiring it, pointing to what replaces it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services

from .common import posted_date, staff_page, staff_required
from .service_versions import service_for_owner

# A pause message longer than this is refused rather than kept.
MESSAGE_LIMIT = 2000

STATE_WORDS = {
    catalogue.OPEN: gettext_lazy("Open: taking applications"),
    catalogue.NOT_YET_OPEN: gettext_lazy("Not open yet"),
    catalogue.CLOSED: gettext_lazy("Closed: past its closing date"),
    catalogue.PAUSED: gettext_lazy("Paused: online applications stopped"),
    catalogue.RETIRED: gettext_lazy("Retired"),
}


def _dates(request, service, errors: list) -> None:
    opens_on, opens_error = posted_date(request.POST, "opens_on")
    closes_on, closes_error = posted_date(request.POST, "closes_on")
    if opens_error:
        errors.append({"text": opens_error, "href": "#opens_on-day"})
    if closes_error:
        errors.append({"text": closes_error, "href": "#closes_on-day"})
    if errors:
        return
    catalogue_services.service_dates_set(
        service=service, opens_on=opens_on, closes_on=closes_on, by=request.user
    )
    messages.success(request, _("The opening and closing dates are saved"))


def _pause(request, service, errors: list) -> None:
    message_en = request.POST.get("message_en", "")
    message_cy = request.POST.get("message_cy", "")
    if len(message_en) > MESSAGE_LIMIT or len(message_cy) > MESSAGE_LIMIT:
        errors.append({"text": _("Each message must be 2,000 characters or fewer"), "href": "#"})
        return
    if catalogue_services.service_pause(
        service=service, message_en=message_en, message_cy=message_cy, by=request.user
    ):
        messages.success(
            request, _("Online applications are paused. Everyone with a draft will be told.")
        )


def _retire(request, service, errors: list) -> None:
    if request.POST.get("confirm") != "yes":
        errors.append(
            {"text": _("Confirm that you want to retire this service"), "href": "#confirm"}
        )
        return
    replaced_by = None
    slug = request.POST.get("replaced_by", "")
    if slug:
        replaced_by = next(
            (item for item in catalogue.services_other_than(service=service) if item.slug == slug),
            None,
        )
        if replaced_by is None:
            errors.append({"text": _("Choose a service from the list"), "href": "#replaced_by"})
            return
    if catalogue_services.service_retire(service=service, replaced_by=replaced_by, by=request.user):
        messages.success(request, _("The service is retired. Everyone with a draft will be told."))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def life(request, slug):
    service = service_for_owner(request, slug)
    errors: list[dict] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "dates":
                _dates(request, service, errors)
            elif action == "pause":
                _pause(request, service, errors)
            elif action == "resume":
                if catalogue_services.service_resume(service=service, by=request.user):
                    messages.success(request, _("Online applications are open again"))
            elif action == "retire":
                _retire(request, service, errors)
            else:
                errors.append({"text": _("Choose what to do"), "href": "#"})
        except catalogue_services.LifeError as refused:
            errors.append({"text": refused.message, "href": f"#{refused.field}"})
        if not errors:
            return redirect("workspace:service-life", slug)
        service = catalogue.service_by_slug(slug=slug)
    state = catalogue.service_state(service)
    return staff_page(
        request,
        "workspace/services/life.html",
        nav="services",
        status=400 if errors else 200,
        errors=errors,
        service=service,
        state=state,
        state_words=STATE_WORDS[state],
        values=request.POST if errors else {},
        others=catalogue.services_other_than(service=service),
        history=catalogue.life_events_of(service=service),
        page_title=_("The life of %(slug)s") % {"slug": service.slug},
    )
