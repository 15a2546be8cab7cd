"""Notices: what a person must be told, written in the caller's transaction with its first
message (an outbox), by the first of their channels that works; many at once for a bulk
send."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from commonweal.accounts.selectors import User
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue

from .. import channels as channel_registry
from .. import templating
from ..models import Message, Notice
from .templates import render_message

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case
    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.people.selectors import Person

logger = logging.getLogger("commonweal.messaging")

# Formats the platform cannot make itself: the team is asked to, instead of a standard copy.
FORMATS_FOR_THE_TEAM = {"braille": "Braille", "audio": "audio", "easy_read": "easy read"}


def notice_data(
    *,
    case: Case,
    person: Person,
    language: str,
    extra: dict[str, Any] | None = None,
    definition: ServiceDefinition | None = None,
) -> dict[str, Any]:
    """The placeholders every notice about a case has, in the notice's language."""
    definition = definition or catalogue.definition_for(case.version)
    text_language = "cy" if language in ("cy", "both") else "en"
    data = {
        "name": person.full_name or ("Syr neu Fadam" if text_language == "cy" else "Sir or Madam"),
        "reference": case.reference,
        # The plain name, which reads in a sentence ("your Budgeting Loan application").
        "service": definition.name.text(text_language),
        "url": f"{settings.COMMONWEAL_BASE_URL}/applications/{case.reference}/",
        "organisation": settings.COMMONWEAL_ORGANISATION_NAME_CY
        if text_language == "cy"
        else settings.COMMONWEAL_ORGANISATION_NAME,
    }
    data.update(extra or {})
    return data


def application_received_data(
    *, case: Case, definition: ServiceDefinition, language: str
) -> dict[str, str]:
    """What the "application received" notice adds to every notice's placeholders: when we
    will decide by, what happens next, where to check the status; in the notice's language.
    The same for an application the person sent and one taken for them."""
    from django.utils import translation

    from commonweal.cases import selectors as cases_selectors
    from commonweal.core.jinja import date_long

    text_language = "cy" if language in ("cy", "both") else "en"
    with translation.override(text_language):
        return {
            "due_date": date_long(case.due_date),
            "what_happens_next": cases_selectors.what_happens_next(
                definition=definition, language=text_language
            ),
            "status_url": f"{settings.COMMONWEAL_BASE_URL}/check-status/",
        }


def plan_channels(*, person: Person, to_email: str = "", to_channel: str = "") -> list[str]:
    """The channels to try for a person, in order. Their own list if they gave one, else
    from how they said they prefer to be contacted; only channels we can use (an address to
    send to, not failing, not refused); letters last, when we have an address."""
    if to_channel:
        return [to_channel]
    if to_email:
        return ["email"]
    from commonweal.people import selectors as people_selectors

    chosen = people_selectors.channels_wanted(person=person)
    refused = set(person.do_not_contact or [])
    failing = getattr(person, "_failing", None)
    if failing is None:
        failing = (
            people_selectors.failing_contacts(person=person)
            if person.pk and person.has_failing_contact
            else set()
        )
    available = people_selectors.channels_usable(person=person, failing=failing)
    plan = []
    for channel in chosen:
        if available.get(channel) and channel not in refused and channel not in plan:
            plan.append(channel)
    if available["letter"] and "letter" not in refused:
        # Letters are the last resort for everyone we have an address for.
        plan = [channel for channel in plan if channel != "letter"] + ["letter"]
    return plan


def postable_channels(plan: list[str], case: Case | None) -> list[str]:
    """A printed letter goes in the print batch of the organisation holding its case; with
    no case, or a case in no team's queue, there is nobody to print it, so no letter is
    planned. (Letters sent through another provider, such as Notify, need no batch.)"""
    if (
        "letter" in plan
        and (case is None or case.team_id is None)
        and channel_registry.provider_for("letter") == "print"
    ):
        return [channel for channel in plan if channel != "letter"]
    return plan


def _address_of(person: Person, channel: str, to_email: str) -> str:
    if channel == "email":
        return to_email or person.email
    if channel in ("sms", "phone"):
        return person.phone
    if channel == "letter":
        return person.postal_address
    if channel == "portal":
        return f"account:{person.account_id}"
    return ""


def _not_quiet(person: Person, channel: str, when: datetime.datetime) -> datetime.datetime:
    """The first moment at or after `when` outside the person's quiet hours, for texts."""
    start, end = person.quiet_hours_start, person.quiet_hours_end
    if channel != "sms" or start is None or end is None or start == end:
        return when
    local = timezone.localtime(when)
    now_time = local.time()
    quiet = (start <= now_time or now_time < end) if start > end else (start <= now_time < end)
    if not quiet:
        return when
    day = local.date() if now_time < end else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, end), local.tzinfo)


def notice_send(
    *,
    event: str,
    person: Person,
    data: dict[str, Any],
    case: Case | None = None,
    to_email: str = "",
    to_channel: str = "",
    to_address: str = "",
    by: User | None = None,
) -> Notice:
    """Tell a person something, in their language and format, by the first channel that
    works. Written in the caller's transaction; the worker delivers it.

    `to_email` sends it to one email address only (for example to the carer who applied);
    `to_channel` and `to_address` to one address by one channel only (for example the
    phone number a person had before they changed it). Braille, audio and easy read become
    a task for the team; no way to reach the person, a missing template or missing data
    fail the notice loudly (an error in the log and a task), and nothing half-made is
    sent."""
    now = timezone.now()
    language = person.language or "en"
    if case is not None and not person.language:
        language = case.application.language or "en"
    plan = plan_channels(person=person, to_email=to_email, to_channel=to_channel)
    notice = Notice.objects.create(
        event=event,
        person=person,
        case=case,
        data=data,
        language=language,
        channels=postable_channels(plan, case),
        large_print=person.accessible_format == "large_print",
        created_at=now,
    )
    # Not columns: this send's one-address overrides, read by next_message.
    notice._to_email = to_email  # type: ignore[attr-defined]  # deliberate, see above
    notice._to_address = to_address if to_channel else ""  # type: ignore[attr-defined]  # same
    if person.accessible_format in FORMATS_FOR_THE_TEAM and not (to_email or to_channel):
        _needs_the_team(
            notice,
            f"Send {person.full_name or 'the person'} the '{event}' notice in "
            f"{FORMATS_FOR_THE_TEAM[person.accessible_format]}",
            by,
        )
        return notice
    next_message(notice, by=by)
    return notice


def notices_send_many(
    *,
    event: str,
    people: list[Person],
    data_for: Callable[[Person], dict[str, Any]],
    cases: Mapping[int, Case] | None = None,
) -> int:
    """The same notice to many people at once (a bulk send): each in their own language,
    format and channel, planned and rendered here, written in batches. `data_for(person)`
    gives a person's placeholder values; `cases` maps person id to the case it is about.
    People whose format the team must make, or with no channel, are left to `notice_send`
    (one at a time: they need a task). Returns how many notices were written."""
    from commonweal.people import selectors as people_selectors

    cases = cases or {}
    failing = people_selectors.failing_contacts_many(people=people)
    now = timezone.now()
    give_up = now + datetime.timedelta(hours=settings.COMMONWEAL_MESSAGE_RETRY_HOURS)
    notices, messages, singles = [], [], []
    for person in people:
        person._failing = failing.get(person.pk, set())  # type: ignore[attr-defined]  # for plan_channels, not a column
        case = cases.get(person.pk)
        plan = postable_channels(plan_channels(person=person), case)
        data = data_for(person)
        if not plan or person.accessible_format in FORMATS_FOR_THE_TEAM:
            singles.append((person, case, data))
            continue
        language = person.language or "en"
        try:
            subject, body, template_id, written_in = render_message(event, plan[0], language, data)
        except (templating.MissingData, templating.TemplateError, LookupError):
            singles.append((person, case, data))
            continue
        notice = Notice(
            event=event,
            person=person,
            case=case,
            data=data,
            language=language,
            channels=plan,
            large_print=person.accessible_format == "large_print",
            created_at=now,
        )
        notices.append(notice)
        messages.append(
            Message(
                notice=notice,
                person=person,
                case=case,
                event=event,
                channel=plan[0],
                provider=channel_registry.provider_for(plan[0]),
                template_id=template_id,
                language=written_in,
                to_address=_address_of(person, plan[0], ""),
                subject=subject,
                body=body,
                large_print=notice.large_print,
                next_attempt_at=_not_quiet(person, plan[0], now),
                give_up_at=give_up,
            )
        )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _copy_rows(Notice, notices)
            _copy_rows(Message, messages)
        else:
            Notice.objects.bulk_create(notices, batch_size=1000)
            Message.objects.bulk_create(messages, batch_size=1000)
    for person, case, data in singles:
        with transaction.atomic():
            notice_send(event=event, person=person, case=case, data=data)
    return len(notices) + len(singles)


def _copy_rows(model: type[Model], objects: Sequence[Model]) -> None:
    """Write model instances with PostgreSQL's COPY: the same rows as bulk_create, without
    Django preparing each value of each row in Python (a bulk send's main cost)."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.has_default()]
    for obj in objects:
        for field in fields:
            if field.primary_key and getattr(obj, field.attname) is None:
                setattr(obj, field.attname, field.get_default())
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                # pre_save fills auto_now_add times, as bulk_create would.
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )


def _needs_the_team(notice: Notice, title: str, by: User | None, *, failed: bool = False) -> None:
    notice.status = Notice.Status.FAILED if failed else Notice.Status.ACTION_NEEDED
    notice.failure_reason = title
    notice.completed_at = timezone.now() if failed else None
    notice.save(update_fields=["status", "failure_reason", "completed_at"])
    if failed:
        logger.error("Notice %s (%s) failed: %s", notice.pk, notice.event, title)
    if notice.case_id:
        cases_services.task_add(
            case_id=notice.case_id,
            title=title[:200],
            due_date=None,
            assignee_id=None,
            by=by,
            within_transaction=True,
        )


def next_message(notice: Notice, *, by: User | None = None) -> Message | None:
    """The message for the notice's current channel, rendered now; or, when no channels
    are left, the notice fails and the team is told."""
    if notice.position >= len(notice.channels):
        _needs_the_team(
            notice,
            f"We could not reach {notice.person.full_name if notice.person else 'the person'} "
            f"with the '{notice.event}' notice by any channel: contact them another way",
            by,
            failed=True,
        )
        return None
    channel = notice.channels[notice.position]
    try:
        subject, body, template_id, written_in = render_message(
            notice.event, channel, notice.language, notice.data
        )
    except (templating.MissingData, templating.TemplateError, LookupError) as error:
        detail = (
            "missing " + ", ".join(f"(({name}))" for name in error.missing)
            if isinstance(error, templating.MissingData)
            else str(error)
        )
        _needs_the_team(
            notice, f"The '{notice.event}' message could not be made ({detail})", by, failed=True
        )
        return None
    now = timezone.now()
    person = notice.person
    # Every notice is made for a person, and is erased before them.
    assert person is not None  # nosec B101
    return Message.objects.create(
        notice=notice,
        person=person,
        case_id=notice.case_id,
        event=notice.event,
        channel=channel,
        provider=channel_registry.provider_for(channel),
        template_id=template_id,
        # The person's language, or English (with a help line) when the notice has no
        # template in theirs.
        language=written_in,
        to_address=getattr(notice, "_to_address", "")
        or _address_of(person, channel, getattr(notice, "_to_email", "")),
        subject=subject,
        body=body,
        large_print=notice.large_print,
        next_attempt_at=_not_quiet(person, channel, now),
        give_up_at=now + datetime.timedelta(hours=settings.COMMONWEAL_MESSAGE_RETRY_HOURS),
    )
