"""The notices the platform sends, and the placeholders each one's templates may use.

A template for an event can use only these names; a template with any other is refused
when saved (`templating.check`), and a notice whose data lacks one is never sent."""

from dataclasses import dataclass

# Every notice about a case knows these.
COMMON = ("name", "reference", "service", "url", "organisation")
# The help line's templates (see `services.templates.render_message`).
LANGUAGE_HELP = "language_help"


@dataclass(frozen=True)
class Event:
    name: str
    description: str
    placeholders: tuple[str, ...]


EVENTS = {
    event.name: event
    for event in (
        Event(
            "application_received",
            "An application arrived: its reference and what happens next",
            (*COMMON, "due_date", "what_happens_next", "status_url"),
        ),
        Event("decision_made", "A decision was made on the application", COMMON),
        Event(
            "decision_corrected",
            "A decision recorded in error was replaced by a corrected one",
            COMMON,
        ),
        Event(
            "reconsideration_decided",
            "We looked at the decision again, as the person asked",
            COMMON,
        ),
        Event(
            "offer_made",
            "The application was approved with an offer the person must accept (a loan)",
            (*COMMON, "offer", "accept_by"),
        ),
        Event(
            "offer_accepted",
            "The person accepted the offer (online, or told staff)",
            (*COMMON, "offer", "answer"),
        ),
        Event(
            "offer_declined",
            "The person declined the offer (online, or told staff)",
            (*COMMON, "offer", "answer"),
        ),
        Event(
            "offer_expired",
            "The offer ended because it was not accepted in time",
            (*COMMON, "offer", "accept_by"),
        ),
        Event("new_secure_message", "Staff wrote a secure message on the case", COMMON),
        Event(
            "more_information_needed",
            "The case is waiting for something from the person: ((what_we_need)) lists it",
            (*COMMON, "what_we_need"),
        ),
        Event(
            "delay",
            "The decision will take longer than we said: the new date and why",
            (*COMMON, "due_date", "reason"),
        ),
        Event(
            "stage_changed",
            "The case moved to a stage its service marks as one to tell the person about",
            (*COMMON, "stage", "stage_description"),
        ),
        Event(
            "appointment",
            "An appointment has been booked",
            (*COMMON, "date", "time", "place"),
        ),
        Event(
            "data_request_outcome",
            "We answered the person's request to correct their details or answers",
            ("name", "organisation", "url", "field", "outcome"),
        ),
        Event(
            "data_download_ready",
            "The PDF of everything we hold about the person, which they asked for, is ready "
            "to download (for a time)",
            ("name", "organisation", "url", "hours"),
        ),
        Event(
            "consent_asked",
            "We ask the person whether we may share their details with an organisation "
            "that helps (a referral waits for their answer)",
            (*COMMON, "provider"),
        ),
        Event(
            "contact_details_changed",
            "An email address, phone number or postal address of theirs changed: told at "
            "the one they had before",
            ("name", "organisation", "changed", "contact"),
        ),
        Event(
            "service_paused",
            "Online applications for a service were paused: told to everyone with a draft",
            ("name", "service", "organisation", "url", "message"),
        ),
        Event(
            "service_retired",
            "A service was retired: told to everyone with a draft (and what replaces it)",
            ("name", "service", "organisation", "url", "message"),
        ),
        Event(
            "service_update",
            "A message staff write to many people at once",
            (*COMMON, "message"),
        ),
        # Not a notice of its own: one line added, in the person's language, to a message
        # sent in English because it has no published translation in that language.
        Event(
            LANGUAGE_HELP,
            "The line in the person's language added to a message we could only send in "
            "English: how to get help in their language",
            ("organisation", "contact_phone"),
        ),
    )
}


def event(name: str) -> Event:
    return EVENTS[name]
