"""Applications staff take for someone (by phone, in person, from paper), and the new
contact details such an application gives for a record we hold."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from commonweal.catalogue import selectors as catalogue
from commonweal.messaging import services as messaging
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from .. import assisted
from ..models import Application

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.accounts.selectors import User
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import ContactChange

# How identity was checked ("document:<kind>" for a document seen), for the API's schema.
IDENTITY_CHECKS = assisted.IDENTITY_CHECKS


ASSISTED_CHANNELS = (
    Application.Channel.PHONE,
    Application.Channel.IN_PERSON,
    Application.Channel.PAPER,
)


class AssistedRefused(Exception):
    """A member of staff cannot take this application: `message` says why and what to do,
    `field` is the start page's input it belongs to."""

    def __init__(self, message: StrOrPromise, field: str) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def assisted_may_take(*, organisation_ids: Collection[int], service_id: int) -> bool:
    """Whether one of these organisations (a member of staff's, or an API key's) has a team
    that handles the service: only they take or register applications for it."""
    from commonweal.organisations import selectors as organisations

    return service_id in organisations.service_ids_handled_by(organisation_ids=organisation_ids)


def assisted_application_start(
    *,
    by: User,
    context: StaffContext,
    published: catalogue.PublishedService,
    channel: str,
    identity_check: str,
    person_email: str,
    eligibility_answers: dict,
    language: str,
) -> Application:
    """A member of staff starts an application for someone, through the same questions.

    Refused (AssistedRefused, nothing written) unless their organisation handles the
    service. With the person's email address, and only after an identity check, their
    record (and sign-in) is found or made now, so they can see and carry on with the draft
    online; finding a record that existed is access-logged, and what it shows and what
    the application may change on it follow the check (intake/assisted.py). Without an
    email address, the record is made from the answers when it is sent."""
    from commonweal.accounts import services as accounts_services
    from commonweal.organisations import selectors as organisations
    from commonweal.privacy import services as privacy

    if channel not in ASSISTED_CHANNELS:
        raise ValueError(f"not an assisted channel: {channel}")
    if not assisted_may_take(
        organisation_ids=context.organisation_ids, service_id=published.service.pk
    ):
        raise AssistedRefused(assisted_not_handled_message(), "service")
    level = assisted.disclosure(identity_check)
    if person_email and not assisted.may_find_record(identity_check):
        raise AssistedRefused(assisted_identity_first_message(), "email")
    with transaction.atomic():
        person = None
        existing = False
        if person_email:
            person = people_selectors.person_by_account_email(email=person_email)
            existing = person is not None
            if person is None:
                account = accounts_services.account_for_email(email=person_email)
                person = people_services.person_for_account(account=account)
        application = Application.objects.create(
            account=by,
            taken_by=by,
            service=published.service,
            version=published.version,
            person=person,
            existing_record=existing,
            channel=channel,
            identity_check=identity_check[:30],
            eligibility_answers=eligibility_answers,
            language=language,
        )
        if existing:
            assert person is not None  # existing: the record was found  # nosec B101
            privacy.access_record(
                person_id=person.pk,
                purpose=privacy.Purpose.ASSISTED_APPLICATION,
                categories=[privacy.Category.PERSON]
                + ([privacy.Category.CONTACT_PREFERENCES] if level == assisted.FULL else []),
                via=privacy.Via.ASSISTED_APPLICATION,
                by=by,
                context=context,
                team_id=organisations.team_for_service(service_id=published.service.pk),
            )
    return application


def assisted_not_handled_message() -> str:
    return _(
        "Your organisation does not handle this service, so you cannot take an application "
        "for it. Tell them how to apply online, or pass them to the organisation that "
        "handles it."
    )


def assisted_identity_first_message() -> str:
    return _(
        "Check who they are before you use their email address: see an identity document or "
        "ask questions only they would know. Or leave the email address out to take the "
        "application from their answers alone."
    )


class AssistedContactRefused(Exception):
    """New contact details cannot be checked this way now; `message` says why."""

    def __init__(self, message: StrOrPromise, field: str) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def assisted_contact_code_send(*, change_id: int, channel: str, by: User) -> None:
    """Send a code confirming new contact details to the contact point of `channel` on the
    record (the person reads it out). The code is only counted once it has gone."""
    with transaction.atomic():
        code, address, language = people_services.contact_change_code_issue(
            change_id=change_id, channel=channel, by=by
        )
        try:
            messaging.contact_code_send(
                channel=channel, address=address, code=code, language=language
            )
        except messaging.CodeNotSent:
            raise AssistedContactRefused(
                _("We could not send the code just now. Try again in a minute."), "channel"
            ) from None


def assisted_contact_change_approve(
    *, change_id: int, reason: str, by: User, context: StaffContext, team_id: int | None
) -> ContactChange:
    """A team leader approves new contact details without a code, with their reason."""
    if not context.leads(team_id):
        raise AssistedContactRefused(
            _(
                "Only a team leader for the team that holds the case can approve new "
                "contact details without a code."
            ),
            "reason",
        )
    return people_services.contact_change_approve(change_id=change_id, reason=reason, by=by)
