"""Background tasks for messages. Each only moves outbox rows on; the rows are the truth."""

from django_tasks import task

from . import services


@task()
def deliver_messages(message_ids: list[str]) -> dict:
    return services.messages_deliver(message_ids=message_ids)
