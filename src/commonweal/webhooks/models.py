import secrets
import uuid

from django.conf import settings
from django.db import models

# The events an organisation can subscribe to, with what they mean.
EVENT_TYPES = {
    "application.submitted": "An application was submitted",
    "case.stage_changed": "A case moved to another stage",
    "decision.made": "A decision was made on a case",
    "offer.made": "An approval was made as an offer the person must accept (a loan)",
    "offer.accepted": "The person accepted the offer (online, or told staff)",
    "offer.declined": "The person declined the offer (online, or told staff)",
    "offer.expired": "The offer ended because it was not accepted in time",
    "offer.withdrawn": (
        "The offer was withdrawn: the decision is being looked at again, or was corrected"
    ),
    "message.delivered": "A message to a person was delivered (or read in their account)",
    "message.failed": "A message to a person could not be delivered",
    "task.created": "A task was added to a case",
    "task.completed": "A task on a case was done",
    "referral.started": "A case was referred to another organisation",
    "referral.ended": "A referral of a case to another organisation ended",
    "evidence.added": "Evidence was added to a case",
    "data_request.made": "The person asked for their details or answers to be corrected",
    "data_request.answered": "A request to correct the person's details or answers was answered",
}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """An organisation's URL that is sent the events it chose, signed with the secret."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="webhooks"
    )
    url = models.URLField("URL", max_length=500)
    event_types = models.JSONField(default=list)
    # Signs every delivery (see services); shown to the organisation's administrators.
    secret = models.CharField(max_length=100, default=new_secret)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "url"]
        indexes = [models.Index(fields=["organisation", "active"], name="webhook_subscription_org")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one subscription: an outbox row written in the same transaction as the
    change that caused it, then POSTed by a background task until the receiver accepts it.
    Its id is the CloudEvents id and the Webhook-Id header, the same on every attempt, so a
    receiver drops repeats."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=50)
    # The whole CloudEvent, as sent.
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sending_started_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at"]
        indexes = [
            # The dispatcher's question: which queued deliveries are due?
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="queued"),
                name="webhook_delivery_due",
            ),
            # The sweeper's: which were left "sending" by a crashed worker?
            models.Index(
                fields=["sending_started_at"],
                condition=models.Q(status="sending"),
                name="webhook_delivery_sending",
            ),
            # The history, newest first, per subscription.
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_history"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.subscription_id} ({self.status})"
