from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "commonweal.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from commonweal.core import worker_jobs

        from . import services

        # The webhook outbox: due deliveries handed to tasks every second; housekeeping.
        worker_jobs.dispatcher_add("webhooks", services.deliveries_dispatch)
        worker_jobs.housekeeping_add("webhooks_requeued", services.deliveries_sweep)
