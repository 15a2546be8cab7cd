"""The webhook outbox's side of the cases app's events: what happened to a case goes to
the organisation's subscribed systems, queued in the case's own transaction."""

from __future__ import annotations

from commonweal.cases.events import CaseChanged
from commonweal.organisations import selectors as organisations

from . import services


def case_change_queue(event: CaseChanged) -> None:
    case = event.case
    if case.team_id is None:
        return
    services.event_publish(
        organisation_id=organisations.organisation_of_team(team_id=case.team_id),
        event_type=event.event_type,
        subject=case.reference,
        data=event.data,
    )
