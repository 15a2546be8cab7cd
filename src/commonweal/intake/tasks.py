"""Background tasks for intake.

The virus scanner's task moved to `core.tasks`; this name stays for tasks queued before the
move, so none is lost on an upgrade."""

from django_tasks import task

from commonweal.core import quarantine


@task()
def scan_files(scan_ids: list[str]) -> dict:
    return quarantine.files_scan(scan_ids=scan_ids)
