"""Background tasks for webhooks. They only move outbox rows on; the rows are the truth."""

from django_tasks import task

from . import services


@task()
def deliver_webhooks(delivery_ids: list[str]) -> dict:
    return services.deliveries_deliver(delivery_ids=delivery_ids)
