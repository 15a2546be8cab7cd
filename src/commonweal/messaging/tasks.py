"""Background tasks for messages. Each only moves outbox rows on; the rows are the truth."""

from django_tasks import task

from . import services


@task()
def deliver_messages(message_ids: list[str]) -> dict:
    return services.messages_deliver(message_ids=message_ids)


@task()
def run_bulk_send(bulk_send_id: int) -> int:
    return services.bulk_send_run(bulk_send_id=bulk_send_id)
