import uuid

from django.conf import settings
from django.db import models


class Application(models.Model):
    """A person's answers to a service's questions: a draft until submitted, then a snapshot.

    It records the service version it was made against, so the questions it answered can
    always be shown with it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"
        PAPER = "paper", "Paper"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Services and versions are never deleted; drafts are found by (account, service).
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    version = models.ForeignKey(
        "catalogue.ServiceVersion",
        on_delete=models.PROTECT,
        related_name="applications",
        db_index=False,
    )
    # Who filled it in (the person themself, or a carer acting for them). Indexed by the
    # (account, status, updated_at) index below.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        db_index=False,
    )
    # Whom it is for; set when it is submitted.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    on_behalf = models.BooleanField(default=False)
    # A member of staff who took the application by phone, in person or from paper.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How staff checked who they were talking to, for an application they took.
    identity_check = models.CharField(max_length=30, blank=True)
    # Staff found a record that existed before they took it (after checking identity): what
    # it shows and what the application may change on it are limited (intake/assisted.py).
    existing_record = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    language = models.CharField(max_length=2, default="en")
    eligibility_answers = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    # Pages the person has been through (optional questions may be left blank).
    completed_pages = models.JSONField(default=list, blank=True)
    # Person fields offered from the record and confirmed rather than asked.
    confirmed_details = models.JSONField(default=list, blank=True)
    reference = models.CharField(max_length=16, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "service"],
                # Staff take many applications for others, so only online drafts are unique.
                condition=models.Q(status="draft", taken_by__isnull=True),
                name="one_draft_per_service_per_account",
            )
        ]
        indexes = [models.Index(fields=["account", "status", "-updated_at"])]

    def __str__(self) -> str:
        return self.reference or f"Draft {self.id}"


def _upload_path(instance: "Upload", filename: str) -> str:
    # A generated name: nothing the person typed ends up in a path on disk.
    return f"applications/{instance.application_id}/{instance.id}.{instance.extension}"


class Upload(models.Model):
    """A file attached to an application: checked by content, stored outside the web root,
    served only to the person it belongs to and to staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="uploads")
    question_id = models.CharField(max_length=60)
    file = models.FileField(upload_to=_upload_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
