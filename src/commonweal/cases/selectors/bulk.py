"""Reads for bulk actions on the team queue: the cases a member of staff may change
together, and whether a case may move to a stage (the rule the single move and the bulk
move share)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from commonweal.catalogue import selectors as catalogue

from ..models import Case, CaseEvent
from .staff import case_access_q

if TYPE_CHECKING:
    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.organisations.selectors import StaffContext

__all__ = ["BULK_MAX_CASES", "bulk_batch_done", "bulk_cases", "stage_move_refusal"]

# The most cases one bulk action changes (a page of the queue holds far fewer).
BULK_MAX_CASES = 500


def bulk_cases(*, context: StaffContext, case_ids: list[int]) -> list[Case]:
    """The open cases among `case_ids` this member of staff may change (their teams' cases,
    or their organisation's for those who work organisation-wide; never cases only referred
    to them), by reference, with their person, assignee and service definition: one query
    for the cases and at most one for the definitions, however many there are."""
    ids = sorted(set(case_ids))[:BULK_MAX_CASES]
    if not ids:
        return []
    cases = list(
        catalogue.without_bulky_version_fields(
            Case.objects.filter(
                case_access_q(context, referrals=False), pk__in=ids, closed_at__isnull=True
            ).select_related("person", "assigned_to", "version", "service", "application")
        ).order_by("reference")
    )
    catalogue.definitions_for([case.version for case in cases])
    return cases


def stage_move_refusal(case: Case, definition: ServiceDefinition, stage_id: str) -> str | None:
    """Why this case cannot move to `stage_id` by hand (None: it can), in words for the
    member of staff: only the stages its service allows from where it is, and a final stage
    only by a decision."""
    if case.closed_at is not None:
        return _("This case is closed: a decision has been made.")
    if stage_id == case.stage:
        return _("It is already at this stage.")
    if stage_id in {stage.id for stage in definition.next_stages(case.stage)}:
        return None
    target = definition.stage(stage_id)
    current = definition.stage(case.stage)
    if target is None:
        return _("Its service has no such stage.")
    if target.final:
        return _("A case reaches “%(stage)s” by a decision: use Make a decision.") % {
            "stage": target.title.text("en")
        }
    return _("A case cannot move from “%(from)s” to that stage.") % {
        "from": current.title.text("en") if current else case.stage
    }


def bulk_batch_done(*, case_ids: list[int], batch: str) -> bool:
    """Whether a bulk action with this one-time token was already done on these cases (a
    second click on Confirm)."""
    if not batch:
        return False
    return CaseEvent.objects.filter(case_id__in=case_ids, data__batch=batch).exists()
