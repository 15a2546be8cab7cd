from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "commonweal.messaging"
    label = "messaging"
    verbose_name = "Messages"
