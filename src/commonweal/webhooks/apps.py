from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "commonweal.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from commonweal.core.housekeeping import HOUSEKEEPING

        from . import services

        # Deliveries a crashed worker left "sending" are handed back.
        HOUSEKEEPING.register("webhooks_requeued", services.deliveries_sweep)
