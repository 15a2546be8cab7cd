from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "commonweal.api"
    label = "api"
    verbose_name = "API for integrations"

    def ready(self) -> None:
        from commonweal.core.housekeeping import HOUSEKEEPING

        from . import services

        HOUSEKEEPING.register("api_call_counts_pruned", services.api_call_counts_prune)
