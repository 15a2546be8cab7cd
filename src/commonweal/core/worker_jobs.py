"""What the task worker (`commonweal worker`) runs besides tasks, added by each app from
its `AppConfig.ready()`, so that core's worker imports no other app.

- housekeeping: every few minutes; each job returns a count (or an id, or None) that the
  worker logs under the job's name.
- dispatchers: every second; each hands due work to tasks and returns how much it handed
  (truthy while there was some). With `--batch`, those added with `in_batch=True` run,
  one after another, until they hand out nothing, the worker running the tasks after each.
- periodic jobs: every `every`; `at_batch_end`, if given, runs once at the end of `--batch`.

Every job must be safe to run in several workers at once, and twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Dispatcher:
    run: Callable[[], object]
    in_batch: bool


@dataclass(frozen=True)
class Periodic:
    run: Callable[[], object]
    every: datetime.timedelta
    at_batch_end: Callable[[], object] | None


_HOUSEKEEPING: dict[str, Callable[[], object]] = {}
_DISPATCHERS: dict[str, Dispatcher] = {}
_PERIODIC: dict[str, Periodic] = {}


def housekeeping_add(name: str, job: Callable[[], object]) -> None:
    """Run `job` every few minutes; its result is logged as `name`. Adding a name again
    replaces the job (`ready()` may run more than once)."""
    _HOUSEKEEPING[name] = job


def dispatcher_add(name: str, job: Callable[[], object], *, in_batch: bool = False) -> None:
    """Run `job` every second; with `in_batch`, also until it hands out nothing in
    `commonweal worker --batch`."""
    _DISPATCHERS[name] = Dispatcher(run=job, in_batch=in_batch)


def periodic_add(
    name: str,
    job: Callable[[], object],
    *,
    every: datetime.timedelta,
    at_batch_end: Callable[[], object] | None = None,
) -> None:
    """Run `job` every `every`, and `at_batch_end` once at the end of `--batch`."""
    _PERIODIC[name] = Periodic(run=job, every=every, at_batch_end=at_batch_end)


def housekeeping() -> dict[str, Callable[[], object]]:
    return dict(_HOUSEKEEPING)


def dispatchers() -> dict[str, Dispatcher]:
    return dict(_DISPATCHERS)


def periodic() -> dict[str, Periodic]:
    return dict(_PERIODIC)
