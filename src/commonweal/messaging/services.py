"""Writing and delivering notices and messages.

A notice (something a person must be told) is written in the caller's transaction with its
first message: an outbox. The worker's dispatcher claims due messages in batches and hands
each batch to a task that sends them through the channel for their kind. A temporary
failure is retried with back-off for the retry period; a permanent one moves the notice on
to the person's next channel, until one message is delivered. Rows left "sending" by a
crashed worker are handed back; channels receive the message id as an idempotency key.
"""

import datetime
import logging
from pathlib import Path

import yaml
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import sha256_of

from . import channels as channel_registry
from . import templating
from .contact_changes import (  # noqa: F401  (public through services)
    CodeNotSent,
    contact_change_tell,
    contact_code_send,
)
from .events import EVENTS
from .models import (
    Message,
    MessageTemplate,
    Notice,
    PrintBatch,
    SavedReply,
    ThreadAttachment,
    ThreadMessage,
)

logger = logging.getLogger("commonweal.messaging")

# Waits between attempts: 1 minute, 5 minutes, 30 minutes, then every 2 hours, until the
# retry period (COMMONWEAL_MESSAGE_RETRY_HOURS, a day by default) is over.
RETRY_DELAYS = [60, 300, 1800, 7200]
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
BATCH_SIZE = 200
DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "default_templates.yaml"
LONG_CHANNELS = ("email", "letter", "portal")
SHORT_CHANNELS = ("sms", "phone")
# Formats the platform cannot make itself: the team is asked to, instead of a standard copy.
FORMATS_FOR_THE_TEAM = {"braille": "Braille", "audio": "audio", "easy_read": "easy read"}


# Templates


class TemplateRefused(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def template_check(*, event: str, channel: str, subject: str, body: str) -> None:
    """Refuse a template that uses a placeholder its event does not have, or bad syntax."""
    if event not in EVENTS:
        raise TemplateRefused([f"Unknown event {event!r}"])
    allowed = EVENTS[event].placeholders
    problems = []
    for text in (subject, body):
        try:
            templating.check(text or "", allowed)
        except templating.TemplateError as error:
            problems.extend(error.problems)
    if channel == "email" and not (subject or "").strip():
        problems.append("An email needs a subject")
    if problems:
        raise TemplateRefused(problems)


def template_publish(*, template: MessageTemplate, by=None) -> MessageTemplate:
    """Make a draft the version in use. Where Welsh is required, the English template of an
    event and channel can only be published when a Welsh one exists (and the other way)."""
    template_check(
        event=template.event, channel=template.channel, subject=template.subject, body=template.body
    )
    if settings.COMMONWEAL_WELSH_REQUIRED:
        other = "cy" if template.language == "en" else "en"
        if (
            not MessageTemplate.objects.filter(
                event=template.event, channel=template.channel, language=other
            )
            .exclude(status=MessageTemplate.Status.RETIRED)
            .exists()
        ):
            raise TemplateRefused(
                [
                    f"There is no {'Welsh' if other == 'cy' else 'English'} version of this "
                    "template: write it before publishing (Welsh is required here)"
                ]
            )
    with transaction.atomic():
        MessageTemplate.objects.filter(
            event=template.event,
            channel=template.channel,
            language=template.language,
            status=MessageTemplate.Status.PUBLISHED,
        ).exclude(pk=template.pk).update(status=MessageTemplate.Status.RETIRED)
        template.status = MessageTemplate.Status.PUBLISHED
        template.published_at = timezone.now()
        template.save(update_fields=["status", "published_at"])
    _templates.clear()
    return template


def template_new_version(
    *, template: MessageTemplate, subject: str, body: str, by
) -> MessageTemplate:
    """A new draft version of a template, checked."""
    template_check(event=template.event, channel=template.channel, subject=subject, body=body)
    latest = (
        MessageTemplate.objects.filter(
            event=template.event, channel=template.channel, language=template.language
        )
        .order_by("-version")
        .first()
    )
    return MessageTemplate.objects.create(
        event=template.event,
        channel=template.channel,
        language=template.language,
        version=latest.version + 1,
        subject=subject,
        body=body,
        created_by=by,
    )


def templates_load(*, path: Path = DEFAULT_TEMPLATES) -> int:
    """Create version 1 of every default template that is missing, published. Returns how
    many were made."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    made = 0
    with transaction.atomic():
        for event, languages in data.items():
            for language, texts in languages.items():
                for channel in (*LONG_CHANNELS, *SHORT_CHANNELS):
                    if MessageTemplate.objects.filter(
                        event=event, channel=channel, language=language
                    ).exists():
                        continue
                    long = channel in LONG_CHANNELS
                    subject = texts["subject"] if long else ""
                    body = texts["long"] if long else texts["short"]
                    template_check(event=event, channel=channel, subject=subject, body=body)
                    MessageTemplate.objects.create(
                        event=event,
                        channel=channel,
                        language=language,
                        version=1,
                        status=MessageTemplate.Status.PUBLISHED,
                        subject=subject,
                        body=body,
                        published_at=timezone.now(),
                    )
                    made += 1
    _templates.clear()
    return made


# Published templates by (event, channel, language), read once per process and refreshed
# when one is published here; other processes see a new version within a minute.
_templates: dict = {}
_TEMPLATE_CACHE_SECONDS = 60


def templates_cache_clear() -> None:
    _templates.clear()


def _template(event: str, channel: str, language: str) -> MessageTemplate | None:
    now = timezone.now()
    loaded_at = _templates.get("__loaded_at")
    if loaded_at is None or (now - loaded_at).total_seconds() > _TEMPLATE_CACHE_SECONDS:
        _templates.clear()
        for template in MessageTemplate.objects.filter(status=MessageTemplate.Status.PUBLISHED):
            _templates[(template.event, template.channel, template.language)] = template
        _templates["__loaded_at"] = now
    return _templates.get((event, channel, language))


def _render(event: str, channel: str, language: str, data: dict) -> tuple[str, str, int | None]:
    """The subject and body for a channel in the person's language (both languages, Welsh
    first, for "both"). Raises MissingData or LookupError; never returns a placeholder."""
    languages = ["cy", "en"] if language == "both" else [language]
    subjects, bodies, template_id = [], [], None
    for lang in languages:
        template = _template(event, channel, lang)
        if template is None:
            raise LookupError(f"no published {lang} template for {event} by {channel}")
        subjects.append(templating.render(template.subject, data) if template.subject else "")
        bodies.append(templating.render(template.body, data))
        template_id = template_id or template.pk
    separator = "\n\n---\n\n" if channel in LONG_CHANNELS else "\n"
    return " / ".join(filter(None, subjects))[:300], separator.join(bodies), template_id


# Notices


def notice_data(*, case, person, language: str, extra: dict | None = None, definition=None) -> dict:
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


def plan_channels(*, person, to_email: str = "", to_channel: str = "") -> list[str]:
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


def _postable(plan: list[str], case) -> list[str]:
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


def _address_of(person, channel: str, to_email: str) -> str:
    if channel == "email":
        return to_email or person.email
    if channel in ("sms", "phone"):
        return person.phone
    if channel == "letter":
        return person.postal_address
    if channel == "portal":
        return f"account:{person.account_id}"
    return ""


def _not_quiet(person, channel: str, when: datetime.datetime) -> datetime.datetime:
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
    person,
    data: dict,
    case=None,
    to_email: str = "",
    to_channel: str = "",
    to_address: str = "",
    by=None,
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
        channels=_postable(plan, case),
        large_print=person.accessible_format == "large_print",
        created_at=now,
    )
    notice._to_email = to_email
    notice._to_address = to_address if to_channel else ""
    if person.accessible_format in FORMATS_FOR_THE_TEAM and not (to_email or to_channel):
        _needs_the_team(
            notice,
            f"Send {person.full_name or 'the person'} the '{event}' notice in "
            f"{FORMATS_FOR_THE_TEAM[person.accessible_format]}",
            by,
        )
        return notice
    _next_message(notice, by=by)
    return notice


def notices_send_many(*, event: str, people: list, data_for, cases=None) -> int:
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
        person._failing = failing.get(person.pk, set())
        case = cases.get(person.pk)
        plan = _postable(plan_channels(person=person), case)
        data = data_for(person)
        if not plan or person.accessible_format in FORMATS_FOR_THE_TEAM:
            singles.append((person, case, data))
            continue
        language = person.language or "en"
        try:
            subject, body, template_id = _render(event, plan[0], language, data)
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
                language=language,
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


def _copy_rows(model, objects: list) -> None:
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


def _needs_the_team(notice: Notice, title: str, by, *, failed: bool = False) -> None:
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


def _next_message(notice: Notice, *, by=None) -> Message | None:
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
        subject, body, template_id = _render(notice.event, channel, notice.language, notice.data)
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
    return Message.objects.create(
        notice=notice,
        person=person,
        case_id=notice.case_id,
        event=notice.event,
        channel=channel,
        provider=channel_registry.provider_for(channel),
        template_id=template_id,
        language=notice.language,
        to_address=getattr(notice, "_to_address", "")
        or _address_of(person, channel, getattr(notice, "_to_email", "")),
        subject=subject,
        body=body,
        large_print=notice.large_print,
        next_attempt_at=_not_quiet(person, channel, now),
        give_up_at=now + datetime.timedelta(hours=settings.COMMONWEAL_MESSAGE_RETRY_HOURS),
    )


# Delivery


def _channel_limits(limit: int) -> dict[str, int]:
    """How many messages of each kind one dispatch (about a second) may hand on: each
    channel's rate limit (COMMONWEAL_CHANNEL_RATES, per worker), within `limit`."""
    rates = settings.COMMONWEAL_CHANNEL_RATES
    return {kind: min(limit, rates.get(kind) or limit) for kind in channel_registry.KINDS}


def messages_dispatch(*, limit: int = 2000) -> int:
    """Claim due messages and hand them to delivery tasks in batches.

    Safe with many workers: on PostgreSQL rows are claimed with SKIP LOCKED, and SQLite
    runs one writer at a time. Returns how many messages were handed on."""
    from .tasks import deliver_messages

    now = timezone.now()
    with transaction.atomic():
        ids = []
        for channel, per_tick in _channel_limits(limit).items():
            due = Message.objects.filter(
                status=Message.Status.QUEUED, next_attempt_at__lte=now, channel=channel
            ).order_by("next_attempt_at")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            ids += [str(pk) for pk in due.values_list("pk", flat=True)[:per_tick]]
        if not ids:
            return 0
        Message.objects.filter(pk__in=ids).update(
            status=Message.Status.SENDING, sending_started_at=now
        )
        for start in range(0, len(ids), BATCH_SIZE):
            deliver_messages.enqueue(ids[start : start + BATCH_SIZE])
    return len(ids)


def messages_deliver(*, message_ids: list[str]) -> dict:
    """Send a claimed batch; record the outcomes in a few statements for the whole batch."""
    messages = list(
        Message.objects.filter(pk__in=message_ids, status=Message.Status.SENDING)
        .select_related("notice")
        .order_by("created_at")
    )
    outcomes: dict[str, int] = {}
    done: list[Message] = []
    no_receipts: list = []
    events = []
    now = timezone.now()
    for message in messages:
        try:
            sent = channel_registry.channel(message.provider).send(
                message, idempotency_key=str(message.pk)
            )
        except channel_registry.PermanentFailure as error:
            _failed_for_good(
                message, str(error), address_failed=getattr(error, "address_failed", True)
            )
            outcomes["failed"] = outcomes.get("failed", 0) + 1
            continue
        except Exception as error:
            outcome = _failed_for_now(message, error)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            continue
        message.attempts += 1
        if not sent.delivered and not getattr(
            channel_registry.channel(message.provider), "receipts", True
        ):
            no_receipts.append(message.notice_id)
        message.provider_reference = sent.provider_reference or message.provider_reference
        message.sent_at = now
        message.status = Message.Status.DELIVERED if sent.delivered else Message.Status.SENT
        if sent.delivered:
            message.delivered_at = now
        done.append(message)
        if message.case_id:
            events.append((message, now))
        outcomes["sent"] = outcomes.get("sent", 0) + 1
    if done:
        with transaction.atomic():
            Message.objects.bulk_update(
                done,
                ["attempts", "provider_reference", "sent_at", "status", "delivered_at"],
                batch_size=500,
            )
            delivered_notices = [m.notice_id for m in done if m.delivered_at and m.notice_id]
            if delivered_notices:
                Notice.objects.filter(pk__in=delivered_notices).update(
                    status=Notice.Status.DELIVERED, completed_at=now
                )
            if no_receipts:
                Notice.objects.filter(pk__in=no_receipts, status=Notice.Status.PENDING).update(
                    status=Notice.Status.SENT, completed_at=now
                )
            cases_services.case_events_record_many(
                kind="message_sent",
                visible_to_person=True,
                items=[
                    (
                        message.case_id,
                        {
                            "channel": message.channel,
                            "notice": message.event,
                            "message": str(message.pk),
                        },
                    )
                    for message, _when in events
                ],
            )
    return outcomes


def _failed_for_now(message: Message, error: Exception) -> str:
    attempts = message.attempts + 1
    now = timezone.now()
    if message.give_up_at and now >= message.give_up_at:
        _failed_for_good(message, f"still failing after the retry period: {error!r}")
        return "failed"
    delay = RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)]
    retry_at = now + datetime.timedelta(seconds=delay)
    if message.give_up_at and retry_at > message.give_up_at:
        retry_at = message.give_up_at
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.QUEUED,
        attempts=attempts,
        last_error=repr(error)[:2000],
        next_attempt_at=retry_at,
    )
    logger.warning("Message %s will be retried at %s: %r", message.pk, retry_at, error)
    return "retry"


def _failed_for_good(
    message: Message,
    reason: str,
    *,
    status: str = Message.Status.FAILED,
    address_failed: bool = True,
):
    """This channel will not work for this person: say so on the case, mark the address as
    failing (unless the address is not the reason), and move the notice on to the next
    channel."""
    with transaction.atomic():
        now = timezone.now()
        Message.objects.filter(pk=message.pk).update(
            status=status, failed_at=now, last_error=reason[:2000], attempts=F("attempts") + 1
        )
        if address_failed and message.person_id and message.channel in ("email", "sms", "letter"):
            from commonweal.people import services as people_services

            people_services.contact_point_failing(
                person_id=message.person_id,
                kind={"email": "email", "sms": "phone", "letter": "address"}[message.channel],
                value=message.to_address,
                reason=reason,
            )
        if message.case_id:
            failed_case = cases_services.case_get(case_id=message.case_id)
            cases_services.case_publish(
                case=failed_case,
                event_type="message.failed",
                data={"channel": message.channel, "notice": message.event, "status": status},
            )
            cases_services.case_event_record(
                case=failed_case,
                kind="message_failed",
                visible_to_person=False,
                data={
                    "channel": message.channel,
                    "notice": message.event,
                    "message": str(message.pk),
                    "reason": reason[:300],
                    "status": status,
                },
            )
        notice = message.notice
        if notice is not None and notice.status in (Notice.Status.PENDING, Notice.Status.SENT):
            notice = Notice.objects.select_for_update().get(pk=notice.pk)
            notice.position += 1
            notice.status = Notice.Status.PENDING
            notice.completed_at = None
            notice.save(update_fields=["position", "status", "completed_at"])
            _next_message(notice)
    logger.warning("Message %s failed for good (%s): %s", message.pk, message.channel, reason)


def message_status_update(*, message: Message, status: str, reason: str = "") -> None:
    """What a provider said later (a callback, or polling): delivered, failed, returned."""
    now = timezone.now()
    if status == "delivered" and message.status in (Message.Status.SENT, Message.Status.SENDING):
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.DELIVERED, delivered_at=now
            )
            if message.notice_id:
                Notice.objects.filter(pk=message.notice_id).update(
                    status=Notice.Status.DELIVERED, completed_at=now
                )
    elif status in ("failed", "returned") and message.status not in (
        Message.Status.FAILED,
        Message.Status.RETURNED,
    ):
        _failed_for_good(
            message,
            reason or status,
            status=Message.Status.RETURNED if status == "returned" else Message.Status.FAILED,
        )
    elif status == "temporary-failure" and message.status == Message.Status.SENT:
        # The provider gave up for now: send again (with the same idempotency key).
        _failed_for_now(message, Exception(reason or "temporary failure at the provider"))


def message_status_from_provider(*, provider: str, provider_reference: str, status) -> bool:
    """Apply a provider's callback; False when no message has that reference."""
    message = (
        Message.objects.select_related("notice")
        .filter(provider=provider, provider_reference=provider_reference)
        .first()
    )
    if message is None:
        return False
    message_status_update(message=message, status=status.status, reason=status.reason)
    return True


class NotifyReceiptRefused(ValueError):
    """What GOV.UK Notify's callback posted is not a delivery receipt (the reason why)."""


def message_status_from_notify(*, payload) -> bool:
    """Apply one GOV.UK Notify delivery receipt (its callback's JSON); False when no message
    has its reference. NotifyReceiptRefused when the payload is not a receipt."""
    from .channels import notify

    try:
        notification_id, status = notify.status_from_callback(payload)
    except (ValueError, TypeError) as error:
        raise NotifyReceiptRefused(str(error)) from error
    return message_status_from_provider(
        provider="notify", provider_reference=notification_id, status=status
    )


def messages_poll_status(*, older_than=datetime.timedelta(minutes=10), limit: int = 500) -> int:
    """Ask providers about messages handed over a while ago with no final status yet."""
    cutoff = timezone.now() - older_than
    asked = 0
    for message in (
        Message.objects.filter(status=Message.Status.SENT, sent_at__lt=cutoff)
        .exclude(provider_reference="")
        .select_related("notice")
        .order_by("sent_at")[:limit]
    ):
        try:
            status = channel_registry.channel(message.provider).check_status(message)
        except Exception as error:
            logger.warning("Could not ask %s about %s: %r", message.provider, message.pk, error)
            continue
        asked += 1
        if status is not None and status.status != "sending":
            message_status_update(message=message, status=status.status, reason=status.reason)
    return asked


def portal_messages_read(*, person, case=None) -> int:
    """The person opened their account: their portal messages count as delivered."""
    now = timezone.now()
    unread = Message.objects.filter(
        person=person, channel="portal", status=Message.Status.SENT, read_at__isnull=True
    )
    if case is not None:
        unread = unread.filter(case=case)
    notice_ids = list(unread.values_list("notice_id", flat=True))
    count = unread.update(status=Message.Status.DELIVERED, read_at=now, delivered_at=now)
    if notice_ids:
        Notice.objects.filter(pk__in=notice_ids, status=Notice.Status.PENDING).update(
            status=Notice.Status.DELIVERED, completed_at=now
        )
    return count


def portal_unread_expire() -> int:
    """Portal messages unread past the set time: try the person's next channel."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.COMMONWEAL_PORTAL_UNREAD_HOURS)
    expired = 0
    for message in Message.objects.filter(
        channel="portal", status=Message.Status.SENT, sent_at__lt=cutoff
    ).select_related("notice")[:500]:
        _failed_for_good(message, "not read in time", status=Message.Status.UNREAD)
        expired += 1
    return expired


def phone_call_outcome(*, message_id, reached: bool, by) -> None:
    """The team phoned the person with a notice: it was delivered, or try the next channel."""
    message = Message.objects.select_related("notice").filter(pk=message_id).first()
    if message is None or message.status != Message.Status.SENT:
        return
    if reached:
        message_status_update(message=message, status="delivered")
    else:
        _failed_for_good(message, "no answer when we phoned")


def letter_returned(*, message_id, by) -> None:
    """A letter came back undelivered: the address is marked failing and the team told."""
    message = (
        Message.objects.select_related("notice").filter(pk=message_id, channel="letter").first()
    )
    if message is None:
        return
    message_status_update(message=message, status="returned", reason="returned by the post")


def messages_sweep() -> int:
    """Hand back messages a crashed worker left in "sending"; returns how many. Sending
    them again is safe: channels get the same idempotency key."""
    cutoff = timezone.now() - SENDING_TIMEOUT
    return Message.objects.filter(
        status=Message.Status.SENDING, sending_started_at__lt=cutoff
    ).update(status=Message.Status.QUEUED, next_attempt_at=timezone.now())


def message_content_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete messages' words (and letters' PDFs) after each service's retention period;
    the record that a message was sent, when and how, stays."""
    now = now or timezone.now()
    cleared = 0
    for published in catalogue.published_services():
        days = published.definition.message_retention_days
        cutoff = now - datetime.timedelta(days=days)
        old = Message.objects.filter(
            case__service=published.service, created_at__lt=cutoff, content_deleted_at__isnull=True
        )
        for message in old.exclude(letter_pdf="").only("letter_pdf")[:1000]:
            message.letter_pdf.delete(save=False)
        cleared += old.update(subject="", body="", letter_pdf="", content_deleted_at=now)
        Notice.objects.filter(case__service=published.service, created_at__lt=cutoff).exclude(
            data={}
        ).update(data={})
    return cleared


def letter_organisation_id(*, message_id) -> int | None:
    """The organisation whose post a letter is: that of the team holding its case now."""
    return (
        Message.objects.filter(pk=message_id)
        .values_list("case__team__organisation_id", flat=True)
        .first()
    )


def print_batch_for(*, day: datetime.date, organisation_id: int) -> PrintBatch:
    """The organisation's batch of the day, made the first time a letter needs it (two
    workers racing make one: the constraint refuses the second, which then reads it)."""
    try:
        with transaction.atomic():
            batch, _created = PrintBatch.objects.get_or_create(
                day=day, organisation_id=organisation_id
            )
    except IntegrityError:
        batch = PrintBatch.objects.get(day=day, organisation_id=organisation_id)
    return batch


# Secure messages on a case


class ThreadMessageRefused(Exception):
    def __init__(self, message, field: str = "body"):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


MAX_ATTACHMENTS = 5
# The same message from the same person this soon after is a double click, not a new one.
REPEAT_WINDOW = datetime.timedelta(seconds=30)


def thread_message_post(
    *, case, author, from_staff: bool, body: str, files=(), on_behalf_of=None
) -> ThreadMessage:
    """Add a message to the case's thread, with its attachments, in one transaction.

    Staff writing tells the person there is a message (never what it says); the person
    writing makes it work for the team, and restarts the clock if the case waited for them."""
    from django.utils.translation import gettext as _

    body = (body or "").strip()
    if not body:
        raise ThreadMessageRefused(_("Write your message"))
    if len(body) > 10000:
        raise ThreadMessageRefused(_("Your message must be 10,000 characters or fewer"))
    files = [upload for upload in files if getattr(upload, "name", "")]
    if len(files) > MAX_ATTACHMENTS:
        raise ThreadMessageRefused(
            _("You can attach up to %(count)s files") % {"count": MAX_ATTACHMENTS}, "attachments"
        )
    checked = []
    for upload in files:
        content_type, error = catalogue.check_upload(upload)
        if error:
            raise ThreadMessageRefused(f"{upload.name[-80:]}: {error}", "attachments")
        checked.append((upload, content_type))
    with transaction.atomic():
        # The case row is locked by the case service below; lock it first, so a double
        # click waits here and then finds the message the first click wrote.
        cases_services.case_lock(case_id=case.pk)
        repeat = (
            ThreadMessage.objects.filter(
                case=case,
                author=author,
                body=body,
                created_at__gte=timezone.now() - REPEAT_WINDOW,
            )
            .order_by("-created_at")
            .first()
        )
        if repeat is not None:
            return repeat
        message = ThreadMessage.objects.create(
            case=case,
            author=author,
            from_staff=from_staff,
            on_behalf_of=on_behalf_of,
            body=body,
            created_at=timezone.now(),
        )
        for upload, content_type in checked:
            attachment = ThreadAttachment(
                message=message,
                original_name=(upload.name or "file")[-255:],
                content_type=content_type,
                extension=catalogue.ALLOWED_UPLOAD_TYPES[content_type],
                size=upload.size,
                sha256=sha256_of(upload),
            )
            attachment.file.save("attachment", upload, save=False)
            attachment.save()
            # Held in quarantine until the virus scanner says it is clean (if one is set).
            from commonweal.intake import services as intake_services

            intake_services.file_hold(
                name=attachment.file.name, kind="attachment", object_id=attachment.pk
            )
        if from_staff:
            cases_services.case_staff_wrote(case=case, by=author, message_id=message.pk)
        else:
            cases_services.case_person_wrote(
                case=case, by=author, on_behalf_of=on_behalf_of, message_id=message.pk
            )
    return message


def thread_mark_read(*, case, by_staff: bool) -> int:
    """The other side's unread messages on the case are now read."""
    return ThreadMessage.objects.filter(
        case=case, from_staff=not by_staff, read_at__isnull=True
    ).update(read_at=timezone.now())


def saved_reply_ensure(*, service, title: str, body_en: str, body_cy: str = "") -> SavedReply:
    reply, _created = SavedReply.objects.get_or_create(
        service=service, title=title, defaults={"body_en": body_en, "body_cy": body_cy}
    )
    return reply


def print_batch_build(*, batch: PrintBatch, by) -> PrintBatch:
    """Write the organisation's letters of the day into one zip (PDFs and a manifest) for
    the print house, kept so it can be downloaded again; letters in it count as sent to
    print."""
    import tempfile

    from django.core.files import File

    from . import letters

    # Only the batch's own organisation's letters, selected in the query, whatever else
    # points at the batch (cases move only between teams of one organisation, but a case
    # changed in the admin must not put its letter in the wrong organisation's post).
    messages = (
        Message.objects.filter(print_batch=batch, case__team__organisation_id=batch.organisation_id)
        .exclude(letter_pdf="")
        .select_related("case")
        .order_by("pk")
    )

    def items():
        for message in messages.iterator(chunk_size=200):
            with message.letter_pdf.open("rb") as handle:
                pdf = handle.read()
            yield (
                str(message.pk),
                pdf,
                {
                    "reference": message.case.reference if message.case_id else "",
                    "address_lines": message.to_address.split("\n"),
                    "large_print": message.large_print,
                    "languages": ["cy", "en"] if message.language == "both" else [message.language],
                },
            )

    with tempfile.TemporaryFile() as out:
        count = letters.build_print_batch(items(), out)
        out.seek(0)
        if batch.file:
            batch.file.delete(save=False)
        batch.file.save(
            f"letters-{batch.organisation_id}-{batch.day:%Y-%m-%d}.zip", File(out), save=False
        )
    batch.letters = count
    batch.built_at = timezone.now()
    batch.built_by = by
    batch.save(update_fields=["file", "letters", "built_at", "built_by"])
    return batch


# Bulk sends

BULK_CHUNK = 500


class BulkSendRefused(Exception):
    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def bulk_send_start(
    *, service, stage: str, open_only: bool, message_en: str, message_cy: str, by, context
):
    """Queue a message to every person with a matching case the member of staff's
    organisation holds; the worker sends it in chunks and counts progress."""
    from django.utils.translation import gettext as _

    from commonweal.cases import selectors as cases_selectors

    from .models import BulkSend

    message_en, message_cy = (message_en or "").strip(), (message_cy or "").strip()
    if not message_en:
        raise BulkSendRefused(_("Write the message in English"), "message_en")
    if settings.COMMONWEAL_WELSH_REQUIRED and not message_cy:
        raise BulkSendRefused(_("Write the message in Welsh as well"), "message_cy")
    for text, field in ((message_en, "message_en"), (message_cy, "message_cy")):
        if "((" in text or len(text) > 1000:
            raise BulkSendRefused(
                _("The message must be 1,000 characters or fewer, without (( or ))"), field
            )
    total = cases_selectors.bulk_recipients(
        context=context, service_id=service.pk, stage=stage, open_only=open_only
    ).count()
    if not total:
        raise BulkSendRefused(_("No cases match: there is nobody to send it to"), "service")
    with transaction.atomic():
        bulk = BulkSend.objects.create(
            service=service,
            stage=stage,
            open_only=open_only,
            message_en=message_en,
            message_cy=message_cy or message_en,
            organisation_ids=sorted(context.organisation_ids),
            total=total,
            created_by=by,
        )
        from .tasks import run_bulk_send

        transaction.on_commit(lambda: run_bulk_send.enqueue(bulk.pk))
    return bulk


def bulk_send_run(*, bulk_send_id: int) -> int:
    """Write the notices, a chunk at a time, recording progress after each chunk. Safe to
    run again after a crash: cases already sent to are skipped."""
    from commonweal.cases import selectors as cases_selectors
    from commonweal.organisations import selectors as organisations

    from .models import BulkSend

    bulk = BulkSend.objects.select_related("created_by").get(pk=bulk_send_id)
    if bulk.status == BulkSend.Status.FINISHED:
        return 0
    BulkSend.objects.filter(pk=bulk.pk).update(status=BulkSend.Status.RUNNING)
    context = organisations.staff_context(user=bulk.created_by)
    marker = f"bulk:{bulk.pk}"
    sent = 0
    while True:
        cases = list(
            cases_selectors.bulk_recipients(
                context=context,
                service_id=bulk.service_id,
                stage=bulk.stage,
                open_only=bulk.open_only,
            )
            .exclude(notices__data__bulk=marker)
            .select_related("person", "version")
            .order_by("pk")[:BULK_CHUNK]
        )
        if not cases:
            break
        # One notice per case. Someone with two matching cases gets two, in separate rounds
        # (a round holds each person once, as notices_send_many maps people to cases).
        rounds: list[dict] = []
        for case in cases:
            free = next((r for r in rounds if case.person_id not in r), None)
            if free is None:
                free = {}
                rounds.append(free)
            free[case.person_id] = case
        for by_person in rounds:

            def data_for(person, by_person=by_person):
                language = person.language or "en"
                words = bulk.message_cy if language in ("cy", "both") else bulk.message_en
                return {
                    **notice_data(case=by_person[person.pk], person=person, language=language),
                    "message": words,
                    "bulk": marker,
                }

            notices_send_many(
                event="service_update",
                people=[case.person for case in by_person.values()],
                data_for=data_for,
                cases=by_person,
            )
        sent += len(cases)
        BulkSend.objects.filter(pk=bulk.pk).update(done=F("done") + len(cases))
    BulkSend.objects.filter(pk=bulk.pk).update(
        status=BulkSend.Status.FINISHED, finished_at=timezone.now()
    )
    return sent
