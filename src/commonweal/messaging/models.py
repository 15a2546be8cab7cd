import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class Notice(models.Model):
    """Something a person must be told (application received, decision made, new secure
    message...). It is delivered by one message: the person's channels are tried in turn,
    each as a Message, until one is delivered; letters are the last resort."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being delivered"
        # Handed to a channel that cannot report delivery (SMTP, the print house); a bounce
        # or a returned letter later still moves it on.
        SENT = "sent", "Sent, no receipt possible"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Could not be delivered"
        ACTION_NEEDED = "action_needed", "Waiting for the team"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=50)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    # The placeholder values; emptied with the messages' content after the retention period.
    data = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=4)
    # The channels to try, in order, fixed when the notice was made.
    channels = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField(default=0)
    large_print = models.BooleanField(default=False)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} ({self.status})"


class MessageTemplate(models.Model):
    """The words for one event on one channel in one language. Versioned: a published
    version never changes; each message records the version it used."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    event = models.CharField(max_length=50)
    channel = models.CharField(max_length=10)
    language = models.CharField(max_length=2)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # A translation made by a machine-translation provider (its name), from the template
    # `translated_from`. It is "machine translated" until a person approves it, and is
    # never published, nor sent, before.
    machine_translated_by = models.CharField(max_length=50, blank=True)
    translated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "channel", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language", "version"], name="template_version"
            ),
            models.UniqueConstraint(
                fields=["event", "channel", "language"],
                condition=models.Q(status="published"),
                name="one_published_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.channel} {self.language} v{self.version} ({self.status})"

    @property
    def machine_translated(self) -> bool:
        """Made by a machine and not yet approved by a person."""
        return bool(self.machine_translated_by) and self.approved_at is None


def _letter_path(instance: "Message", filename: str) -> str:
    return f"letters/{instance.created_at:%Y/%m/%d}/{instance.id}.pdf"


def _batch_path(instance: "PrintBatch", filename: str) -> str:
    return (
        f"print-batches/{instance.day:%Y/%m}/"
        f"letters-{instance.organisation_id}-{instance.day:%Y-%m-%d}-{instance.pk}.zip"
    )


class PrintBatch(models.Model):
    """One organisation's letters of one day for the print house: a zip of PDFs and a
    manifest, made on request. A letter belongs to the organisation of the team holding its
    case, and only that organisation's staff see, build or download the batch."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField()
    file = models.FileField(upload_to=_batch_path, max_length=200, blank=True)
    letters = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "day"], name="one_print_batch_per_organisation_day"
            )
        ]

    def __str__(self) -> str:
        return f"Letters for {self.day:%Y-%m-%d} (organisation {self.organisation_id})"


class Message(models.Model):
    """One attempt to deliver a notice on one channel: an outbox row written in the same
    transaction as the change that caused it, then delivered by a background task. Nothing
    is lost if a worker dies: the sweeper hands back messages stuck "sending", and the
    channel is given the message's id as its idempotency key."""

    # Labels in the reader's language (the case page lists the messages sent).
    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        SENDING = "sending", gettext_lazy("Sending")
        SENT = "sent", gettext_lazy("Sent")
        DELIVERED = "delivered", gettext_lazy("Delivered")
        FAILED = "failed", gettext_lazy("Failed")
        RETURNED = "returned", gettext_lazy("Returned")
        UNREAD = "unread", gettext_lazy("Not read in time")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    class Channel(models.TextChoices):
        PORTAL = "portal", gettext_lazy("Portal")
        EMAIL = "email", gettext_lazy("Email")
        SMS = "sms", gettext_lazy("Text message")
        LETTER = "letter", gettext_lazy("Letter")
        PHONE = "phone", gettext_lazy("Phone call")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    event = models.CharField(max_length=50)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    provider = models.CharField(max_length=20, blank=True)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=4)
    to_address = models.CharField(max_length=500)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    large_print = models.BooleanField(default=False)
    letter_pdf = models.FileField(upload_to=_letter_path, max_length=200, blank=True)
    print_batch = models.ForeignKey(
        PrintBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    # Transient failures are retried until then; after it, they count as permanent.
    give_up_at = models.DateTimeField(null=True, blank=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    content_deleted_at = models.DateTimeField(null=True, blank=True)

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
            # Delivery status to ask providers about.
            models.Index(
                fields=["sent_at"], condition=models.Q(status="sent"), name="message_awaiting"
            ),
            models.Index(fields=["provider", "provider_reference"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} by {self.channel} ({self.status})"

    @property
    def kind(self) -> str:
        return self.channel


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


class BulkSend(models.Model):
    """A message staff send to everyone matching a filter (for example, every open case of
    one service), delivered as one notice per case in each person's own way."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Sending"
        FINISHED = "finished", "Finished"

    service = models.ForeignKey("catalogue.Service", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=60, blank=True)
    open_only = models.BooleanField(default=True)
    message_en = models.TextField()
    message_cy = models.TextField(blank=True)
    organisation_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Bulk message to {self.service} ({self.done}/{self.total})"
