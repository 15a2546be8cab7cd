"""Writes owned by the core app: rate limits and worker heartbeats."""

import datetime
import os
import socket

from django.db import transaction
from django.utils import timezone

from .models import RateLimitHit, WorkerHeartbeat


def rate_limit_hit(*, key: str, limit: int, window: datetime.timedelta) -> bool:
    """Count one attempt against `key`; False when the limit for the window is already used."""
    now = timezone.now()
    with transaction.atomic():
        recent = RateLimitHit.objects.filter(key=key, created_at__gt=now - window).count()
        if recent >= limit:
            return False
        RateLimitHit.objects.create(key=key, created_at=now)
    return True


def rate_limit_clear(*, key: str) -> None:
    RateLimitHit.objects.filter(key=key).delete()


def rate_limits_prune(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    deleted, _ = RateLimitHit.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def worker_heartbeat_beat(*, worker_id: str, started_at: datetime.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen_at": timezone.now(),
        },
    )


def worker_heartbeat_stop(*, worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def worker_heartbeats_prune(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    cutoff = timezone.now() - older_than
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted
