"""Background tasks for messages. Each only moves an outbox row on; the row is the truth."""

from django_tasks import task

from . import services


@task()
def deliver_message(message_id: str) -> str:
    return services.message_deliver(message_id=message_id)
