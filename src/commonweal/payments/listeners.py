"""What payments do when a case changes: the listeners `PaymentsConfig.ready()` subscribes
to the cases app's events (they run inside the case's transaction)."""

from __future__ import annotations

from commonweal.cases.events import DecisionMade, OfferChanged

from . import services


def payment_on_decision(event: DecisionMade) -> None:
    """An approval's amount becomes a payment instruction with its decision."""
    services.payment_for_decision(decision=event.decision, case=event.case, by=event.by)


def payment_on_offer(event: OfferChanged) -> None:
    """An offer's answer releases its payment (accepted) or cancels it (anything else)."""
    services.payment_for_offer(offer=event.offer, case=event.case, by=event.by)
