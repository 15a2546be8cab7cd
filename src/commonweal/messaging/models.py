import uuid

from django.conf import settings
from django.db import models


class Message(models.Model):
    """An outbound notice to a person: an outbox row written in the same transaction as the
    change that caused it, then delivered by a background task. Nothing is lost if a worker
    dies: the sweeper hands queued messages whose task never ran to a new task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    notice = models.CharField(max_length=50)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=2)
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The dispatcher's question: which queued messages are due?
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="message_due",
            ),
            models.Index(
                fields=["sending_started_at"],
                condition=models.Q(status="sending"),
                name="message_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} to {self.to_address} ({self.status})"


class ThreadMessage(models.Model):
    """One message in the secure conversation on a case, between the person (or their
    representative) and the case team. The content is only ever read in the portal or the
    workspace; email and text messages just say that there is a new message."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="thread")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField()
    # A representative writing for the person: whom they wrote for.
    on_behalf_of = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()
    # When the other side first read it (the person for staff messages, staff otherwise).
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"Message on case {self.case_id} at {self.created_at:%Y-%m-%d %H:%M}"


def _attachment_path(instance: "ThreadAttachment", filename: str) -> str:
    return f"threads/{instance.message.case_id}/{instance.id}.{instance.extension}"


class ThreadAttachment(models.Model):
    """A file sent with a secure message, checked by content like application uploads."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(ThreadMessage, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name


class SavedReply(models.Model):
    """A reply staff use often on a service, in English and Welsh, to start a message from."""

    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    body_en = models.TextField("text in English")
    body_cy = models.TextField("text in Welsh", blank=True)

    class Meta:
        ordering = ["service", "title"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title
