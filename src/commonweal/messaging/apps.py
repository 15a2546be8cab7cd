from django.apps import AppConfig


def messages_section(person, language):
    """The person's download: the messages we sent them."""
    from . import selectors

    return selectors.messages_for_export(person=person)


class MessagingConfig(AppConfig):
    name = "commonweal.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from commonweal.people import services as people_services

        from . import services

        # A changed email address, phone number or postal address: told at the old one.
        people_services.contact_change_listener_add(services.contact_change_tell)

        from . import channels

        # The built-in providers, then a deployment's own (COMMONWEAL_CHANNEL_PROVIDERS),
        # which may replace them.
        channels.channels_register_builtin()
        channels.channels_register_from_settings()

        from commonweal.core.housekeeping import HOUSEKEEPING

        HOUSEKEEPING.register("messages_requeued", services.messages_sweep)
        HOUSEKEEPING.register("message_statuses_asked", services.messages_poll_status)
        HOUSEKEEPING.register("portal_messages_unread", services.portal_unread_expire)
        HOUSEKEEPING.register("message_contents_deleted", services.message_content_expire)

        from django.utils.translation import gettext_lazy

        from commonweal.rights import selectors as rights_selectors
        from commonweal.rights import services as rights_services

        from . import erasure

        rights_selectors.register_data_section(
            name="messages",
            title=gettext_lazy("Messages we sent you"),
            gather=messages_section,
            order=40,
        )
        # Retention: an emptied case's messages, notices and secure messages (with their
        # files) go first; a person left with nothing loses the notices about no case.
        rights_services.register_case_eraser("case_messages", erasure.case_messages_erase, order=10)
        rights_services.register_person_eraser(
            "person_messages", erasure.person_messages_erase, order=20
        )
