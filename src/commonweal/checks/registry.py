"""The registry of automated checks.

A check is a function `check(case) -> dict` returning
`{"status": "green" | "amber" | "red" | "not_run", "reasons": [str], "evidence": dict}`. It
is registered under the name service definitions list in `checks:`:

    @register_check("duplicate-ni-number", label=gettext_lazy("Same NI number"))
    def duplicate_ni_number(case): ...

Every check lives in the `checks` registry (`CHECKS`), filled from the apps' `ready()`: the
checks app's built-ins (`builtin.py`, `due_diligence.py`), `eligibility-rules` from the
rules app, `person-match` from the person index. A deployment adds its own from its app's
`ready()` the same way, with `register_check`. A check only reads: it never changes the
case, and a red result is a referral to a person, never a refusal. Green means the check
looked and found nothing wrong: a check that could not look (nothing given to check, or
what it needs is not set up) answers "not_run" with a reason saying why, never green, so
nothing (automation above all) takes an unchecked case as checked. Reasons are best made
with `reasons.message` (see reasons.py), so each reader sees them in their own language. The runner
(`services.checks_run`) gives each check a time limit and records a crash or a time-out as
an "error" result instead of letting it stop the case.

`AFTER_CHECKS` (the `after-checks` registry) holds what runs once every check listed for a
case has a result, each `callback(case_id=...)` under a name: the rules app registers
"automation" (its policy considers the case). A failing one is logged and does not stop
the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from commonweal.core.registry import Registry

STATUSES = ("green", "amber", "red", "not_run")


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    run: Callable
    # Seconds; None takes COMMONWEAL_CHECK_TIMEOUT_SECONDS.
    timeout: float | None = None

    @property
    def implementation(self) -> Callable:
        return self.run


CHECKS: Registry[Check] = Registry(
    "checks", "Automated checks a service lists under `checks:`, run on each new case"
)
AFTER_CHECKS: Registry[Callable[..., None]] = Registry(
    "after-checks", "What runs once every check of a case has a result (automation)"
)


def register_check(name: str, *, label, timeout: float | None = None, run: Callable | None = None):
    """Register a check, from the providing app's `ready()`. Used as a decorator (in a
    module that `ready()` imports), or called with `run=`. Another function under a name
    already taken is refused (`DuplicateName`, a ValueError): unregister the built-in first
    to replace it."""

    def register(function: Callable) -> Callable:
        CHECKS.register(name, Check(name=name, label=label, run=function, timeout=timeout))
        return function

    if run is not None:
        return register(run)
    return register


def unregister_check(name: str) -> None:
    """For tests and deployments replacing a built-in check."""
    CHECKS.unregister(name)


def get_check(name: str) -> Check | None:
    """The check, or None: a service may list a check that is not installed (its run
    records an error)."""
    return CHECKS.find(name)


def check_names() -> list[str]:
    return CHECKS.names()


def unknown_checks(names) -> list[str]:
    """The names in a definition's `checks:` that no check is registered under."""
    known = set(check_names())
    return [name for name in names if name not in known]


class CheckOutcomeInvalid(Exception):
    """A check returned something that is not a result."""


def validated(outcome) -> dict:
    """The check's answer in the shape the runner records, or CheckOutcomeInvalid."""
    if not isinstance(outcome, dict):
        raise CheckOutcomeInvalid(f"a check must return a dict, not {type(outcome).__name__}")
    status = outcome.get("status")
    if status not in STATUSES:
        raise CheckOutcomeInvalid(f"unknown status {status!r}")
    reasons = outcome.get("reasons") or []
    if not isinstance(reasons, list | tuple):
        raise CheckOutcomeInvalid("reasons must be a list of sentences")
    if status == "not_run" and not reasons:
        raise CheckOutcomeInvalid("a check that did not run must say why in its reasons")
    evidence = outcome.get("evidence") or {}
    if not isinstance(evidence, dict):
        raise CheckOutcomeInvalid("evidence must be a dict")
    # Messages stay messages (the runner keeps them translatable); anything else is text.
    reasons = [reason if isinstance(reason, str) else str(reason) for reason in reasons]
    return {"status": status, "reasons": reasons, "evidence": evidence}
