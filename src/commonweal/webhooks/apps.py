from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "commonweal.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
