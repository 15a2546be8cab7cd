"""What cases ask other apps without importing them (each answers from its `ready()`).

- `sharing-consent`: the app that keeps consents (rights) registers a function
  `(person_id) -> bool` under "provider": whether the person agreed to their details going
  to a provider (a charity or contractor) their case is referred to.
- `check-reads`: the checks app registers what cases read of a case's automated checks:
  "red-check-exists" (a filter expression for case querysets, so the queue's red flag costs
  no extra query), "has-red-check" (`case_id=`, a bool: an approval over a red check needs
  a team leader) and "current-results" (`case_id=`, the newest result of each check).
- `case-export-parts`: what other apps add to each case in the person's download, by the
  key it has there: messaging registers "secure_messages". Each is called once with
  `case_ids=` and returns, for every one of those ids, a list of JSON-ready items.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commonweal.core.registry import Registry

SHARING_CONSENT: Registry[Callable[[int], bool]] = Registry(
    "sharing-consent", "Whether a person agreed to share their details, by purpose"
)

CHECK_READS: Registry[Callable[..., Any]] = Registry(
    "check-reads", "What cases read of a case's automated checks, from the checks app"
)

CASE_EXPORT_PARTS: Registry[Callable[..., dict[int, list[dict[str, Any]]]]] = Registry(
    "case-export-parts", "What other apps add to each case in the person's download"
)
