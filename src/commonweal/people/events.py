"""What happens to a person's record that other domains react to (see
`commonweal.core.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commonweal.core.events import DomainEvent

from .models import Person


@dataclass(frozen=True)
class ContactDetailsChanged(DomainEvent):
    """Someone's email address, phone number or postal address changed, in this
    transaction. `changes` maps each changed field to [old, new] (the address as a dict of
    its parts); `case_reference` names the case it was changed on, if any."""

    person: Person
    changes: dict
    case_reference: str = ""
    by: Any = None
