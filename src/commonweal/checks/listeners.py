"""What the checks do when a case changes: the listeners `ChecksConfig.ready()` subscribes
to the cases app's events."""

from __future__ import annotations

from commonweal.cases.events import CaseOpened

from . import services


def checks_on_case_opened(event: CaseOpened) -> None:
    """A new case's checks are queued in its submission's transaction (the task row is the
    outbox: written with the case or not at all); the worker runs them once it commits."""
    services.checks_enqueue(case_id=event.case.pk)
