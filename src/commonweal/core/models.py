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


class FileScan(models.Model):
    """A stored file's quarantine: written with the file when a virus scanner is configured,
    and the file is served to nobody until its scan is clean.

    The row is also the scanner's outbox: the worker claims pending rows that are due, scans
    them, and on "scanner unreachable" puts them back with a later `next_attempt_at`. Files
    stored without a scanner have no row and are served as they are."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be scanned"
        SCANNING = "scanning", "Being scanned"
        CLEAN = "clean", "Clean: released"
        INFECTED = "infected", "Infected: kept out"

    # The file's name in storage (what `FileField.name` holds), which is how serving finds it.
    name = models.CharField(max_length=200, unique=True)
    # Which app's file it is, by the name its owner registered in `QUARANTINE_KINDS`
    # ("upload": intake's evidence, "attachment": messaging's attachments), and its row there.
    kind = models.CharField(max_length=12)
    object_id = models.UUIDField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    signature = models.CharField(max_length=200, blank=True)
    scanner = models.CharField(max_length=30, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    scan_started_at = models.DateTimeField(null=True, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when intake held the quarantine.
        db_table = "intake_filescan"
        indexes = [
            # The worker's claim: due pending rows, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                name="intake_filescan_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
