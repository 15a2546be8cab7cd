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

from .registry import Registry


@dataclass(frozen=True)
class Dispatcher:
    run: Callable[[], object]
    in_batch: bool

    @property
    def implementation(self) -> Callable[[], object]:
        return self.run  # what `commonweal plugins` names


@dataclass(frozen=True)
class Periodic:
    run: Callable[[], object]
    every: datetime.timedelta
    at_batch_end: Callable[[], object] | None

    @property
    def implementation(self) -> Callable[[], object]:
        return self.run  # what `commonweal plugins` names


HOUSEKEEPING: Registry[Callable[[], object]] = Registry(
    "housekeeping", "Jobs the worker runs every few minutes, each returning what it did"
)
DISPATCHERS: Registry[Dispatcher] = Registry(
    "dispatchers", "Jobs the worker runs every second, handing due work to tasks"
)
PERIODIC: Registry[Periodic] = Registry(
    "periodic-jobs", "Jobs the worker runs at their own interval"
)


def housekeeping_add(name: str, job: Callable[[], object]) -> None:
    """Run `job` every few minutes; its result is logged as `name`. Adding a name again
    replaces the job (`ready()` may run more than once)."""
    HOUSEKEEPING.register(name, job, replace=True)


def dispatcher_add(name: str, job: Callable[[], object], *, in_batch: bool = False) -> None:
    """Run `job` every second; with `in_batch`, also until it hands out nothing in
    `commonweal worker --batch`."""
    DISPATCHERS.register(name, Dispatcher(run=job, in_batch=in_batch), replace=True)


def periodic_add(
    name: str,
    job: Callable[[], object],
    *,
    every: datetime.timedelta,
    at_batch_end: Callable[[], object] | None = None,
) -> None:
    """Run `job` every `every`, and `at_batch_end` once at the end of `--batch`."""
    PERIODIC.register(name, Periodic(run=job, every=every, at_batch_end=at_batch_end), replace=True)


def housekeeping() -> dict[str, Callable[[], object]]:
    return dict(HOUSEKEEPING.items())


def dispatchers() -> dict[str, Dispatcher]:
    return dict(DISPATCHERS.items())


def periodic() -> dict[str, Periodic]:
    return dict(PERIODIC.items())
