"""Reads of cases: the person's timeline and the status check."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from .models import Case, CaseEvent


@dataclass(frozen=True)
class TimelineEntry:
    title: str
    when: datetime
    description: str


# Who is reading a timeline changes how its entries are worded.
VIEWER_PERSON = "person"  # the person the case is about
VIEWER_REPRESENTATIVE = "representative"  # someone who applied for them
VIEWER_UNKNOWN = "unknown"  # the status check without signing in


def _entry(event: CaseEvent, definition, language: str, viewer: str) -> TimelineEntry:
    data = event.data
    if event.kind == CaseEvent.Kind.SUBMITTED:
        if not data.get("on_behalf"):
            description = (
                _("We received the application.")
                if viewer == VIEWER_UNKNOWN
                else _("We received your application.")
            )
        elif viewer == VIEWER_REPRESENTATIVE:
            description = _("We received the application you made for %(name)s.") % {
                "name": event.case.person.full_name
            }
        elif viewer == VIEWER_PERSON:
            description = _("Your application was made for you by someone acting on your behalf.")
        else:
            description = _("We received the application, made by someone acting for the person.")
        return TimelineEntry(_("Application received"), event.created_at, description)
    if event.kind == CaseEvent.Kind.STAGE_CHANGED:
        stage = definition.stage(data.get("stage", ""))
        title = stage.title.text(language) if stage else data.get("stage", "")
        return TimelineEntry(
            title, event.created_at, stage.description.text(language) if stage else ""
        )
    if event.kind == CaseEvent.Kind.MESSAGE_SENT:
        channel = data.get("channel")
        descriptions = {
            "email": _("We sent you an email."),
            "letter": _("We sent you a letter."),
            "sms": _("We sent you a text message."),
        }
        return TimelineEntry(
            _("Message sent"),
            event.created_at,
            descriptions.get(channel, _("We sent you a message.")),
        )
    return TimelineEntry(event.get_kind_display(), event.created_at, "")


def case_timeline(
    *, case: Case, definition, language: str, viewer: str, visible_only: bool = True
) -> list:
    """What has happened on the case, newest first; only what the person may see by default."""
    events = case.events.select_related("case__person")
    if visible_only:
        events = events.filter(visible_to_person=True)
    return [
        _entry(event, definition, language, viewer)
        for event in events.order_by("-created_at", "-id")
    ]


def case_for_status_check(*, reference: str, date_of_birth: date, postcode: str) -> Case | None:
    """The case when all three match; None otherwise, whichever of them is wrong."""
    return (
        Case.objects.select_related("person", "version", "service")
        .defer("version__definition", "version__source_yaml")
        .filter(
            reference=reference,
            person__date_of_birth=date_of_birth,
            person__address_postcode=postcode,
        )
        .first()
    )
