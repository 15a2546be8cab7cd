"""Messages about a person's own contact details: the code that confirms new ones, and the
notice, at the old ones, that they changed. Public through `messaging.services`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from commonweal.people.events import ContactDetailsChanged

from . import channels as channel_registry


@dataclass
class _CodeMessage:
    """A message sent straight through a channel and kept nowhere: a code must not sit in
    the outbox, where staff pages and a copy of the database could read it."""

    kind: str
    to_address: str
    subject: str
    body: str
    language: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    provider_reference: str = ""
    case_id: None = None
    large_print: bool = False

    @property
    def pk(self):
        return self.id


class CodeNotSent(Exception):
    """The channel could not take the code now; nothing was sent."""


def contact_code_send(*, channel: str, address: str, code: str, language: str) -> None:
    """Send a code that confirms new contact details, now, through the channel's provider
    (as a sign-in code is sent): the person reads it out to the member of staff."""
    language = "cy" if language in ("cy", "both") else "en"
    minutes = settings.COMMONWEAL_SIGN_IN_CODE_MINUTES
    with translation.override(language):
        subject = _("Your code to confirm your new contact details is %(code)s") % {"code": code}
        body = _(
            "Your code is %(code)s. Read it out to the member of staff who is helping you, "
            "to confirm the new contact details you gave. It expires in %(minutes)s minutes."
            "\n\nIf you are not talking to us now, do not give this code to anyone, and "
            "contact us: %(contact)s."
        ) % {"code": code, "minutes": minutes, "contact": settings.COMMONWEAL_CONTACT_PHONE}
    message = _CodeMessage(
        kind=channel, to_address=address, subject=subject, body=body, language=language
    )
    try:
        channel_registry.channel_for(channel).send(message, idempotency_key=str(message.id))
    except (channel_registry.TemporaryFailure, channel_registry.PermanentFailure) as error:
        raise CodeNotSent(str(error)) from error


def _changed_words(fields, language: str) -> str:
    with translation.override(language):
        words = {
            "email": _("your email address"),
            "phone": _("your phone number"),
            "address": _("your postal address"),
        }
        parts = [words[name] for name in ("email", "phone", "address") if name in fields]
        if len(parts) > 1:
            return _("%(first)s and %(last)s") % {
                "first": ", ".join(parts[:-1]),
                "last": parts[-1],
            }
    return parts[0]


def _old_postal_address(person, old_parts: dict) -> str:
    lines = (
        person.full_name,
        *(old_parts.get(part, "") for part in ("line_1", "line_2", "town", "county", "postcode")),
    )
    return "\n".join(line for line in lines if line)


def contact_change_tell(*, person, changes: dict, case_reference: str = "", by=None) -> None:
    """A person's email address, phone number or postal address changed: tell them at the
    contact points they had before (the old email address, the old mobile number; a letter
    to the old address only when neither exists), so a change they did not ask for does
    not go unnoticed. Listener of `people.services.contact_changed`."""
    from commonweal.cases import selectors as cases_selectors

    from .services import notice_send

    language = person.language or "en"
    text_language = "cy" if language in ("cy", "both") else "en"

    def old(name: str):
        return changes[name][0] if name in changes else getattr(person, name, "")

    data = {
        "name": person.full_name or ("Syr neu Fadam" if text_language == "cy" else "Sir or Madam"),
        "organisation": settings.COMMONWEAL_ORGANISATION_NAME_CY
        if text_language == "cy"
        else settings.COMMONWEAL_ORGANISATION_NAME,
        "changed": _changed_words(changes, text_language),
        "contact": settings.COMMONWEAL_CONTACT_PHONE,
    }
    case = cases_selectors.case_by_reference(reference=case_reference) if case_reference else None
    sent = False
    if old("email"):
        notice_send(
            event="contact_details_changed",
            person=person,
            data=data,
            case=case,
            to_channel="email",
            to_address=old("email"),
            by=by,
        )
        sent = True
    if (old("phone") or "").startswith("+447"):
        notice_send(
            event="contact_details_changed",
            person=person,
            data=data,
            case=case,
            to_channel="sms",
            to_address=old("phone"),
            by=by,
        )
        sent = True
    old_address = changes["address"][0] if "address" in changes else None
    if not sent and old_address and old_address.get("line_1") and case is not None:
        notice_send(
            event="contact_details_changed",
            person=person,
            data=data,
            case=case,
            to_channel="letter",
            to_address=_old_postal_address(person, old_address),
            by=by,
        )


def contact_change_heard(event: ContactDetailsChanged) -> None:
    """The listener for `people.events.ContactDetailsChanged`."""
    contact_change_tell(
        person=event.person, changes=event.changes, case_reference=event.case_reference, by=event.by
    )
