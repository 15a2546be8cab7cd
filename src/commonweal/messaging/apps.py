from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "commonweal.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from commonweal.cases.events import PersonToBeTold
        from commonweal.core import events, worker_jobs
        from commonweal.people.events import ContactDetailsChanged

        from . import case_notices, contact_changes, services

        # The person must hear about something on their case: the notice, their way.
        events.subscribe(PersonToBeTold, case_notices.case_notice_send)

        # A changed email address, phone number or postal address: told at the old one.
        events.subscribe(ContactDetailsChanged, contact_changes.contact_change_heard)
        # The outbox: due messages handed to tasks every second; housekeeping.
        worker_jobs.dispatcher_add("messages", services.messages_dispatch, in_batch=True)
        worker_jobs.housekeeping_add("messages_requeued", services.messages_sweep)
        worker_jobs.housekeeping_add("message_statuses_asked", services.messages_poll_status)
        worker_jobs.housekeeping_add("portal_messages_unread", services.portal_unread_expire)
        worker_jobs.housekeeping_add("message_contents_deleted", services.message_content_expire)
