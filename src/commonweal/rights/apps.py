from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "commonweal.rights"
    label = "rights"
    verbose_name = "Data rights: download, corrections, consent and retention"

    def ready(self) -> None:
        from commonweal.core import worker_jobs

        from . import services

        # Once a night the first worker to claim the day queues the retention run as a task
        # (the run's id; None on every other pass).
        worker_jobs.housekeeping_add("retention_run_queued", services.retention_run_nightly)
