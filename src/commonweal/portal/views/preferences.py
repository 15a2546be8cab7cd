"""How the signed-in person hears from us (the form is people.forms', shared with staff)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.people import forms as people_forms
from commonweal.people import services as people_services

from . import common


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_preferences(request):
    """The signed-in person's own preferences; there is no way to name anyone else's."""
    person = people_services.person_for_account(account=request.user)
    saved, form = people_forms.contact_preferences_form(
        request, person, by=request.user, reason="Changed their contact preferences online"
    )
    if saved:
        messages.success(request, _("Your contact preferences have been saved"))
        return redirect("portal:contact-preferences")
    return render(
        request,
        "portal/preferences/contact_preferences.html",
        {
            "form": form,
            "errors": form["errors"],
            "flashes": common.flashes(request),
            "page_title": _("How should we contact you?"),
            "back_url": reverse("portal:application-list"),
            "nav": "applications",
        },
        status=400 if form["errors"] else 200,
    )
