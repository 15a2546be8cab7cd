"""Delivery: the worker's dispatcher claims due messages in batches and hands each batch
to a task that sends them through the channel for their kind. A temporary failure is
retried with back-off for the retry period; a permanent one moves the notice on to the
person's next channel, until one message is delivered. Rows left "sending" by a crashed
worker are handed back; channels receive the message id as an idempotency key."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from commonweal.accounts.selectors import User
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue

from .. import channels as channel_registry
from ..models import Message, Notice
from .notices import next_message

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case
    from commonweal.people.selectors import Person

logger = logging.getLogger("commonweal.messaging")

# Waits between attempts: 1 minute, 5 minutes, 30 minutes, then every 2 hours, until the
# retry period (COMMONWEAL_MESSAGE_RETRY_HOURS, a day by default) is over.
RETRY_DELAYS = [60, 300, 1800, 7200]
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
BATCH_SIZE = 200


def _channel_limits(limit: int) -> dict[str, int]:
    """How many messages of each kind one dispatch (about a second) may hand on: each
    channel's rate limit (COMMONWEAL_CHANNEL_RATES, per worker), within `limit`."""
    rates = settings.COMMONWEAL_CHANNEL_RATES
    return {kind: min(limit, rates.get(kind) or limit) for kind in channel_registry.KINDS}


def messages_dispatch(*, limit: int = 2000) -> int:
    """Claim due messages and hand them to delivery tasks in batches.

    Safe with many workers: on PostgreSQL rows are claimed with SKIP LOCKED, and SQLite
    runs one writer at a time. Returns how many messages were handed on."""
    from ..tasks import deliver_messages

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


def messages_deliver(*, message_ids: list[str]) -> dict[str, int]:
    """Send a claimed batch; record the outcomes in a few statements for the whole batch."""
    messages = list(
        Message.objects.filter(pk__in=message_ids, status=Message.Status.SENDING)
        .select_related("notice")
        .order_by("created_at")
    )
    outcomes: dict[str, int] = {}
    done: list[Message] = []
    no_receipts: list[UUID | None] = []
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
        if sent.letter_pdf or sent.print_batch_id:
            # A letter's PDF and batch are kept at once, so a retry after a crash reuses them.
            Message.objects.filter(pk=message.pk).update(
                letter_pdf=sent.letter_pdf or message.letter_pdf.name,
                print_batch_id=sent.print_batch_id,
            )
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
                    if message.case_id is not None  # only case messages are collected
                ],
            )
            cases_services.cases_publish_many(
                event_type="message.delivered",
                items=[
                    (message.case_id, _delivered_data(message))
                    for message, _when in events
                    if message.case_id is not None and message.delivered_at
                ],
            )
    return outcomes


def _delivered_data(message: Message) -> dict[str, Any]:
    """What a `message.delivered` event says: the channel and notice, never the words."""
    return {"channel": message.channel, "notice": message.event, "message": str(message.pk)}


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
) -> None:
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
            next_message(notice)
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
            if message.case_id:
                cases_services.cases_publish_many(
                    event_type="message.delivered",
                    items=[(message.case_id, _delivered_data(message))],
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


def message_status_from_provider(
    *, provider: str, provider_reference: str, status: channel_registry.Status
) -> bool:
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


def message_status_from_notify(*, payload: Any) -> bool:
    """Apply one GOV.UK Notify delivery receipt (its callback's JSON); False when no message
    has its reference. NotifyReceiptRefused when the payload is not a receipt (it is
    whatever JSON was posted, checked here)."""
    from ..channels import notify

    try:
        notification_id, status = notify.status_from_callback(payload)
    except (ValueError, TypeError) as error:
        raise NotifyReceiptRefused(str(error)) from error
    return message_status_from_provider(
        provider="notify", provider_reference=notification_id, status=status
    )


def messages_poll_status(
    *, older_than: datetime.timedelta = datetime.timedelta(minutes=10), limit: int = 500
) -> int:
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


def portal_messages_read(*, person: Person, case: Case | None = None) -> int:
    """The person opened their account: their portal messages count as delivered."""
    now = timezone.now()
    unread = Message.objects.filter(
        person=person, channel="portal", status=Message.Status.SENT, read_at__isnull=True
    )
    if case is not None:
        unread = unread.filter(case=case)
    read = list(unread.only("pk", "notice_id", "case_id", "channel", "event"))
    if not read:
        return 0
    notice_ids = [message.notice_id for message in read if message.notice_id]
    with transaction.atomic():
        count = Message.objects.filter(
            pk__in=[message.pk for message in read], status=Message.Status.SENT
        ).update(status=Message.Status.DELIVERED, read_at=now, delivered_at=now)
        if notice_ids:
            Notice.objects.filter(pk__in=notice_ids, status=Notice.Status.PENDING).update(
                status=Notice.Status.DELIVERED, completed_at=now
            )
        cases_services.cases_publish_many(
            event_type="message.delivered",
            items=[(m.case_id, _delivered_data(m)) for m in read if m.case_id is not None],
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


def phone_call_outcome(*, message_id: UUID | str, reached: bool, by: User) -> None:
    """The team phoned the person with a notice: it was delivered, or try the next channel."""
    message = Message.objects.select_related("notice").filter(pk=message_id).first()
    if message is None or message.status != Message.Status.SENT:
        return
    if reached:
        message_status_update(message=message, status="delivered")
    else:
        _failed_for_good(message, "no answer when we phoned")


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
