from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "commonweal.intake"
    label = "intake"
    verbose_name = "Applications"

    def ready(self) -> None:
        from django.conf import settings

        from commonweal.core import worker_jobs

        from . import services

        # Files waiting for the virus scanner: handed to tasks every second.
        worker_jobs.dispatcher_add("file_scans", services.files_scan_dispatch, in_batch=True)
        worker_jobs.housekeeping_add("file_scans_requeued", services.files_scan_sweep)
        worker_jobs.housekeeping_add(
            "drafts_expired",
            lambda: services.drafts_expire(
                older_than_days=settings.COMMONWEAL_DRAFT_RETENTION_DAYS
            ),
        )
