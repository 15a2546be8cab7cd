"""The background task that runs a case's checks; `services.checks_run` does the work."""

from django_tasks import task

from . import services


@task()
def run_checks(run_id: int) -> dict:
    results = services.checks_run(run_id=run_id)
    return {result.check_name: result.status for result in results}
