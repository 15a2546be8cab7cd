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

Providers live in the `channels` registry (`CHANNELS`), by name, each a class whose
instance (made with no arguments, once per process) sends. The messaging app registers the
built-in ones from its `AppConfig.ready()`; an app of a deployment registers its own the same
way (`CHANNELS.register("mybulk", MyBulkChannel)`), or the deployment names classes in the
`COMMONWEAL_CHANNEL_PROVIDERS` setting ("name=package.module.Class,…"): those are imported
and registered, with `replace=True`, in the same `ready()`, after the built-ins, so a
deployment can replace one; a class that cannot be imported stops the start with a clear
error rather than failing at the first message. (The setting is read once, at start: a
test that needs a provider of its own uses `CHANNELS.overridden(name, cls)`.)

Which provider serves each kind is a setting, `COMMONWEAL_CHANNELS`, for example
`{"email": "smtp", "sms": "notify", "letter": "print", "portal": "portal", "phone": "task"}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from commonweal.core.registry import Registry

KINDS = ("portal", "email", "sms", "letter", "phone")


@dataclass(frozen=True)
class Sent:
    """What a provider did with a message. A channel only reports; the delivery service
    writes the message row from it."""

    provider_reference: str = ""
    delivered: bool = False
    # Letters: the stored PDF's name and the print batch it went into.
    letter_pdf: str = ""
    print_batch_id: int | None = None


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
    """What a channel is given (a `Message` row satisfies it). Channels only read it, so
    the members are read-only: a row's `kind` is a property and its `id` a UUID."""

    @property
    def id(self) -> object: ...

    @property
    def kind(self) -> str: ...  # email, sms, letter, portal, phone

    # An email address, an E.164 phone number, or the letter's address lines.
    @property
    def to_address(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def language(self) -> str: ...  # en, cy, both, or another ISO 639-1 code

    @property
    def provider_reference(self) -> str: ...


class Channel(Protocol):
    name: str  # the provider's name in settings, e.g. "smtp"
    kinds: tuple[str, ...]  # which kinds it can send

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Sent: ...

    def check_status(self, message: OutgoingMessage) -> Status | None:
        """Ask the provider; None when it has nothing to say (or cannot be asked)."""
        ...


CHANNELS: Registry[Callable[[], Channel]] = Registry(
    "channels",
    "Message providers by name; COMMONWEAL_CHANNELS picks one for each kind of message, "
    "COMMONWEAL_CHANNEL_PROVIDERS adds a deployment's own",
)
# One instance of each provider class per process.
_instances: dict[object, Channel] = {}


def channels_register_builtin() -> None:
    """The providers that come with the platform (from the messaging app's `ready()`)."""
    from .basic import (
        LogChannel,
        PhoneTaskChannel,
        PortalChannel,
        PrintChannel,
        SmtpChannel,
    )
    from .notify import NotifyChannel

    for provider in (
        LogChannel,
        SmtpChannel,
        PortalChannel,
        PhoneTaskChannel,
        PrintChannel,
        NotifyChannel,
    ):
        CHANNELS.register(provider.name, provider)


def channels_register_from_settings() -> None:
    """A deployment's own providers, from COMMONWEAL_CHANNEL_PROVIDERS (name -> dotted path
    of a class with no-argument init); each may replace a built-in of the same name."""
    for name, dotted_path in getattr(settings, "COMMONWEAL_CHANNEL_PROVIDERS", {}).items():
        try:
            provider = import_string(dotted_path)
        except ImportError as error:
            raise ImproperlyConfigured(
                f"COMMONWEAL_CHANNEL_PROVIDERS: cannot import {dotted_path!r} for {name!r}: {error}"
            ) from error
        CHANNELS.register(name, provider, replace=True)


def register(name: str, provider) -> None:
    """Add (or replace) a provider: a class, or the dotted path of one. Kept for existing
    callers; new code calls `CHANNELS.register(name, cls)` from its app's `ready()`."""
    if isinstance(provider, str):
        provider = import_string(provider)
    CHANNELS.register(name, provider, replace=True)


def provider_for(kind: str) -> str:
    return settings.COMMONWEAL_CHANNELS[kind]


def channel(name: str) -> Channel:
    """The provider registered as `name` (`UnknownName`, a LookupError, if none is)."""
    provider = CHANNELS.get(name)
    if provider not in _instances:
        _instances[provider] = provider()
    return _instances[provider]


def channel_for(kind: str) -> Channel:
    return channel(provider_for(kind))
