from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "commonweal.core"
    label = "core"
    verbose_name = "Core"
    default = True

    def ready(self) -> None:
        from . import checks, services, worker_jobs  # noqa: F401  (checks: the system checks)

        # The worker's housekeeping (core/worker_jobs.py).
        worker_jobs.housekeeping_add("rate_limit_rows_pruned", services.rate_limits_prune)
        worker_jobs.housekeeping_add("stale_heartbeats_pruned", services.worker_heartbeats_prune)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site: administrators only, each seeing their own
    organisations' rows (core/admin_site.py)."""

    default = False
    default_site = "commonweal.core.admin_site.CommonwealAdminSite"
