"""Notices about a case: messaging's side of `cases.events.PersonToBeTold`.

The cases app says that the person must hear about something; this module decides how
(the channels they prefer, in their language, or whoever applied for them when the person
cannot be reached any other way) and sends the notice through `services.notice_send`."""

from __future__ import annotations

from django.utils import translation

from commonweal.cases.events import PersonToBeTold

from . import services


def case_notice_send(event: PersonToBeTold) -> None:
    """Send the case's notice to the person (in the case's transaction). The words come
    from the notice's templates; secure content is read signed in."""
    case = event.case
    person = case.person
    application = case.application
    to_email = ""
    if (
        application.on_behalf
        and not application.taken_by_id
        and not services.plan_channels(person=person)
    ):
        to_email = application.account.email
    language = person.language or application.language or "en"
    extra = {}
    text_language = "cy" if language in ("cy", "both") else "en"
    if event.notice == "application_received":
        extra = services.application_received_data(
            case=case, definition=event.definition, language=language
        )
    if event.extra_for is not None:
        with translation.override(text_language):
            extra.update(event.extra_for(text_language))
    services.notice_send(
        event=event.notice,
        person=person,
        case=case,
        data=services.notice_data(
            case=case, person=person, language=language, extra=extra, definition=event.definition
        ),
        to_email=to_email,
        by=event.by,
    )
