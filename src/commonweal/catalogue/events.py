"""What the catalogue tells other domains (see core.events)."""

from __future__ import annotations

from dataclasses import dataclass

from commonweal.accounts.selectors import User
from commonweal.core.events import DomainEvent

from .models import Service


@dataclass(frozen=True)
class ServiceStopped(DomainEvent):
    """Online applications for a service stopped: `how` is "paused" or "retired". Published
    once per change, in its transaction; the drafts people started are kept, and intake
    tells their owners."""

    service: Service
    how: str
    by: User | None
