"""Notices about a case: messaging's side of `cases.events.PersonToBeTold`.

The cases app says that the person must hear about something; this module decides how
(the channels they prefer, in their language, or whoever applied for them when the person
cannot be reached any other way) and sends the notice through `services.notice_send`."""

from __future__ import annotations

from django.utils import translation

from commonweal.cases.events import ManyToBeTold, PersonToBeTold
from commonweal.people import selectors as people_selectors

from . import services


def case_notice_send(event: PersonToBeTold) -> None:
    """Send the case's notice to the person (in the case's transaction). The words come
    from the notice's templates; secure content is read signed in."""
    case = event.case
    person = case.person
    if not people_selectors.update_wanted(person=person, kind=event.notice):
        return  # an optional update they chose not to get
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


def case_notices_send_many(event: ManyToBeTold) -> None:
    """The same notice about many cases (in their batch's transaction), each to its person
    in their language and way, written in batches; people who chose not to get this kind
    of update are left out. A person with several of the cases gets one notice each."""

    wanted = [
        case
        for case in event.cases
        if people_selectors.update_wanted(person=case.person, kind=event.notice)
    ]
    # notices_send_many takes one case a person: a person's second case waits a round.
    while wanted:
        round_cases, later, seen = [], [], set()
        for case in wanted:
            (later if case.person_id in seen else round_cases).append(case)
            seen.add(case.person_id)
        by_person = {case.person_id: case for case in round_cases}

        def data_for(person, by_person=by_person):
            case = by_person[person.pk]
            language = person.language or case.application.language or "en"
            extra = {}
            if event.extra_for is not None:
                text_language = "cy" if language in ("cy", "both") else "en"
                with translation.override(text_language):
                    extra = event.extra_for(case, text_language)
            return services.notice_data(case=case, person=person, language=language, extra=extra)

        services.notices_send_many(
            event=event.notice,
            people=[case.person for case in round_cases],
            data_for=data_for,
            cases=by_person,
        )
        wanted = later
