"""Quarantine and virus scanning of stored files, for every app that keeps files people send
(intake's evidence, messaging's attachments). The scanners themselves are in `files`.

A file is held (a `FileScan` row, written in the transaction that stores it) when a scanner
is configured. The worker claims due rows every second and scans them in a task:

- clean: released; the file is served from then on;
- infected: kept out for good; its content is moved under `quarantine/` in the uploads
  directory (for an operator to look at), and the app that owns the file is told through the
  `QUARANTINE_KINDS` registry, in the transaction that records the verdict (intake takes a
  draft's answer away so it is asked again; on a case, the team gets a task and the person an
  update saying the file was removed);
- scanner unreachable: the file stays held and is tried again after 1, 5 and 30 minutes, then
  hourly; each failure is logged as an error and /healthz reports files waiting.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .files import ScannerUnavailable, file_scanner
from .models import FileScan
from .registry import Registry

logger = logging.getLogger("commonweal.scanning")

RETRY_AFTER = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
]
RETRY_LATER = datetime.timedelta(hours=1)
# A row left "scanning" this long belonged to a worker that died.
STUCK_AFTER = datetime.timedelta(minutes=10)
BATCH_SIZE = 20


@dataclass(frozen=True)
class InfectedFile:
    """What the owner of a file hears when the scanner finds a virus in it."""

    # The file's name in storage, and the owner's row it belongs to.
    name: str
    object_id: UUID
    # What the scanner found ("Eicar-Signature").
    signature: str


# The kinds of file held, by the name stored in `FileScan.kind`: the owning app registers
# what to do, inside the verdict's transaction, when one of its files is found infected.
QUARANTINE_KINDS: Registry[Callable[[InfectedFile], None]] = Registry(
    "quarantine-kinds", "What the app that owns a kind of file does when one is found infected"
)


def file_hold(*, name: str, kind: str, object_id: UUID) -> FileScan | None:
    """Hold a just-stored file in quarantine until it is scanned; None (and nothing held)
    when no scanner is configured. Call it in the transaction that stores the file."""
    if not settings.COMMONWEAL_FILE_SCANNER:
        return None
    QUARANTINE_KINDS.get(kind)  # an unknown kind is a programming error, said at once
    return FileScan.objects.create(
        name=name,
        kind=kind,
        object_id=object_id,
        scanner=settings.COMMONWEAL_FILE_SCANNER,
        next_attempt_at=timezone.now(),
    )


def files_scan_dispatch(*, limit: int = 200) -> int:
    """Claim due files and hand them to scanning tasks; returns how many. Safe with many
    workers (SKIP LOCKED on PostgreSQL; SQLite has one writer at a time)."""
    from .tasks import scan_files

    now = timezone.now()
    with transaction.atomic():
        due = FileScan.objects.filter(
            status=FileScan.Status.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = [str(pk) for pk in due.values_list("pk", flat=True)[:limit]]
        if not claimed:
            return 0
        FileScan.objects.filter(pk__in=claimed).update(
            status=FileScan.Status.SCANNING, scan_started_at=now
        )
        for start in range(0, len(claimed), BATCH_SIZE):
            scan_files.enqueue(claimed[start : start + BATCH_SIZE])
    return len(claimed)


def files_scan(*, scan_ids: list[str]) -> dict[str, int]:
    """Scan claimed files; returns counts by outcome."""
    outcomes = {"clean": 0, "infected": 0, "unavailable": 0}
    scans = FileScan.objects.filter(pk__in=scan_ids, status=FileScan.Status.SCANNING)
    for scan in scans.order_by("pk"):
        try:
            scanner = file_scanner()
            if scanner is None:
                raise ScannerUnavailable("no scanner is configured (COMMONWEAL_FILE_SCANNER)")
            with default_storage.open(scan.name, "rb") as stream:
                result = scanner.scan(stream)
        except (ScannerUnavailable, OSError) as error:
            _scan_failed(scan, error)
            outcomes["unavailable"] += 1
            continue
        if result.clean:
            FileScan.objects.filter(pk=scan.pk).update(
                status=FileScan.Status.CLEAN, scanned_at=timezone.now(), last_error=""
            )
            outcomes["clean"] += 1
        else:
            _infected(scan, result.signature)
            outcomes["infected"] += 1
    return outcomes


def _scan_failed(scan: FileScan, error: Exception) -> None:
    attempts = scan.attempts + 1
    wait = RETRY_AFTER[attempts - 1] if attempts <= len(RETRY_AFTER) else RETRY_LATER
    FileScan.objects.filter(pk=scan.pk).update(
        status=FileScan.Status.PENDING,
        attempts=attempts,
        last_error=str(error)[:2000],
        next_attempt_at=timezone.now() + wait,
    )
    # An error in the log is the alert: the file is safe (held) but nobody can use it.
    logger.error(
        "File %s is held in quarantine: the virus scanner failed (attempt %s, next in %s): %s",
        scan.name,
        attempts,
        wait,
        error,
    )


def _infected(scan: FileScan, signature: str) -> None:
    with transaction.atomic():
        locked = FileScan.objects.select_for_update().filter(pk=scan.pk).first()
        if locked is None or locked.status != FileScan.Status.SCANNING:
            return  # another worker recorded it
        locked.status = FileScan.Status.INFECTED
        locked.signature = signature[:200]
        locked.scanned_at = timezone.now()
        locked.save(update_fields=["status", "signature", "scanned_at"])
        QUARANTINE_KINDS.get(scan.kind)(
            InfectedFile(name=scan.name, object_id=scan.object_id, signature=signature)
        )
    _move_to_quarantine(scan.name)
    logger.warning("Virus %s found in %s: kept in quarantine", signature, scan.name)


def _move_to_quarantine(name: str) -> None:
    """Move an infected file's content out of the place it would be served from."""
    try:
        source = Path(default_storage.path(name))
    except NotImplementedError:
        default_storage.delete(name)  # storage without paths: nothing to keep
        return
    target = Path(settings.MEDIA_ROOT) / "quarantine" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        source.replace(target)
        target.chmod(0o600)


def files_scan_sweep() -> int:
    """Hand back files a crashed worker left "scanning"."""
    return FileScan.objects.filter(
        status=FileScan.Status.SCANNING, scan_started_at__lt=timezone.now() - STUCK_AFTER
    ).update(status=FileScan.Status.PENDING, next_attempt_at=timezone.now())


def files_forget(*, names: list[str]) -> None:
    """Files deleted with their owner's row no longer need holding."""
    FileScan.objects.filter(name__in=names).delete()


# Reads


def file_released(*, name: str) -> bool:
    """Whether a stored file may be served: never held, or scanned clean."""
    return not FileScan.objects.filter(name=name).exclude(status=FileScan.Status.CLEAN).exists()


def scan_status_of(field: str = "file") -> Subquery:
    """An annotation: the scan status of the file in `field` (None when never held), so
    list pages say which files are still being checked without another query."""
    return Subquery(FileScan.objects.filter(name=OuterRef(field)).values("status")[:1])


def file_scan_health() -> dict[str, Any]:
    """For /healthz: files waiting for the scanner, and whether it is failing."""
    waiting = FileScan.objects.filter(
        status__in=[FileScan.Status.PENDING, FileScan.Status.SCANNING]
    )
    failing = waiting.filter(attempts__gt=0)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "ok": not failing.exists(),
        "scanner": settings.COMMONWEAL_FILE_SCANNER or None,
        "waiting": waiting.count(),
        "failing": failing.count(),
        "oldest_waiting_seconds": round((timezone.now() - oldest).total_seconds(), 1)
        if oldest
        else None,
    }
