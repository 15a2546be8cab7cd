from django.conf import settings
from django.db import models


class Service(models.Model):
    """A public service people apply for. What it asks and does lives in its versions."""

    slug = models.SlugField(max_length=60, unique=True)
    reference_prefix = models.CharField(max_length=3, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

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
