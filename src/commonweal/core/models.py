from django.db import models


class WorkerHeartbeat(models.Model):
    """The last sign of life from each task worker process, for /healthz."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname}"


class RateLimitHit(models.Model):
    """One attempt counted against a rate limit (sign-in, check status, ...).

    Kept in the database rather than a per-process cache so that every web process and
    every server behind a load balancer counts the same attempts.
    """

    key = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"])]

    def __str__(self) -> str:
        return self.key
