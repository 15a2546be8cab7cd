from django.conf import settings
from django.db import models


class Case(models.Model):
    """The work for one submitted application, from its first stage to its outcome."""

    reference = models.CharField(max_length=16, unique=True)
    application = models.OneToOneField(
        "intake.Application", on_delete=models.PROTECT, related_name="case"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    service = models.ForeignKey("catalogue.Service", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        "catalogue.ServiceVersion", on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=60)
    opened_at = models.DateTimeField()
    due_date = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["service", "stage"]),
            models.Index(fields=["due_date"]),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseEvent(models.Model):
    """One thing that happened on a case. Appended, never edited or deleted (the database
    refuses both); a correction is a new event that points at the one it corrects."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Application submitted"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        MESSAGE_SENT = "message_sent", "Message sent"
        NOTE = "note", "Note"

    # Indexed by the (case, created_at) index below.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visible_to_person = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        db_index=False,  # corrections are rare; nothing looks them up in bulk
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Case events are appended, never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Case events are appended, never deleted")
