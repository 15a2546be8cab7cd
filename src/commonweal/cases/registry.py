"""What cases ask other apps without importing them: the `sharing-consent` registry.

The app that keeps consents (rights) registers, from its `AppConfig.ready()`, a function
`(person_id) -> bool` under "provider": whether the person agreed to their details going to
a provider (a charity or contractor) their case is referred to."""

from __future__ import annotations

from collections.abc import Callable

from commonweal.core.registry import Registry

SHARING_CONSENT: Registry[Callable[[int], bool]] = Registry(
    "sharing-consent", "Whether a person agreed to share their details, by purpose"
)
