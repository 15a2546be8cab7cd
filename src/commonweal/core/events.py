"""Domain events: how a change travels upward without an upward import.

The domain that owns a change names what happened in its `events.py`, as a frozen
dataclass subclassing `DomainEvent`, and publishes it from the service that made the
change, inside that service's transaction:

    events.publish(DecisionMade(case=case, decision=decision, by=by))

A domain that must react subscribes from its `AppConfig.ready()`:

    events.subscribe(DecisionMade, payment_for_decision)
    events.subscribe(CaseChanged, outbox_add)                     # same transaction
    events.subscribe(NoticeSent, start_delivery, after_commit=True)  # once it is committed

A listener runs synchronously, in the publisher's transaction, in the order listeners were
subscribed: its writes commit or roll back with the change that caused them, so nothing is
half-done (a decision without its payment, a case change without its webhook). A listener
that must only act on committed data (starting outside work, for instance) subscribes with
`after_commit=True` and runs after the outermost transaction commits, never if it rolls
back; if it fails, the failure is logged and the other listeners still run (the change
itself is already committed). Publishing outside a transaction is a programming error:
the listeners' writes would not be tied to the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction

E = TypeVar("E", bound="DomainEvent")


@dataclass(frozen=True)
class DomainEvent:
    """Base of every domain event. Subclasses are frozen dataclasses named in the past
    tense for what happened (`DecisionMade`, `OfferAnswered`)."""


class EventOutsideTransaction(RuntimeError):
    """`publish()` was called outside a transaction."""


@dataclass(frozen=True)
class Subscription:
    event_type: type[DomainEvent]
    listener: Callable[..., object]
    after_commit: bool


_SUBSCRIPTIONS: dict[type[DomainEvent], list[Subscription]] = defaultdict(list)


def subscribe(
    event_type: type[E], listener: Callable[[E], object], *, after_commit: bool = False
) -> None:
    """Call `listener(event)` for every `event_type` published. Subscribing the same
    listener twice is harmless (`ready()` may run more than once in tests)."""
    if not (isinstance(event_type, type) and issubclass(event_type, DomainEvent)):
        raise TypeError(f"{event_type!r} is not a DomainEvent subclass")
    subscription = Subscription(event_type, listener, after_commit)
    if subscription not in _SUBSCRIPTIONS[event_type]:
        _SUBSCRIPTIONS[event_type].append(subscription)


def unsubscribe(event_type: type[DomainEvent], listener: Callable[..., object]) -> None:
    _SUBSCRIPTIONS[event_type] = [
        subscription
        for subscription in _SUBSCRIPTIONS[event_type]
        if subscription.listener is not listener
    ]


def publish(event: DomainEvent) -> None:
    """Run the event's listeners now (in this transaction) or after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise EventOutsideTransaction(
            f"{type(event).__name__} published outside a transaction: publish from the "
            "service that makes the change, inside its transaction.atomic()"
        )
    for subscription in list(_SUBSCRIPTIONS.get(type(event), ())):
        if subscription.after_commit:
            transaction.on_commit(_deferred(subscription.listener, event), robust=True)
        else:
            subscription.listener(event)


def _deferred(listener: Callable[..., object], event: DomainEvent) -> Callable[[], object]:
    def run_listener() -> object:
        return listener(event)

    # Django names the function when it logs a failure.
    run_listener.__qualname__ = getattr(listener, "__qualname__", repr(listener))
    return run_listener


def subscriptions() -> list[Subscription]:
    """Every subscription, for `commonweal plugins` and tests."""
    return [
        subscription
        for event_type in sorted(_SUBSCRIPTIONS, key=lambda kind: kind.__qualname__)
        for subscription in _SUBSCRIPTIONS[event_type]
    ]
