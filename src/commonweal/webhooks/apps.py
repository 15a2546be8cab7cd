from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "commonweal.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from commonweal.cases.events import CaseChanged
        from commonweal.core import events, worker_jobs

        from . import listeners, services

        # Every change to a case that subscribed systems hear about, in its transaction.
        events.subscribe(CaseChanged, listeners.case_change_queue)
        # The webhook outbox: due deliveries handed to tasks every second.
        worker_jobs.dispatcher_add("webhooks", services.deliveries_dispatch)
        # Deliveries a crashed worker left "sending" are handed back.
        worker_jobs.housekeeping_add("webhooks_requeued", services.deliveries_sweep)
