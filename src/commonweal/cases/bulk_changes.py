"""Changes to many cases at once, from the queue's bulk actions: assign, move to a stage,
and the history of a saved message sent to each. Each works in a few statements however many
cases there are, in one transaction, and carries the confirmation page's one-time token
(`batch`) into each case's history, so the same confirmation done twice changes nothing the
second time. Re-exported by `services`, which other apps import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.accounts.selectors import User
from commonweal.catalogue import selectors as catalogue
from commonweal.core.events import publish
from commonweal.organisations import selectors as organisations

from . import services as _cases
from .events import ManyToBeTold
from .models import Case, CaseEvent
from .selectors.bulk import BULK_MAX_CASES, bulk_batch_done, stage_move_refusal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.organisations.selectors import StaffContext


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk action did: the cases it changed, those it left as they were (case id:
    why, in words for the member of staff), and whether it had been done already (the
    same one-time token: a second click on Confirm)."""

    changed: list[int] = field(default_factory=list)
    unchanged: dict[int, str] = field(default_factory=dict)
    repeated: bool = False


def _bulk_ids(case_ids: list[int], empty: StrOrPromise) -> list[int]:
    case_ids = sorted(set(case_ids))
    if not case_ids:
        raise _cases.CaseActionRefused(empty, field="cases")
    if len(case_ids) > BULK_MAX_CASES:
        raise _cases.CaseActionRefused(
            _("Select %(count)s cases or fewer.") % {"count": BULK_MAX_CASES}, field="cases"
        )
    return case_ids


def _bulk_teams(context: StaffContext) -> set[int]:
    """The teams whose cases this member of staff may change in bulk."""
    return context.work_team_ids | _cases._led_org_teams(context)


def cases_bulk_assign(
    *, case_ids: list[int], assignee_id: int, by: User, context: StaffContext, batch: str = ""
) -> BulkOutcome:
    """Assign many cases at once, all or none: every case must be open, one the assigner may
    work, and in a team the assignee belongs to. A few statements whatever the number.
    `batch` is the confirmation page's one-time token: done once, it does nothing again."""
    case_ids = _bulk_ids(case_ids, _("Select at least one case to assign."))
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update()
            .filter(pk__in=case_ids, team_id__in=_bulk_teams(context))
            .values_list("pk", "team_id", "closed_at", "assigned_to_id")
        )
        if len(cases) != len(case_ids):
            raise _cases.CaseActionRefused(
                _("Some of the selected cases are not in your teams' queues."), field="cases"
            )
        if bulk_batch_done(case_ids=case_ids, batch=batch):
            return BulkOutcome(repeated=True)
        if any(closed for _pk, _team, closed, _assigned in cases):
            raise _cases.CaseActionRefused(
                _("Some of the selected cases are closed."), field="cases"
            )
        teams = {team for _pk, team, _closed, _assigned in cases}
        for team_id in teams:
            if not organisations.is_team_member(user_id=assignee_id, team_id=team_id):
                raise _cases.CaseActionRefused(
                    _("You can only assign cases to someone in the team that holds them."),
                    field="assignee",
                )
        changing = [
            (pk, assigned) for pk, _team, _closed, assigned in cases if assigned != assignee_id
        ]
        Case.objects.filter(pk__in=[pk for pk, _assigned in changing]).update(
            assigned_to_id=assignee_id, revision=F("revision") + 1
        )
        _cases.case_events_record_many(
            kind=CaseEvent.Kind.ASSIGNED,
            visible_to_person=False,
            items=[
                (pk, {"from": previous, "to": assignee_id, "bulk": True, "batch": batch})
                for pk, previous in changing
            ],
            by=by,
        )
    unchanged = {pk: _("Already assigned to them.") for pk, _t, _c, a in cases if a == assignee_id}
    return BulkOutcome(changed=[pk for pk, _previous in changing], unchanged=unchanged)


def cases_bulk_move(
    *, case_ids: list[int], stage_id: str, by: User, context: StaffContext, batch: str = ""
) -> BulkOutcome:
    """Move many cases to one stage, by the single move's rules (`stage_move_refusal`):
    each case its service allows to move there does, with the same history (the stage
    change, the time limit paused or restarted and the due date moved on) and the same
    word to subscribed systems; the others stay where they are, with why. Every case must
    be one the member of staff may work. The cases are read and written a few statements at
    a time, whatever the number. `batch` is the confirmation page's one-time token."""
    case_ids = _bulk_ids(case_ids, _("Select at least one case to move."))
    with transaction.atomic():
        cases = list(
            catalogue.without_bulky_version_fields(
                Case.objects.select_for_update(of=("self",))
                .filter(pk__in=case_ids, team_id__in=_bulk_teams(context))
                .select_related("version", "person", "application")
                .order_by("pk")
            )
        )
        if len(cases) != len(case_ids):
            raise _cases.CaseActionRefused(
                _("Some of the selected cases are not in your teams' queues."), field="cases"
            )
        if bulk_batch_done(case_ids=case_ids, batch=batch):
            return BulkOutcome(repeated=True)
        catalogue.definitions_for([case.version for case in cases])
        now = timezone.now()
        events: list[CaseEvent] = []

        def record(
            *,
            case: Case,
            kind: str,
            by: User | None = None,
            visible_to_person: bool,
            data: dict[str, Any] | None = None,
        ) -> CaseEvent:
            event = CaseEvent(
                case=case,
                kind=kind,
                created_at=now,
                actor=by,
                visible_to_person=visible_to_person,
                data={**(data or {}), "bulk": True, "batch": batch},
            )
            events.append(event)
            return event

        moved: list[Case] = []
        unchanged: dict[int, str] = {}
        for case in cases:
            definition = catalogue.definition_for(case.version)
            refusal = stage_move_refusal(case, definition, stage_id)
            if refusal is not None:
                unchanged[case.pk] = refusal
                continue
            _cases._set_stage(case, definition, stage_id, by, record=record, tell=False)
            case.revision += 1
            moved.append(case)
        Case.objects.bulk_update(
            moved, ["stage", "due_date", "clock_stopped_on", "revision"], batch_size=500
        )
        CaseEvent.objects.bulk_create(events, batch_size=500)
        _tell_stage_many(moved, stage_id)
    return BulkOutcome(changed=[case.pk for case in moved], unchanged=unchanged)


def _tell_stage_many(moved: list[Case], stage_id: str) -> None:
    """The people whose cases moved to a stage marked `tell_person`, told in batches."""
    told = [
        case
        for case in moved
        if (stage := catalogue.definition_for(case.version).stage(stage_id)) is not None
        and stage.tell_person
        and not stage.final
    ]
    if not told:
        return

    def extra_for(case: Case, language: str) -> dict[str, str]:
        stage = catalogue.definition_for(case.version).stage(stage_id)
        assert stage is not None  # kept above only when it is  # nosec B101
        return {
            "stage": stage.title.text(language),
            "stage_description": stage.description.text(language),
        }

    publish(ManyToBeTold(cases=told, notice="stage_changed", extra_for=extra_for))


def cases_staff_wrote_many(*, written: list[tuple[Case, int]], by: User, batch: str = "") -> None:
    """The team wrote on many cases at once ((case, thread message id) pairs, the cases
    locked by the caller and loaded with their version): one secure message event each, in
    one statement, the cases no longer waiting for an answer, in another, and each person
    told there is a message, as for one message (`case_staff_wrote`)."""
    if not written:
        return
    _cases.case_events_record_many(
        kind=CaseEvent.Kind.THREAD_MESSAGE,
        visible_to_person=True,
        items=[
            (case.pk, {"message": message_id, "from_staff": True, "bulk": True, "batch": batch})
            for case, message_id in written
        ],
        by=by,
    )
    Case.objects.filter(pk__in=[case.pk for case, _message in written]).update(
        awaiting_reply_since=None, revision=F("revision") + 1
    )
    catalogue.definitions_for([case.version for case, _message in written])
    for case, _message in written:
        _cases._tell_person(
            case, catalogue.definition_for(case.version), by, notice="new_secure_message"
        )


def cases_lock(*, case_ids: list[int]) -> None:
    """Hold these cases' rows until the caller's transaction ends (a bulk write queues
    behind any other write on them, and a second click behind the first)."""
    list(Case.objects.select_for_update().filter(pk__in=case_ids).values_list("pk", flat=True))


def cases_publish_many(*, event_type: str, items: list[tuple[int, dict[str, Any]]]) -> None:
    """Tell subscribed systems about something that happened to many cases ((case id,
    data) pairs), as `case_publish` does for one: the cases in one query."""
    if not items:
        return
    cases = Case.objects.only("pk", "reference", "service_id", "team_id").in_bulk(
        {case_id for case_id, _data in items}
    )
    for case_id, data in items:
        _cases.case_publish(case=cases[case_id], event_type=event_type, data=data)
