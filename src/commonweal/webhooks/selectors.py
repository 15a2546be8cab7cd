"""Reading webhooks: subscriptions and their delivery history, per organisation."""

from __future__ import annotations

from .models import Subscription, WebhookDelivery


def subscriptions_for(*, organisation_id: int) -> list[Subscription]:
    return list(Subscription.objects.filter(organisation_id=organisation_id).order_by("url"))


def deliveries_for(*, organisation_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """The organisation's latest deliveries, newest first, with their subscription: status,
    attempts, last status code and error, and when each was made, tried and delivered."""
    return list(
        WebhookDelivery.objects.filter(subscription__organisation_id=organisation_id)
        .select_related("subscription")
        .order_by("-created_at", "pk")[:limit]
    )
