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
        from commonweal.cases.events import ManyToBeTold, PersonToBeTold
        from commonweal.cases.registry import CASE_EXPORT_PARTS
        from commonweal.core import events, personal_data, worker_jobs
        from commonweal.core.quarantine import QUARANTINE_KINDS
        from commonweal.people.events import ContactDetailsChanged

        from . import case_notices, contact_changes, selectors, services

        # The person must hear about something on their case: the notice, their way.
        events.subscribe(PersonToBeTold, case_notices.case_notice_send)
        # Many people, one notice each about a case (the delay notices): in batches.
        events.subscribe(ManyToBeTold, case_notices.case_notices_send_many)

        # A changed email address, phone number or postal address: told at the old one.
        events.subscribe(ContactDetailsChanged, contact_changes.contact_change_heard)

        # An attachment the virus scanner finds infected: the team and the sender are told.
        QUARANTINE_KINDS.register(services.ATTACHMENT_KIND, services.attachment_infected)

        from . import channels

        # The built-in providers, then a deployment's own (COMMONWEAL_CHANNEL_PROVIDERS),
        # which may replace them.
        channels.channels_register_builtin()
        channels.channels_register_from_settings()

        from . import translation

        # Machine translation of templates: LibreTranslate (COMMONWEAL_TRANSLATION_PROVIDER).
        translation.providers_register_builtin()

        # The outbox: due messages handed to tasks every second; housekeeping.
        worker_jobs.dispatcher_add("messages", services.messages_dispatch, in_batch=True)
        worker_jobs.housekeeping_add("messages_requeued", services.messages_sweep)
        worker_jobs.housekeeping_add("message_statuses_asked", services.messages_poll_status)
        worker_jobs.housekeeping_add("portal_messages_unread", services.portal_unread_expire)
        worker_jobs.housekeeping_add("message_contents_deleted", services.message_content_expire)

        from django.utils.translation import gettext_lazy

        from . import erasure

        # Each case in the person's download lists its secure messages.
        CASE_EXPORT_PARTS.register("secure_messages", selectors.threads_for_export)
        personal_data.register_data_section(
            name="messages",
            title=gettext_lazy("Messages we sent you"),
            gather=messages_section,
            order=40,
        )
        # Retention: an emptied case's messages, notices and secure messages (with their
        # files) go first; a person left with nothing loses the notices about no case.
        personal_data.register_case_eraser("case_messages", erasure.case_messages_erase, order=10)
        personal_data.register_person_eraser(
            "person_messages", erasure.person_messages_erase, order=20
        )
