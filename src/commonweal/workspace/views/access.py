"""Who looked: the break-glass reason a member of staff gives before opening a case outside
their own work, and the team leader's page of such reads and of investigation holds."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.cases import selectors as cases_selectors
from commonweal.organisations import selectors as organisations
from commonweal.privacy import selectors, services

from .common import posted_date, record_people_read, staff_required


def _staff_page(request, template, status=200, **values):
    values.setdefault("workspace", request.staff)
    values.setdefault("service_name", _("Casework"))
    values.setdefault("service_url", reverse("workspace:my-work"))
    values.setdefault("flashes", [])
    return render(request, template, values, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def break_glass(request, reference):
    """Ask why a member of staff is opening a case outside their own work, before they see
    it; the reason is recorded with every read of it for the next hour and flagged to their
    team leaders."""
    context = request.staff
    page = cases_selectors.case_for_staff(context=context, reference=reference.upper())
    if page is None:
        raise Http404("No such case")
    case_url = reverse("workspace:case", args=[page.case.reference])
    next_url = request.POST.get("next") or request.GET.get("next") or case_url
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}
    ) or not next_url.startswith(case_url):
        next_url = case_url
    if services.case_purpose(context=context, case=page.case, full=page.scope is None) != (
        services.Purpose.BREAK_GLASS
    ):
        return redirect(next_url)  # their own work: no reason needed
    errors = []
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            services.break_glass_grant(session=request.session, case_id=page.case.pk, reason=reason)
        except services.AccessRefused as refused:
            errors.append({"text": refused.message, "href": "#reason"})
        else:
            return redirect(next_url)
    return _staff_page(
        request,
        "workspace/access/break_glass.html",
        status=400 if errors else 200,
        errors=errors,
        reason=reason,
        reference=page.case.reference,
        next_url=next_url,
        minutes=services.BREAK_GLASS_MINUTES,
        page_title=_("Why do you need to open this case?"),
    )


def _led_members(context) -> set[int]:
    led = sorted(context.led_team_ids)
    if not led:
        raise PermissionDenied("Only team leaders see this page")
    return {m.user_id for m in organisations.team_members(team_ids=led)} | {context.user_id}


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def oversight(request):
    """For team leaders: their team members' reads outside their own work, and the
    investigation holds they placed (with a form to place one)."""
    context = request.staff
    members = _led_members(context)
    errors = []
    values = {}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in request.POST}
        reference = values.get("reference", "").strip().upper()
        page = (
            cases_selectors.case_for_staff(context=context, reference=reference)
            if reference
            else None
        )
        held_from, from_error = posted_date(request.POST, "held-from")
        held_until, until_error = posted_date(request.POST, "held-until")
        if page is None:
            errors.append(
                {"text": _("Enter the reference of a case you can see"), "href": "#reference"}
            )
        if from_error:
            errors.append({"text": from_error, "href": "#held-from-day"})
        if until_error:
            errors.append({"text": until_error, "href": "#held-until-day"})
        if not errors:
            zone = timezone.get_current_timezone()
            try:
                services.hold_place(
                    person_id=page.case.person_id,
                    reason=values.get("reason", ""),
                    by=request.user,
                    context=context,
                    held_from=datetime.datetime.combine(held_from, datetime.time.min, zone)
                    if held_from
                    else None,
                    held_until=datetime.datetime.combine(held_until, datetime.time.max, zone)
                    if held_until
                    else None,
                )
            except services.AccessRefused as refused:
                anchor = {"held_until": "held-until-day", "person": "reference"}
                errors.append(
                    {"text": refused.message, "href": "#" + anchor.get(refused.field, "reason")}
                )
            else:
                return redirect("workspace:access-oversight")
    reads = selectors.break_glass_reads(user_ids=members)
    holds = selectors.holds_placed_by(user_ids=members)
    # The people the page shows: by case reference (reads) and by name (holds); one INSERT.
    shown = {hold.person_id: None for hold in holds}
    shown.update({read.person_id: read.case_id for read in reversed(list(reads))})
    record_people_read(
        request,
        shown,
        purpose=services.Purpose.OVERSIGHT,
        categories=[services.Category.PERSON, services.Category.ACCESS_LOG],
        via=services.Via.OVERSIGHT,
    )
    return _staff_page(
        request,
        "workspace/access/oversight.html",
        status=400 if errors else 200,
        errors=errors,
        values=values,
        error_for={error["href"][1:]: error["text"] for error in errors},
        reads=reads,
        holds=holds,
        page_title=_("Access oversight"),
        nav="oversight",
    )


@require_POST
@staff_required
def hold_lift(request):
    context = request.staff
    members = _led_members(context)
    hold_id = request.POST.get("hold", "")
    hold = (
        selectors.hold_get(hold_id=int(hold_id), user_ids=members)
        if hold_id.isdigit() and len(hold_id) < 12
        else None
    )
    if hold is None:
        raise Http404("No such hold")
    services.hold_lift(
        hold_id=hold.pk, by=request.user, context=context, reason=request.POST.get("reason", "")
    )
    return redirect("workspace:access-oversight")
