"""What intake asks other apps without importing them: the `reuse-consent` registry.

The app that keeps consents (rights) registers, from its `AppConfig.ready()`, a function
`(person_id) -> "given" | "refused" | "not_asked"` under "answers": the person's answer to
reusing the details we hold in a new application. With nothing registered, the journey
treats it as not asked (it keeps the details until the journey has asked)."""

from __future__ import annotations

from collections.abc import Callable

from commonweal.core.registry import Registry

GIVEN, REFUSED, NOT_ASKED = "given", "refused", "not_asked"

REUSE_CONSENT: Registry[Callable[[int], str]] = Registry(
    "reuse-consent",
    "A person's answer to reusing the details we hold, from the app keeping consents",
)


def answer_reuse_state(person_id: int) -> str:
    state = REUSE_CONSENT.find("answers")
    return NOT_ASKED if state is None else state(person_id)
