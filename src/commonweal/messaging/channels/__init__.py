"""Message channels: a small registry, so a deployment can add its own.

A channel delivers one kind of message (email, text message, letter, portal, phone call)
through one provider. The worker hands it messages that are already rendered (subject and
body in the person's language, recipient address) and records what it answers:

- return `Sent(provider_reference=..., delivered=False)`: handed to the provider; the final
  status arrives later (a callback, or `check_status` polling). `delivered=True` when
  handing over is delivery (the development log, the portal).
- raise `TemporaryFailure`: try again later, with back-off, for up to the retry period.
- raise `PermanentFailure`: this address or number will never work; the notice moves on to
  the person's next channel.

`send` receives the message's own id as `idempotency_key`: a provider that supports one
must use it, so a message sent again after a worker died is not delivered twice.

Which provider serves each kind is a setting, `COMMONWEAL_CHANNELS`, for example
`{"email": "smtp", "sms": "notify", "letter": "print", "portal": "portal", "phone": "task"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

KINDS = ("portal", "email", "sms", "letter", "phone")


@dataclass(frozen=True)
class Sent:
    provider_reference: str = ""
    delivered: bool = False


@dataclass(frozen=True)
class Status:
    """What a provider says now about a message it was given."""

    # "sending" (no news yet), "delivered", "failed" (permanent), "temporary-failure",
    # "returned" (a letter came back)
    status: str
    reason: str = ""


class TemporaryFailure(Exception):
    """The provider could not take it now (down, rate limited, a time-out)."""


class PermanentFailure(Exception):
    """This message will never reach the person this way (an address that does not exist).
    `address_failed=False` when the address is not to blame (a letter nobody can post)."""

    def __init__(self, *args, address_failed: bool = True):
        super().__init__(*args)
        self.address_failed = address_failed


class OutgoingMessage(Protocol):
    """What a channel is given (a `Message` row satisfies it)."""

    id: object
    kind: str  # email, sms, letter, portal, phone
    to_address: str  # email address, E.164 phone number, or the letter's address lines
    subject: str
    body: str
    language: str  # en, cy or both
    provider_reference: str


class Channel(Protocol):
    name: str  # the provider's name in settings, e.g. "smtp"
    kinds: tuple[str, ...]  # which kinds it can send

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Sent: ...

    def check_status(self, message: OutgoingMessage) -> Status | None:
        """Ask the provider; None when it has nothing to say (or cannot be asked)."""
        ...


_REGISTRY: dict[str, str] = {
    "log": "commonweal.messaging.channels.basic.LogChannel",
    "smtp": "commonweal.messaging.channels.basic.SmtpChannel",
    "portal": "commonweal.messaging.channels.basic.PortalChannel",
    "task": "commonweal.messaging.channels.basic.PhoneTaskChannel",
    "print": "commonweal.messaging.channels.basic.PrintChannel",
    "notify": "commonweal.messaging.channels.notify.NotifyChannel",
}
_instances: dict[str, Channel] = {}


def register(name: str, dotted_path: str) -> None:
    """Add (or replace) a provider; `dotted_path` names a class with no-argument init."""
    _REGISTRY[name] = dotted_path
    _instances.pop(name, None)


def _registry() -> dict[str, str]:
    """The built-in providers and those a deployment adds in COMMONWEAL_CHANNEL_PROVIDERS."""
    return {**_REGISTRY, **getattr(settings, "COMMONWEAL_CHANNEL_PROVIDERS", {})}


def provider_for(kind: str) -> str:
    return settings.COMMONWEAL_CHANNELS[kind]


def channel(name: str) -> Channel:
    if name not in _instances:
        _instances[name] = import_string(_registry()[name])()
    return _instances[name]


def channel_for(kind: str) -> Channel:
    return channel(provider_for(kind))
