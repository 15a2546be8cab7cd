from django.conf import settings
from django.db import models


class Service(models.Model):
    """A public service people apply for. What it asks and does lives in its versions."""

    slug = models.SlugField(max_length=60, unique=True)
    reference_prefix = models.CharField(max_length=3, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Its life (docs/services.md, "A service's life"); every change is also a
    # ServiceLifeEvent. Applications are taken from the start of `opens_on` to the end of
    # `closes_on` (UK dates; either may be empty), unless paused or retired. A pause stops
    # online applications only: the other ways to apply stay open and are shown.
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_message_en = models.TextField(blank=True)
    pause_message_cy = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class ServiceVersion(models.Model):
    """One version of a service's definition. Published versions never change: every
    application records the version it was made against, so it can always be read back."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    definition = models.JSONField()
    # The YAML as written, comments and all, so an export gives back what was imported.
    source_yaml = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="service_version_number"),
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(status="published"),
                name="one_published_version_per_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.slug} v{self.number} ({self.status})"


class ServiceLifeEvent(models.Model):
    """One change to a service's life (dates set, paused, resumed, retired): who, when,
    what. Appended, never edited."""

    class Kind(models.TextChoices):
        DATES = "dates", "Opening and closing dates set"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        RETIRED = "retired", "Retired"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="life_events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.service.slug}: {self.kind}"


class PublishRequest(models.Model):
    """Someone asked for a version to be published. Where the organisation asks for a
    second person's approval, another permitted person approves or rejects it (with a
    reason); otherwise it is approved as it is asked. Kept as the publishing history."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for approval"
        APPROVED = "approved", "Approved and published"
        REJECTED = "rejected", "Rejected"

    version = models.ForeignKey(
        ServiceVersion, on_delete=models.PROTECT, related_name="publish_requests"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(status="waiting"),
                name="one_waiting_publish_request_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}: publish {self.status}"


class ServiceVersionChange(models.Model):
    """One edit of a draft made in the service designer: who, when and what. Appended,
    never edited."""

    version = models.ForeignKey(ServiceVersion, on_delete=models.CASCADE, related_name="changes")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    summary = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version}: {self.summary}"
