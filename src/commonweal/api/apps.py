from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "commonweal.api"
    label = "api"
    verbose_name = "API for integrations"

    def ready(self) -> None:
        from commonweal.core import worker_jobs

        from . import services

        worker_jobs.housekeeping_add("api_call_counts_pruned", services.api_call_counts_prune)
