from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "commonweal.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from commonweal.cases.events import CaseChanged
        from commonweal.core import events

        from . import listeners

        # Every change to a case that subscribed systems hear about, in its transaction.
        events.subscribe(CaseChanged, listeners.case_change_queue)
