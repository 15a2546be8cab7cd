"""The registry of automated checks.

A check is a function `check(case) -> dict` returning
`{"status": "green" | "amber" | "red" | "not_run", "reasons": [str], "evidence": dict}`. It
is registered under the name service definitions list in `checks:`:

    @register_check("duplicate-ni-number", label=gettext_lazy("Same NI number"))
    def duplicate_ni_number(case): ...

A deployment adds its own from its app's `ready()`. A check only reads: it never changes the
case, and a red result is a referral to a person, never a refusal. Green means the check
looked and found nothing wrong: a check that could not look (nothing given to check, or
what it needs is not set up) answers "not_run" with a reason saying why, never green, so
nothing (automation above all) takes an unchecked case as checked. Reasons are best made
with `reasons.message` (see reasons.py), so each reader sees them in their own language. The runner
(`services.checks_run`) gives each check a time limit and records a crash or a time-out as
an "error" result instead of letting it stop the case.

`after_checks(callback)` registers `callback(case_id=...)`, called once every check listed
for a case has a result (for example, to let automation consider the case).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

STATUSES = ("green", "amber", "red", "not_run")


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    run: Callable
    # Seconds; None takes COMMONWEAL_CHECK_TIMEOUT_SECONDS.
    timeout: float | None = None


_checks: dict[str, Check] = {}
_after_checks: list[Callable] = []
_builtins_loaded = False


def register_check(name: str, *, label, timeout: float | None = None, run: Callable | None = None):
    """Register a check. Used as a decorator, or called with `run=`."""

    def register(function: Callable) -> Callable:
        if name in _checks and _checks[name].run is not function:
            raise ValueError(f"a check called {name!r} is already registered")
        _checks[name] = Check(name=name, label=label, run=function, timeout=timeout)
        return function

    if run is not None:
        return register(run)
    return register


def unregister_check(name: str) -> None:
    """For tests and deployments replacing a built-in check."""
    _checks.pop(name, None)


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        from . import builtin, due_diligence  # noqa: F401  (they register themselves)


def get_check(name: str) -> Check | None:
    _load_builtins()
    return _checks.get(name)


def check_names() -> list[str]:
    _load_builtins()
    return sorted(_checks)


def unknown_checks(names) -> list[str]:
    """The names in a definition's `checks:` that no check is registered under."""
    known = set(check_names())
    return [name for name in names if name not in known]


def after_checks(callback: Callable) -> Callable:
    """Call `callback(case_id=...)` after every check of a case has a result."""
    if callback not in _after_checks:
        _after_checks.append(callback)
    return callback


def after_checks_callbacks() -> list[Callable]:
    return list(_after_checks)


def remove_after_checks(callback: Callable) -> None:
    if callback in _after_checks:
        _after_checks.remove(callback)


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
