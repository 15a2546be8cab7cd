"""What happens to a case that other domains react to. `cases` publishes these from its
services, inside their transactions (see `commonweal.core.events`); it never calls the
apps that listen: messaging tells the person, webhooks tell subscribed systems, payments
instruct or cancel payments, checks queue a new case's checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from commonweal.core.events import DomainEvent

from .models import Case, Decision, Offer


@dataclass(frozen=True)
class CaseOpened(DomainEvent):
    """A submitted application became a case (in the submission's transaction)."""

    case: Case


@dataclass(frozen=True)
class CaseChanged(DomainEvent):
    """Something subscribed systems hear about: `event_type` is the webhook's type
    (`application.submitted`, `case.stage_changed`, `case.decided`, `offer.made`...)."""

    case: Case
    event_type: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PersonToBeTold(DomainEvent):
    """The person must hear about something on their case: `notice` names the notice
    (its templates say the words); `extra_for(language)` gives the notice's own
    placeholders, worded in the person's language."""

    case: Case
    notice: str
    by: Any = None
    definition: Any = None
    extra_for: Callable[[str], dict] | None = None


@dataclass(frozen=True)
class DecisionMade(DomainEvent):
    """A decision was recorded (a first one, a correction or a second look)."""

    decision: Decision
    case: Case
    by: Any = None


@dataclass(frozen=True)
class OfferChanged(DomainEvent):
    """An offer was answered, expired or was withdrawn."""

    offer: Offer
    case: Case
    by: Any = None


@dataclass(frozen=True)
class ManyToBeTold(DomainEvent):
    """Many people must hear the same notice, each about one case of theirs (work done in
    batches, such as the delay notices): `extra_for(case, language)` gives a case's own
    placeholders in the person's language. Messaging writes the notices in batches."""

    cases: list[Case]
    notice: str
    extra_for: Callable[[Case, str], dict] | None = None
