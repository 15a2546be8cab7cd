"""Staff taking an application for someone: the start page (the service, how it reached
them, how they checked who the person is). The question pages that follow are the
citizen's own, in the portal (portal/views/journey.py and assisted_journey.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue

from . import journey, services

ASSISTED_CHANNEL_LABELS = {
    "phone": gettext_lazy("By phone"),
    "in_person": gettext_lazy("In person"),
    "paper": gettext_lazy("From a paper form"),
}


IDENTITY_CHECK_LABELS = {
    "document": gettext_lazy("I have seen an identity document"),
    "knowledge": gettext_lazy("They answered questions only they would know"),
    "not_checked": gettext_lazy("Not checked yet"),
}


IDENTITY_DOCUMENTS = {
    "passport": gettext_lazy("Passport"),
    "driving_licence": gettext_lazy("Driving licence"),
    "benefit_letter": gettext_lazy("Benefit award letter"),
    "other": gettext_lazy("Another document"),
}


def assisted_begin(request, slug: str, *, channel: str, identity_check: str, email: str) -> None:
    """The next journey for `slug` is taken for someone else (the question pages are the
    portal's; the session keeps the draft through `intake.journey`)."""
    journey.assisted_begin(
        request.session, slug, channel=channel, identity_check=identity_check, email=email
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assisted_start(request):
    """A member of staff starts an application for someone by phone, in person or from a
    paper form; then the same question pages as online follow, in their session."""
    from commonweal.organisations import selectors as organisations

    staff = organisations.staff_context(user=request.user)
    if not staff.is_staff:
        raise PermissionDenied("Only staff take applications for other people")
    published_services = catalogue.published_services()
    # Only the services their organisation handles.
    handled = organisations.service_ids_handled_by(organisation_ids=staff.organisation_ids)
    services_list = [p for p in published_services if p.service.pk in handled]
    values = {
        key: (request.POST.get(key) or "").strip()[:254]
        for key in ("service", "channel", "identity", "document", "email")
    }
    # A refusal after this page (their teams changed meanwhile), passed on by `apply`; or
    # an application just sent to another team's queue.
    notes = list(messages.get_messages(request))
    errors = [
        {"text": str(note), "href": "#service"} for note in notes if note.level == messages.ERROR
    ]
    flashes = [str(note) for note in notes if note.level == messages.SUCCESS]
    if request.method == "POST":
        slugs = {published.service.slug for published in services_list}
        if values["service"] in {p.service.slug for p in published_services} - slugs:
            errors.append({"text": services.assisted_not_handled_message(), "href": "#service"})
        elif values["service"] not in slugs:
            errors.append(
                {"text": _("Select the service they are applying for"), "href": "#service"}
            )
        if values["channel"] not in ASSISTED_CHANNEL_LABELS:
            errors.append({"text": _("Select how the application reached you"), "href": "#channel"})
        if values["identity"] not in IDENTITY_CHECK_LABELS:
            errors.append({"text": _("Select how you checked who they are"), "href": "#identity"})
        elif values["identity"] == "document" and values["document"] not in IDENTITY_DOCUMENTS:
            errors.append({"text": _("Select the document you saw"), "href": "#document"})
        email = values["email"].lower()
        if email:
            from django.core.exceptions import ValidationError
            from django.core.validators import validate_email

            try:
                validate_email(email)
            except ValidationError:
                errors.append(
                    {
                        "text": _(
                            "Enter an email address in the correct format, like name@example.com"
                        ),
                        "href": "#email",
                    }
                )
            else:
                if values["identity"] == "not_checked":
                    # The same whether or not we hold a record for the address: not
                    # checking who they are never finds one.
                    errors.append(
                        {"text": services.assisted_identity_first_message(), "href": "#email"}
                    )
        if not errors:
            identity = values["identity"]
            if identity == "document":
                identity = f"document:{values['document']}"
            assisted_begin(
                request,
                values["service"],
                channel=values["channel"],
                identity_check=identity,
                email=email,
            )
            return redirect("portal:apply", values["service"])
    return render(
        request,
        "intake/assisted_start.html",
        {
            "services": services_list,
            "values": values,
            "errors": errors,
            "flashes": flashes,
            "channels": ASSISTED_CHANNEL_LABELS,
            "identity_checks": IDENTITY_CHECK_LABELS,
            "documents": IDENTITY_DOCUMENTS,
            "workspace": staff,
            "service_name": _("Casework"),
            "service_url": reverse("workspace:my-work"),
            "nav": "assisted",
            "page_title": _("Take an application for someone"),
        },
        status=400 if errors else 200,
    )
