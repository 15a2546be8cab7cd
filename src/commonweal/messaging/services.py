"""Writing and delivering messages.

A message is a row written in the caller's transaction (an outbox). The worker's dispatcher
claims due rows in batches and hands each batch to a task that sends them; failures are
retried with back-off, then marked failed; rows left "sending" by a crashed worker are
handed back. The web request that caused a message writes one row and nothing else.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import sha256_of

from .models import Message, SavedReply, ThreadAttachment, ThreadMessage

logger = logging.getLogger("commonweal.messaging")

# Waits between attempts: 1 minute, 5 minutes, 30 minutes, then every 2 hours: about a day.
RETRY_DELAYS = [60, 300, 1800] + [7200] * 11
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
BATCH_SIZE = 50


def message_queue(
    *, notice: str, to_address: str, subject: str, body: str, language: str, person=None, case=None
) -> Message:
    """Write the message in the caller's transaction; the worker delivers it."""
    return Message.objects.create(
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


def messages_dispatch(*, limit: int = 500) -> int:
    """Claim due messages and hand them to delivery tasks in batches.

    Safe with many workers: on PostgreSQL rows are claimed with SKIP LOCKED, and SQLite
    runs one writer at a time. Returns how many messages were handed on."""
    from .tasks import deliver_messages

    now = timezone.now()
    with transaction.atomic():
        due = Message.objects.filter(
            status=Message.Status.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = [str(pk) for pk in due.values_list("pk", flat=True)[:limit]]
        if not ids:
            return 0
        Message.objects.filter(pk__in=ids).update(
            status=Message.Status.SENDING, sending_started_at=now
        )
        for start in range(0, len(ids), BATCH_SIZE):
            deliver_messages.enqueue(ids[start : start + BATCH_SIZE])
    return len(ids)


def messages_deliver(*, message_ids: list[str]) -> dict:
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        outcome = message_send(message_id=message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def message_send(*, message_id: str) -> str:
    """Send one claimed message and record what happened."""
    message = (
        Message.objects.filter(pk=message_id, status=Message.Status.SENDING)
        .select_related("case")
        .first()
    )
    if message is None:
        return "not claimed"
    try:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
            headers={"X-Commonweal-Message": str(message.id)},
        ).send(fail_silently=False)
    except Exception as error:  # any failure of the mail server is retried
        return _record_failure(message, error)
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


def _record_failure(message: Message, error: Exception) -> str:
    attempts = message.attempts + 1
    if attempts > len(RETRY_DELAYS):
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED, attempts=attempts, last_error=repr(error)[:2000]
        )
        logger.error("Message %s failed for good: %r", message.pk, error)
        return "failed"
    retry_at = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempts - 1])
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.QUEUED,
        attempts=attempts,
        last_error=repr(error)[:2000],
        next_attempt_at=retry_at,
    )
    logger.warning("Message %s will be retried at %s: %r", message.pk, retry_at, error)
    return "retry"


def messages_sweep() -> int:
    """Hand back messages a crashed worker left in "sending"; returns how many."""
    cutoff = timezone.now() - SENDING_TIMEOUT
    return Message.objects.filter(
        status=Message.Status.SENDING, sending_started_at__lt=cutoff
    ).update(status=Message.Status.QUEUED, next_attempt_at=timezone.now())


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
