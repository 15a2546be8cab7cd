from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "commonweal.core"
    label = "core"
    verbose_name = "Core"
    default = True

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            quarantine,
            services,
            worker_jobs,
        )
        from .addresses import ADDRESS_PROVIDERS, local_file_provider
        from .files import FILE_RELEASE, FILE_SCANNERS, clamd_scanner

        FILE_SCANNERS.register("clamd", clamd_scanner)
        # A file in quarantine (waiting for the virus scanner, or infected) is not served.
        FILE_RELEASE.register("quarantine", quarantine.file_released)
        # Files waiting for the virus scanner: handed to tasks every second.
        worker_jobs.dispatcher_add("file_scans", quarantine.files_scan_dispatch, in_batch=True)
        worker_jobs.housekeeping_add("file_scans_requeued", quarantine.files_scan_sweep)
        ADDRESS_PROVIDERS.register("local-file", local_file_provider)
        worker_jobs.housekeeping_add("rate_limit_rows_pruned", services.rate_limits_prune)
        worker_jobs.housekeeping_add("stale_heartbeats_pruned", services.worker_heartbeats_prune)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site: administrators only, each seeing their own
    organisations' rows (core/admin_site.py)."""

    default = False
    default_site = "commonweal.core.admin_site.CommonwealAdminSite"
