from django.db import models


class DevMail(models.Model):
    """An email kept by the development mailbox instead of being sent (demo only)."""

    to = models.TextField()
    subject = models.CharField(max_length=500)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        # Made by core before this app existed: the table keeps its name.
        db_table = "core_devmail"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class BenchInsert(models.Model):
    """Rows written by the bare endpoint that `commonweal bench` measures as its floor."""

    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "core_benchinsert"

    def __str__(self) -> str:
        return f"Bench row {self.pk}"
