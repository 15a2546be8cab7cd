from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "commonweal.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from commonweal.cases.events import PersonToBeTold
        from commonweal.core import events
        from commonweal.people.events import ContactDetailsChanged

        from . import case_notices, contact_changes

        # The person must hear about something on their case: the notice, their way.
        events.subscribe(PersonToBeTold, case_notices.case_notice_send)

        # A changed email address, phone number or postal address: told at the old one.
        events.subscribe(ContactDetailsChanged, contact_changes.contact_change_heard)
