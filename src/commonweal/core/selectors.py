"""Reads owned by the core app: health of the database and the task worker."""

import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import WorkerHeartbeat


def database_health() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means the database is not usable
        return {"ok": False, "vendor": connection.vendor, "error": error.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def worker_health(*, now: datetime.datetime | None = None) -> dict:
    """Healthy when at least one worker wrote a heartbeat within three heartbeat periods."""
    now = now or timezone.now()
    stale_after = datetime.timedelta(seconds=3 * settings.COMMONWEAL_WORKER_HEARTBEAT_SECONDS)
    latest = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
    alive = WorkerHeartbeat.objects.filter(last_seen_at__gte=now - stale_after).count()
    if latest is None:
        return {"ok": False, "workers": 0, "last_heartbeat": None, "seconds_since": None}
    return {
        "ok": alive > 0,
        "workers": alive,
        "last_heartbeat": latest.last_seen_at.isoformat(),
        "seconds_since": round((now - latest.last_seen_at).total_seconds(), 1),
    }
