"""The journey taken by staff for someone (by phone, in person, from a paper form): the
same question pages as online, in the staff member's session. What differs lives here:
which draft the pages show, the banner about a record found, and where staff go once the
application is sent. The staff page that starts it is the workspace's ("assisted start");
both keep the draft in the session through `intake.journey`."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from commonweal.intake import assisted as assisted_rules
from commonweal.intake import journey
from commonweal.intake import services as intake_services
from commonweal.organisations import selectors as organisations

from . import common


def assisted_for(request, slug: str) -> dict | None:
    """The application this member of staff is taking for someone for `slug`, if any."""
    if not request.user.is_authenticated:
        return None
    return journey.assisted_get(request.session, slug)


def draft_start(request, published, assisted: dict, eligibility: dict):
    """(the draft, None), or (None, a redirect back to the start page with the reason)."""
    slug = published.service.slug
    try:
        draft = intake_services.assisted_application_start(
            by=request.user,
            context=organisations.staff_context(user=request.user),
            published=published,
            channel=assisted["channel"],
            identity_check=assisted["identity_check"],
            person_email=assisted["email"],
            eligibility_answers=eligibility,
            language=common.language(),
        )
    except intake_services.AssistedRefused as refused:
        # Their teams changed since the start page: start again, with the reason.
        journey.assisted_end(request.session, slug)
        messages.error(request, refused.message)
        return None, redirect("workspace:assisted-start")
    journey.assisted_update(
        request.session, slug, draft=str(draft.pk), record=assisted_rules.record_banner(draft)
    )
    return draft, None


def _sees_case(context, case) -> bool:
    """Whether the case's page is open to them (their team's, or their organisation's for
    service owners and administrators)."""
    if case.team_id is None:
        return False
    if case.team_id in context.work_team_ids:
        return True
    organisation = organisations.organisation_of_team(team_id=case.team_id)
    return organisation in context.organisation_wide_ids


def after_sending(request, application):
    """Where a member of staff goes once the application is sent: checking new contact
    details they were given, else the case, else (a case in another team's queue) back
    to taking applications, with its reference."""
    if getattr(application, "contact_change", None) is not None:
        return redirect("workspace:assisted-contact-change", application.reference)
    context = organisations.staff_context(user=request.user)
    if _sees_case(context, application.case):
        return redirect("workspace:case", application.reference)
    messages.success(
        request,
        _("Application %(reference)s sent. It is in the queue of the team that handles it.")
        % {"reference": application.reference},
    )
    return redirect("workspace:assisted-start")
