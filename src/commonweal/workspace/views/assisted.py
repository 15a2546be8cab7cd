"""Taking an application for someone by phone, in person or from a paper form: the start
page (then the same question pages as online follow, in the member of staff's session,
through `intake.journey`), and checking new contact details they were given (a code to a
contact point on the record, or a team leader's approval) before the record uses them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.core import uk
from commonweal.intake import assisted, journey
from commonweal.intake import services as intake
from commonweal.organisations import selectors as organisations
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services
from commonweal.privacy import services as privacy

from .. import presenters

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


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request):
    """A member of staff starts an application for someone by phone, in person or from a
    paper form; then the same question pages as online follow, in their session."""
    staff = organisations.staff_context(user=request.user)
    if not staff.is_staff:
        raise PermissionDenied("Only staff take applications for other people")
    # Those taking applications now: open, or paused (a pause stops online ones only).
    published_services = catalogue.accepting_services(online=False)
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
    flashes = [presenters.flash_of(note) for note in notes if note.level == messages.SUCCESS]
    if request.method == "POST":
        slugs = {published.service.slug for published in services_list}
        if values["service"] in {p.service.slug for p in published_services} - slugs:
            errors.append({"text": intake.assisted_not_handled_message(), "href": "#service"})
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
                        {"text": intake.assisted_identity_first_message(), "href": "#email"}
                    )
        if not errors:
            identity = values["identity"]
            if identity == "document":
                identity = f"document:{values['document']}"
            journey.assisted_begin(
                request.session,
                values["service"],
                channel=values["channel"],
                identity_check=identity,
                email=email,
            )
            return redirect("portal:apply", values["service"])
    return render(
        request,
        "workspace/assisted/start.html",
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


FIELD_LABELS = {
    "email": lambda: _("Email address"),
    "phone": lambda: _("Phone number"),
    "address": lambda: _("Postal address"),
}


def _shown(field: str, value, *, masked: bool) -> str:
    if not value or (isinstance(value, dict) and not any(value.values())):
        return _("None on record") if masked else _("Not given")
    if field == "address":
        if masked:
            return _("Postcode starting %(outward)s") % {
                "outward": assisted.mask_postcode(value.get("postcode", ""))
            }
        return ", ".join(
            value[part]
            for part in ("line_1", "line_2", "town", "county", "postcode")
            if value.get(part)
        )
    if field == "phone":
        if masked:
            return _("Ending %(digits)s") % {"digits": assisted.mask_phone(value)}
        return uk.format_phone(value)
    return assisted.mask_email(value) if masked else value


def _targets(person) -> list[dict]:
    labels = {
        "email": lambda address: (
            _("Their email address on record (%(masked)s)")
            % {"masked": assisted.mask_email(address)}
        ),
        "sms": lambda address: (
            _("A text message to their mobile number on record (ending %(digits)s)")
            % {"digits": assisted.mask_phone(address)}
        ),
    }
    return [
        {"value": channel, "text": labels[channel](address)}
        for channel, address in people_services.contact_code_targets(person=person).items()
    ]


def _change_for(request, context, reference: str):
    """The change waiting for this case's person and the case (None when the page is
    theirs only because they gave the details): staff who can act on the case, or the
    member of staff who gave the details (the case may be in another team's queue)."""
    page = cases_selectors.case_for_staff(context=context, reference=reference)
    if page is not None and page.can_act and page.sees("person"):
        change = people_selectors.contact_change_pending(person_id=page.case.person_id)
        if change is not None:
            return change, page.case
    change = people_selectors.contact_change_pending_requested(
        case_reference=reference, requested_by_id=request.user.pk
    )
    if change is None:
        raise Http404("No contact details waiting for a check")
    return change, None


def _record_read(request, context, change, case) -> None:
    privacy.access_record(
        person_id=change.person_id,
        case_id=case.pk if case else None,
        team_id=case.team_id if case else None,
        purpose=privacy.Purpose.ASSISTED_APPLICATION,
        categories=[privacy.Category.PERSON],
        via=privacy.Via.ASSISTED_APPLICATION,
        by=request.user,
        context=context,
    )


def _done(request, case, reference: str, text: str):
    messages.success(request, text)
    if case is not None:
        return redirect("workspace:case", reference)
    return redirect("workspace:assisted-start")


class _NoSuchAction(Exception):
    """A form posted with no action this page knows."""


def _act(request, action: str, change, case, context, reference: str):
    """Do what the member of staff chose; the response, or a refusal raised for the page."""
    if action == "send":
        channel = request.POST.get("channel", "")
        intake.assisted_contact_code_send(change_id=change.pk, channel=channel, by=request.user)
        sent_to = next((t["text"] for t in _targets(change.person) if t["value"] == channel), "")
        messages.success(
            request, _("Code sent to %(where)s. Ask them to read it out.") % {"where": sent_to}
        )
        return redirect(request.path)
    if action == "verify":
        people_services.contact_change_verify(
            change_id=change.pk, code=request.POST.get("code", ""), by=request.user
        )
        return _done(
            request,
            case,
            reference,
            _("New contact details saved. We have told them at the details we had before."),
        )
    if action == "approve":
        intake.assisted_contact_change_approve(
            change_id=change.pk,
            reason=request.POST.get("reason", "")[:500],
            by=request.user,
            context=context,
            team_id=case.team_id if case else None,
        )
        return _done(
            request,
            case,
            reference,
            _(
                "New contact details approved and saved. We have told them at the "
                "details we had before."
            ),
        )
    if action == "keep":
        people_services.contact_change_keep(change_id=change.pk, by=request.user)
        return _done(request, case, reference, _("We kept the contact details we hold."))
    raise _NoSuchAction(action)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_change(request, reference):
    """Check new contact details given for a person before they replace the record's: a
    code to a contact point already on the record (which they read out), or a team
    leader's approval with a reason; or keep the details we hold."""
    context = organisations.staff_context(user=request.user)
    if not context.is_staff:
        raise PermissionDenied("Only staff check contact details given to them")
    reference = reference.upper()[:20]
    change, case = _change_for(request, context, reference)
    leads = case is not None and context.leads(case.team_id)
    errors: list[dict] = []
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            return _act(request, action, change, case, context, reference)
        except (intake.AssistedContactRefused, people_services.ContactChangeRefused) as refused:
            field = {"channel": "channel", "code": "code", "reason": "reason"}.get(
                refused.field, "channel"
            )
            errors.append({"text": refused.message, "href": f"#{field}"})
            # The change may have been closed (the record moved on meanwhile).
            change = people_selectors.contact_change_pending(person_id=change.person_id) or change
        except _NoSuchAction:
            errors.append({"text": _("Choose what to do"), "href": "#channel"})
    _record_read(request, context, change, case)
    code_waiting = bool(
        change.status == "pending"
        and change.code_hash
        and change.code_expires_at
        and change.code_expires_at > timezone.now()
    )
    rows = [
        {
            "key": {"text": FIELD_LABELS[field]()},
            "value": {
                "lines": [
                    _("On record: %(value)s") % {"value": _shown(field, old, masked=True)},
                    _("Given: %(value)s") % {"value": _shown(field, new, masked=False)},
                ]
            },
        }
        for field, (old, new) in change.fields.items()
        if field in FIELD_LABELS
    ]
    team_name = case.team.name if case is not None and case.team_id else ""
    return render(
        request,
        "workspace/assisted/contact_change.html",
        {
            "change": change,
            "case": case,
            "reference": reference,
            "rows": rows,
            "targets": _targets(change.person),
            "code_waiting": code_waiting,
            "leads": leads,
            "team_name": team_name,
            "values": {
                "reason": request.POST.get("reason", "")[:500] if action == "approve" else ""
            },
            "errors": errors,
            "error_for": {error["href"][1:]: error["text"] for error in reversed(errors)},
            "flashes": presenters.flashes(request),
            "workspace": context,
            "service_name": _("Casework"),
            "service_url": reverse("workspace:my-work"),
            "nav": "assisted",
            "page_title": _("Check the new contact details before we use them"),
            "back_url": reverse("workspace:case", args=[reference])
            if case is not None
            else reverse("workspace:assisted-start"),
        },
        status=400 if errors else 200,
    )
