from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "commonweal.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from commonweal.people import services as people_services

        from . import services

        # A changed email address, phone number or postal address: told at the old one.
        people_services.contact_change_listener_add(services.contact_change_tell)
