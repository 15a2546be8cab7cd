from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """An integration's key: one organisation, some scopes. Only a hash of the secret is
    kept; the whole key is shown once, when it is made."""

    class Scope(models.TextChoices):
        READ_CASES = "cases:read", "Read cases"
        REGISTER_APPLICATIONS = "applications:register", "Register applications"
        UPDATE_CASES = "cases:update", "Update cases"
        READ_PEOPLE = "people:read", "Read people"
        ASSIGN_CASES = "cases:assign", "Assign cases and move them to another team"
        WRITE_REFERRALS = "referrals:write", "Refer cases to other organisations, end referrals"
        READ_MESSAGES = "messages:read", "Read secure messages"
        WRITE_MESSAGES = "messages:write", "Post secure messages"
        WRITE_TASKS = "tasks:write", "Create and complete tasks"
        WRITE_EVIDENCE = "evidence:write", "Upload evidence"
        READ_PAYMENTS = "payments:read", "Read payment instructions"
        READ_DATA_REQUESTS = "data_requests:read", "Read data requests"
        WRITE_DATA_REQUESTS = "data_requests:write", "Make data requests"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # The visible start of the key, to tell keys apart in lists and logs.
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    # The account applications registered through this key are made by.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotentRequest(models.Model):
    """A POST that created something, remembered by its Idempotency-Key, so a retried call
    gets the first answer instead of making a second case."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # SHA-256 over the method, path and body (services.request_fingerprint).
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"], name="one_answer_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}: {self.key}"


class ApiCallCount(models.Model):
    """How many calls a key made in one clock minute: the rate limit's counter, kept by one
    insert-or-add statement per call, so counting never waits on a lock held elsewhere."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "minute"], name="api_calls_one_row_a_minute")
        ]

    def __str__(self) -> str:
        return f"{self.calls} calls at {self.minute:%H:%M}"
