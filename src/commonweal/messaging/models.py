import uuid

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
