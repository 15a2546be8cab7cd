"""A service's versions for its owners: the list, the difference between two versions, and
publishing one (asked for by one person and, where the organisation asks for it, approved
or rejected by a second)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.organisations import selectors as organisations

from .common import staff_page, staff_required

# A reason longer than this is refused rather than kept.
REASON_LIMIT = 2000


def service_for_owner(request, slug: str):
    """The service, when this member of staff looks after it: a service owner or
    administrator of an organisation whose team handles it (or a superuser). Others with
    no such role are refused (403); a service that is not theirs is not found (404)."""
    if not (request.staff.organisation_wide_ids or request.user.is_superuser):
        raise PermissionDenied("Only service owners and administrators look after services")
    service = catalogue.service_by_slug(slug=slug)
    if service is None:
        raise Http404("No such service")
    if not request.user.is_superuser:
        owners = organisations.organisations_of_service(service_id=service.pk)
        if not owners & request.staff.organisation_wide_ids:
            raise Http404("No such service")
    return service


def _version_rows(versions) -> list[dict]:
    rows = []
    for version in versions:
        approved = [
            request
            for request in version.publish_requests.all()
            if request.status == "approved" and request.decided_at is not None
        ]
        last = approved[0] if approved else None
        rows.append(
            {
                "version": version,
                "published_by": last.decided_by if last else None,
                "asked_by": last.requested_by if last else None,
                "waiting": any(r.status == "waiting" for r in version.publish_requests.all()),
            }
        )
    return rows


@require_http_methods(["GET", "HEAD"])
@staff_required
def versions(request, slug):
    """The versions, newest first; choosing two (`from`, `to`) goes to their difference."""
    service = service_for_owner(request, slug)
    service_versions = catalogue.service_versions(service=service)
    numbers = {version.number for version in service_versions}
    errors = []
    if "from" in request.GET or "to" in request.GET:
        first, second = request.GET.get("from", ""), request.GET.get("to", "")
        if not (first.isdigit() and second.isdigit()) or not {int(first), int(second)} <= numbers:
            errors.append({"text": _("Choose two versions to compare"), "href": "#from"})
        elif first == second:
            errors.append({"text": _("Choose two different versions to compare"), "href": "#to"})
        else:
            return redirect("workspace:service-compare", slug, int(first), int(second))
    return staff_page(
        request,
        "workspace/services/versions.html",
        nav="services",
        status=400 if errors else 200,
        errors=errors,
        service=service,
        rows=_version_rows(service_versions),
        page_title=_("Versions of %(slug)s") % {"slug": service.slug},
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def compare(request, slug, number, other):
    service = service_for_owner(request, slug)
    old = catalogue.version_by_number(service=service, number=number)
    new = catalogue.version_by_number(service=service, number=other)
    if old is None or new is None:
        raise Http404("No such version")
    return staff_page(
        request,
        "workspace/services/compare.html",
        nav="services",
        service=service,
        comparison=catalogue.versions_compare(old=old, new=new),
        page_title=_("Version %(old)s compared with version %(new)s")
        % {"old": old.number, "new": new.number},
    )


def _publish_action(request, version, waiting):
    """Do what was posted; (a redirect, None) or (None, errors)."""
    action = request.POST.get("action", "")
    try:
        if action == "ask":
            made = catalogue_services.publish_ask(version=version, by=request.user)
            if made.status == "approved":
                messages.success(request, _("Version %(n)s is published") % {"n": version.number})
            else:
                messages.success(
                    request,
                    _("You asked for version %(n)s to be published: another person must approve")
                    % {"n": version.number},
                )
        elif action in ("approve", "reject") and waiting is not None:
            if action == "approve":
                catalogue_services.publish_approve(request=waiting, by=request.user)
                messages.success(request, _("Version %(n)s is published") % {"n": version.number})
            else:
                reason = request.POST.get("reason", "")
                if len(reason) > REASON_LIMIT:
                    return None, [
                        {
                            "text": _("The reason must be 2,000 characters or fewer"),
                            "href": "#reason",
                        }
                    ]
                catalogue_services.publish_reject(request=waiting, by=request.user, reason=reason)
                messages.success(request, _("You rejected publishing this version"))
        elif action in ("approve", "reject"):
            return None, [
                {"text": _("Nobody is waiting for approval of this version"), "href": "#"}
            ]
        else:
            return None, [{"text": _("Choose what to do"), "href": "#"}]
    except catalogue_services.PublishRefused as refused:
        href = "#reason" if action == "reject" else "#"
        errors = [{"text": refused.message, "href": href}]
        errors += [{"text": str(problem), "href": "#"} for problem in refused.problems]
        return None, errors
    return redirect("workspace:service-publish", version.service.slug, version.number), None


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def publish(request, slug, number):
    service = service_for_owner(request, slug)
    version = catalogue.version_by_number(service=service, number=number)
    if version is None:
        raise Http404("No such version")
    waiting = catalogue.publish_request_waiting(version=version)
    errors = []
    if request.method == "POST":
        done, errors = _publish_action(request, version, waiting)
        if done is not None:
            return done
        waiting = catalogue.publish_request_waiting(version=version)
    return staff_page(
        request,
        "workspace/services/publish.html",
        nav="services",
        status=400 if errors else 200,
        errors=errors,
        service=service,
        version=version,
        waiting=waiting,
        own_request=waiting is not None and waiting.requested_by_id == request.user.pk,
        needs_second=organisations.publishing_needs_second_person(service_id=service.pk),
        history=catalogue.publish_requests_of(version=version),
        versions_url=reverse("workspace:service-versions", args=[slug]),
        page_title=_("Publish version %(n)s") % {"n": version.number},
    )
