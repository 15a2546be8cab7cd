"""The background task that runs a case's checks; `services.checks_run` does the work."""

from django_tasks import task

from . import services


@task()
def run_checks(run_id: int | None = None, case_id: int | None = None) -> dict:
    """A requested run (`run_id`), or the run a submission queued (`case_id`): its CheckRun
    is written here, so a submission writes only this task's row."""
    if run_id is None:
        run_id = services.check_run_start(case_id=case_id).pk
    results = services.checks_run(run_id=run_id)
    return {result.check_name: result.status for result in results}
