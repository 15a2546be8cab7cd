"""People who can act for the signed-in person: who can, adding someone, removing them."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from . import common


def _relationship_labels() -> dict[str, str]:
    return {
        "carer": _("Carer"),
        "appointee": _("Appointee"),
        "advocate": _("Advocate"),
        "power_of_attorney": _("Power of attorney"),
        "family": _("Family member or friend"),
    }


def _scope_labels() -> dict[str, str]:
    return {
        "view": _("See your applications, where they are and the decisions"),
        "messages": _("Read and send secure messages about your applications"),
        "act": _("Ask us to look at a decision again for you"),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def representatives(request):
    person = people_services.person_for_account(account=request.user)
    everyone = people_selectors.representatives_of(person=person)
    today = timezone.localdate()
    active = [
        r for r in everyone if r.revoked_at is None and (r.ends_on is None or r.ends_on >= today)
    ]
    return render(
        request,
        "portal/representatives/representatives.html",
        {
            "active": active,
            "relationships": _relationship_labels(),
            "scopes": _scope_labels(),
            "flashes": common.flashes(request),
            "page_title": _("People who can act for you"),
            "back_url": reverse("portal:application-list"),
            "nav": "applications",
        },
    )


def _parse_date(day: str, month: str, year: str) -> datetime.date | None:
    try:
        value = datetime.date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None
    return value if value.year >= 1900 else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def representative_add(request):
    raw = {
        "name": "",
        "email": "",
        "relationship": "",
        "ends-on-day": "",
        "ends-on-month": "",
        "ends-on-year": "",
    }
    scope: list[str] = []
    errors = []
    relationships = _relationship_labels()
    scopes = _scope_labels()
    if request.method == "POST":
        raw = {key: (request.POST.get(key) or "").strip()[:254] for key in raw}
        scope = [part for part in request.POST.getlist("scope") if part in scopes]
        if not raw["name"]:
            errors.append({"text": _("Enter their full name"), "href": "#name"})
        if not raw["email"]:
            errors.append({"text": _("Enter their email address"), "href": "#email"})
        if raw["relationship"] not in relationships:
            errors.append(
                {"text": _("Select how they are related to you"), "href": "#relationship"}
            )
        if not scope:
            errors.append({"text": _("Select what they can do"), "href": "#scope"})
        parts = (raw["ends-on-day"], raw["ends-on-month"], raw["ends-on-year"])
        ends_on = None
        if any(parts):
            ends_on = _parse_date(*parts)
            if ends_on is None:
                errors.append(
                    {"text": _("The end date must be a real date"), "href": "#ends-on-day"}
                )
        if not errors:
            person = people_services.person_for_account(account=request.user)
            try:
                added = people_services.representative_add(
                    person=person,
                    name=raw["name"],
                    email=raw["email"],
                    relationship=raw["relationship"],
                    scope=scope,
                    ends_on=ends_on,
                    by=request.user,
                )
            except people_services.RepresentativeRefused as refused:
                field = {"ends_on": "ends-on-day"}.get(refused.field, refused.field)
                errors.append({"text": refused.message, "href": f"#{field}"})
            else:
                messages.success(request, _("%(name)s can now act for you.") % {"name": added.name})
                return redirect("portal:representatives")
    return render(
        request,
        "portal/representatives/representative_add.html",
        {
            "raw": raw,
            "scope": scope,
            "relationships": relationships,
            "scopes": scopes,
            "errors": errors,
            "error_for": {error["href"][1:]: error["text"] for error in reversed(errors)},
            "page_title": _("Add someone who can act for you"),
            "back_url": reverse("portal:representatives"),
            "nav": "applications",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def representative_remove(request, representative_id):
    person = people_services.person_for_account(account=request.user)
    try:
        removed = people_services.representative_revoke(
            representative_id=representative_id, person=person, by=request.user
        )
    except people_services.RepresentativeRefused:
        raise Http404("No such representative") from None
    messages.success(request, _("%(name)s can no longer act for you.") % {"name": removed.name})
    return redirect("portal:representatives")
