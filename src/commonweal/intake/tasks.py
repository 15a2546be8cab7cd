"""Background tasks for intake. They only move `FileScan` rows on; the rows are the truth."""

from django_tasks import task

from . import services


@task()
def scan_files(scan_ids: list[str]) -> dict:
    return services.files_scan(scan_ids=scan_ids)
