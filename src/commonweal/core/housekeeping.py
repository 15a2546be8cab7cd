"""The worker's housekeeping: jobs that must run every few minutes even if nobody asks
(re-queueing messages a crashed worker left behind, expiring old drafts and offers not
answered in time, pruning counters).

Each app that has such a job registers it from its `AppConfig.ready()`, under the name its
count is logged as:

    HOUSEKEEPING.register("drafts_expired", services.drafts_expire_due)

A job takes no arguments, is safe to run twice (several workers may run it), and returns
what it did (a count, or None when there was nothing to do). `commonweal worker` runs them
all, in the order of their names, every few minutes.
"""

from __future__ import annotations

from collections.abc import Callable

from .registry import Registry

HOUSEKEEPING: Registry[Callable[[], object]] = Registry(
    "housekeeping", "Jobs the worker runs every few minutes, each returning what it did"
)


def housekeeping_run() -> dict:
    """Every job once; what each did, by name."""
    return {name: job() for name, job in HOUSEKEEPING.items()}
