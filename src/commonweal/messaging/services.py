"""Writing and delivering messages. A message is queued in the caller's transaction and
delivered by a task; failures are retried with back-off, then marked failed."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from commonweal.cases import services as cases_services

from .models import Message

logger = logging.getLogger("commonweal.messaging")

# Waits between attempts: 1 minute, 5 minutes, 30 minutes, then every 2 hours up to a day.
RETRY_DELAYS = [60, 300, 1800] + [7200] * 11
SENDING_TIMEOUT = datetime.timedelta(minutes=10)


def message_queue(
    *, notice: str, to_address: str, subject: str, body: str, language: str, person=None, case=None
) -> Message:
    """Write the message and its delivery task in the caller's transaction (an outbox)."""
    from .tasks import deliver_message

    message = Message.objects.create(
        notice=notice,
        channel=Message.Channel.EMAIL,
        to_address=to_address,
        subject=subject,
        body=body,
        language=language,
        person=person,
        case=case,
        next_attempt_at=timezone.now(),
    )
    # The database task backend writes the task row in this same transaction.
    deliver_message.enqueue(str(message.id))
    return message


def message_deliver(*, message_id: str) -> str:
    """Send one message if it is still due; safe to call twice for the same message."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Message.objects.filter(
            pk=message_id, status=Message.Status.QUEUED, next_attempt_at__lte=now
        ).update(status=Message.Status.SENDING, sending_started_at=now)
    if not claimed:
        return "not due"
    message = Message.objects.get(pk=message_id)
    try:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
            headers={"X-Commonweal-Message": str(message.id)},
        ).send(fail_silently=False)
    except Exception as error:  # any failure of the mail server is retried
        attempts = message.attempts + 1
        if attempts > len(RETRY_DELAYS):
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.FAILED, attempts=attempts, last_error=repr(error)[:2000]
            )
            logger.error("Message %s failed for good: %r", message.pk, error)
            return "failed"
        retry_at = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1])
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.QUEUED,
                attempts=attempts,
                last_error=repr(error)[:2000],
                next_attempt_at=retry_at,
            )
            from .tasks import deliver_message

            deliver_message.using(run_after=retry_at).enqueue(str(message.pk))
        logger.warning("Message %s will be retried at %s: %r", message.pk, retry_at, error)
        return "retry"
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SENT, sent_at=timezone.now(), attempts=message.attempts + 1
        )
        if message.case_id:
            # The person sees on their timeline that we wrote to them, and how.
            cases_services.case_event_record(
                case=message.case,
                kind="message_sent",
                visible_to_person=True,
                data={
                    "channel": message.channel,
                    "notice": message.notice,
                    "message": str(message.pk),
                },
            )
    return "sent"


def messages_sweep() -> int:
    """Hand back messages a crashed worker left behind: stuck in sending, or queued and due
    with no task left to deliver them. Returns how many were re-queued."""
    from .tasks import deliver_message

    now = timezone.now()
    requeued = 0
    with transaction.atomic():
        Message.objects.filter(
            status=Message.Status.SENDING, sending_started_at__lt=now - SENDING_TIMEOUT
        ).update(status=Message.Status.QUEUED, next_attempt_at=now)
        overdue = list(
            Message.objects.filter(
                status=Message.Status.QUEUED,
                next_attempt_at__lt=now - datetime.timedelta(minutes=5),
            ).values_list("pk", flat=True)[:1000]
        )
        for message_id in overdue:
            deliver_message.enqueue(str(message_id))
            requeued += 1
        if overdue:
            # Pushed forward so the next sweep does not queue them again before they run.
            Message.objects.filter(pk__in=overdue).update(next_attempt_at=now)
    return requeued
