"""Background tasks of the ground floor. They only move `FileScan` rows on; the rows are the
truth."""

from django_tasks import task

from . import quarantine


@task()
def scan_files(scan_ids: list[str]) -> dict[str, int]:
    return quarantine.files_scan(scan_ids=scan_ids)
