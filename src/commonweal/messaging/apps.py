from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "commonweal.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from commonweal.core import worker_jobs
        from commonweal.people import services as people_services

        from . import services

        # A changed email address, phone number or postal address: told at the old one.
        people_services.contact_change_listener_add(services.contact_change_tell)
        # The outbox: due messages handed to tasks every second; housekeeping.
        worker_jobs.dispatcher_add("messages", services.messages_dispatch, in_batch=True)
        worker_jobs.housekeeping_add("messages_requeued", services.messages_sweep)
        worker_jobs.housekeeping_add("message_statuses_asked", services.messages_poll_status)
        worker_jobs.housekeeping_add("portal_messages_unread", services.portal_unread_expire)
        worker_jobs.housekeeping_add("message_contents_deleted", services.message_content_expire)
