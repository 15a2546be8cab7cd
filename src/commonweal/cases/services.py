"""Every write to a case, each with the CaseEvent that records it.

Staff actions take the case's `revision` as the page showed it: if anyone changed the case
since, the action is refused with `StaleCase` and nothing is written, so no one silently
overwrites someone else's work. Each function is one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonweal.accounts.selectors import User
from commonweal.catalogue import selectors as catalogue
from commonweal.core.events import publish
from commonweal.core.working_days import add_working_days, working_days_between
from commonweal.organisations import selectors as organisations

from .events import CaseChanged, CaseOpened, PersonToBeTold
from .models import Case, CaseEvent, CaseFlag, Decision, InformationRequest, Referral, Task

# Offers are part of this module's interface (see offers.py).
from .offers import decision_amount_pence as decision_amount_pence
from .offers import offer_answer as offer_answer
from .offers import offer_make as offer_make
from .offers import offer_notice_data as offer_notice_data
from .offers import offer_withdraw_waiting
from .offers import offers_erase as offers_erase
from .offers import offers_expire as offers_expire
from .selectors.bulk import stage_move_refusal

# Updates to the person (information requests and delays) too (see updates.py).
from .updates import case_expected_date_set as case_expected_date_set
from .updates import case_information_answer as case_information_answer
from .updates import case_information_request as case_information_request
from .updates import delays_tell as delays_tell

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person


class CaseActionRefused(Exception):
    """The action cannot be done; `message` says why, in words for the person who tried."""

    def __init__(self, message: StrOrPromise, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class StaleCase(CaseActionRefused):
    def __init__(self) -> None:
        super().__init__(
            gettext_lazy(
                "Someone else changed this case while you were looking at it. "
                "Nothing was saved. Check the case as it is now and try again."
            )
        )


class SubmittedApplication(Protocol):
    """What opening a case reads of the submitted application (intake's Application: cases
    sit below intake, so they name only what they use)."""

    @property
    def reference(self) -> str | None: ...
    @property
    def service_id(self) -> int: ...
    @property
    def version_id(self) -> int: ...
    @property
    def identity_check(self) -> str: ...
    @property
    def taken_by_id(self) -> int | None: ...


def case_open(
    *,
    application: SubmittedApplication,
    person: Person,
    definition: ServiceDefinition,
    by: User,
    channel: str,
    on_behalf: bool,
) -> Case:
    """Open the case for a just-submitted application at the service's first stage, in the
    queue of the team that handles the service.

    Called inside the submission's transaction, so the application, its case and the first
    event exist together or not at all.
    """
    assert application.reference is not None  # the submission gave it one  # nosec B101
    now = timezone.now()
    first_stage = definition.stages[0]
    case = Case.objects.create(
        reference=application.reference,
        application=application,  # type: ignore[misc]  # intake's Application, which cases do not name
        person=person,
        service_id=application.service_id,
        version_id=application.version_id,
        stage=first_stage.id,
        opened_at=now,
        due_date=add_working_days(timezone.localdate(now), definition.target_working_days),
        team_id=organisations.team_for_service(service_id=application.service_id),
        channel=channel,
        identity_check=application.identity_check,
    )
    data: dict[str, Any] = {"stage": first_stage.id, "channel": channel, "on_behalf": on_behalf}
    if application.taken_by_id:
        data["identity_check"] = application.identity_check
    _publish(case, "application.submitted", {"stage": first_stage.id, "channel": channel})
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.SUBMITTED,
        created_at=now,
        actor=by,
        on_behalf_of=person if on_behalf or application.taken_by_id else None,
        visible_to_person=True,
        data=data,
    )
    publish(CaseOpened(case=case))
    return case


def _publish(case: Case, event_type: str, data: dict[str, Any]) -> None:
    """Tell the organisation's subscribed systems (the webhooks app listens), in this
    same transaction."""
    with transaction.atomic(savepoint=False):
        publish(
            CaseChanged(
                case=case,
                event_type=event_type,
                data={"reference": case.reference, "service": case.service_id, **data},
            )
        )


def case_publish(*, case: Case, event_type: str, data: dict[str, Any]) -> None:
    """For other apps: tell subscribed systems about something that happened to a case."""
    _publish(case, event_type, data)


def case_event_record(
    *,
    case: Case,
    kind: str,
    by: User | None = None,
    visible_to_person: bool,
    data: dict[str, Any] | None = None,
    on_behalf_of: Person | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        created_at=timezone.now(),
        actor=by,
        on_behalf_of=on_behalf_of,
        visible_to_person=visible_to_person,
        data=data or {},
    )


def case_events_record_many(
    *,
    kind: str,
    visible_to_person: bool,
    items: list[tuple[int, dict[str, Any]]],
    by: User | None = None,
) -> None:
    """Many events at once ((case id, data) pairs), for work done in batches; `by` when a
    member of staff did it."""
    if not items:
        return
    now = timezone.now()
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=case_id,
                kind=kind,
                created_at=now,
                actor=by,
                visible_to_person=visible_to_person,
                data=data,
            )
            for case_id, data in items
        ],
        batch_size=500,
    )


def case_get(*, case_id: int) -> Case:
    return Case.objects.get(pk=case_id)


def _locked(case_id: int, revision: int | None) -> Case:
    """The case, locked for this transaction; refused when the page was out of date."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise CaseActionRefused(_("This case does not exist."))
    if revision is not None and case.revision != revision:
        raise StaleCase()
    return case


def case_lock(*, case_id: int) -> None:
    """Hold the case's row until the caller's transaction ends (writes on one case queue)."""
    _locked(case_id, None)


def _repeated(case: Case, kind: str, by: User | None, text: str) -> CaseEvent | None:
    """The same note or task from the same person moments ago: a double click."""
    return (
        CaseEvent.objects.filter(
            case=case,
            kind=kind,
            actor=by,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .filter(**({"data__text": text} if kind in ("note", "update") else {"data__title": text}))
        .first()
    )


REPEAT_WINDOW = datetime.timedelta(seconds=30)


def _save(case: Case, *fields: str) -> None:
    case.revision += 1
    case.save(update_fields=[*fields, "revision"])


def _require_open(case: Case) -> None:
    if case.closed_at is not None:
        raise CaseActionRefused(_("This case is closed: a decision has been made."))


# Assignment and teams


def case_assign(*, case_id: int, assignee_id: int | None, by: User, revision: int | None) -> Case:
    """Give the case to a member of its team, or take it off everyone (`assignee_id` None)."""
    with transaction.atomic():
        case = _locked(case_id, revision)
        _require_open(case)
        if assignee_id is not None and not (
            case.team_id and organisations.is_team_member(user_id=assignee_id, team_id=case.team_id)
        ):
            raise CaseActionRefused(
                _("You can only assign a case to someone in the team that holds it."),
                field="assignee",
            )
        if case.assigned_to_id == assignee_id:
            return case
        previous = case.assigned_to_id
        case.assigned_to_id = assignee_id
        _save(case, "assigned_to")
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.ASSIGNED,
            by=by,
            visible_to_person=False,
            data={"from": previous, "to": assignee_id},
        )
    return case


def _led_org_teams(context: StaffContext) -> set[int]:
    """Teams of the organisations where this person works organisation-wide."""
    if not context.organisation_wide_ids:
        return set()
    return {
        team.pk
        for team in organisations.teams_for_transfer(organisation_ids=context.organisation_wide_ids)
    }


def case_transfer(
    *,
    case_id: int,
    team_id: int,
    reason: str,
    by: User,
    context: StaffContext,
    revision: int | None,
) -> Case:
    """Move the case to another team of the same organisation (it leaves everyone's list)."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseActionRefused(_("Say why the case is moving to another team."), field="reason")
    with transaction.atomic():
        case = _locked(case_id, revision)
        _require_open(case)
        allowed = {
            team.pk: team
            for team in organisations.teams_for_transfer(organisation_ids=context.organisation_ids)
        }
        if team_id not in allowed or team_id == case.team_id:
            raise CaseActionRefused(_("Choose another team in your organisation."), field="team")
        previous = case.team_id
        case.team_id = team_id
        case.assigned_to_id = None
        _save(case, "team", "assigned_to")
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.TRANSFERRED,
            by=by,
            visible_to_person=False,
            data={"from": previous, "to": team_id, "reason": reason},
        )
    return case


# Stages and the time limit


# How a stage change records its events: written at once (`case_event_record`), or
# gathered to be written together by a bulk move.
Recorder = Callable[..., CaseEvent]


def _stop_clock(
    case: Case, by: User | None, today: datetime.date, record: Recorder = case_event_record
) -> None:
    case.clock_stopped_on = today
    record(
        case=case,
        kind=CaseEvent.Kind.CLOCK_STOPPED,
        by=by,
        visible_to_person=False,
        data={"on": today.isoformat()},
    )


def _restart_clock(
    case: Case, by: User | None, today: datetime.date, record: Recorder = case_event_record
) -> None:
    """The days spent waiting for the person do not count: the due date moves on by them."""
    assert case.clock_stopped_on is not None  # the caller checked  # nosec B101
    waited = working_days_between(case.clock_stopped_on, today)
    case.due_date = add_working_days(case.due_date, waited)
    record(
        case=case,
        kind=CaseEvent.Kind.CLOCK_RESTARTED,
        by=by,
        visible_to_person=False,
        data={
            "stopped_on": case.clock_stopped_on.isoformat(),
            "working_days_waited": waited,
            "due_date": case.due_date.isoformat(),
        },
    )
    case.clock_stopped_on = None


def _set_stage(
    case: Case,
    definition: ServiceDefinition,
    stage_id: str,
    by: User | None,
    data: dict[str, Any] | None = None,
    record: Recorder = case_event_record,
    tell: bool = True,
) -> None:
    """Move the case to the stage (the caller saves it), stopping or restarting the clock
    as the stage says; a stage marked `tell_person` tells the person, unless `tell` is
    False (a move another notice already explains)."""
    target = definition.stage(stage_id)
    assert target is not None  # callers move only to a stage of the service  # nosec B101
    today = timezone.localdate()
    previous = case.stage
    case.stage = stage_id
    if target.waiting_for_person and case.clock_stopped_on is None:
        _stop_clock(case, by, today, record)
    elif not target.waiting_for_person and case.clock_stopped_on is not None:
        _restart_clock(case, by, today, record)
    record(
        case=case,
        kind=CaseEvent.Kind.STAGE_CHANGED,
        by=by,
        # A final stage is reached only by a decision, whose own event tells the person:
        # shown as well, the timeline would say "Decision made" twice.
        visible_to_person=not target.final,
        data={"stage": stage_id, "from": previous, **(data or {})},
    )
    _publish(case, "case.stage_changed", {"stage": stage_id, "from": previous})
    if tell and target.tell_person and not target.final and previous != stage_id:
        _tell_person(
            case,
            definition,
            by,
            notice="stage_changed",
            extra_for=lambda language: {
                "stage": target.title.text(language),
                "stage_description": target.description.text(language),
            },
        )


def case_move(*, case_id: int, stage_id: str, by: User, revision: int | None) -> Case:
    """Move the case to a stage its service allows from where it is."""
    with transaction.atomic():
        case = _locked(case_id, revision)
        _require_open(case)
        definition = catalogue.definition_for(case.version)
        refusal = stage_move_refusal(case, definition, stage_id)
        if refusal is not None:
            raise CaseActionRefused(refusal, field="stage")
        _set_stage(case, definition, stage_id, by)
        _save(case, "stage", "due_date", "clock_stopped_on")
    return case


def _tell_person(
    case: Case,
    definition: ServiceDefinition | None,
    by: User | None,
    *,
    notice: str,
    extra_for: Callable[[str], dict[str, Any]] | None = None,
) -> None:
    """Tell the person, through the channels they prefer and in their language, that
    something needs their attention (the messaging app listens and sends the notice).
    `extra_for(language)` gives the notice's own placeholders, worded in the person's
    language."""
    with transaction.atomic(savepoint=False):
        publish(
            PersonToBeTold(
                case=case, notice=notice, by=by, definition=definition, extra_for=extra_for
            )
        )


def task_for_message(*, case_id: int, title: str, message_id: UUID, script: str) -> Task:
    """A phone call to make for a notice: the task carries the words to read out."""
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        existing = Task.objects.filter(message_id=message_id).first()
        if existing is not None:
            return existing
        due = add_working_days(timezone.localdate(), 1)
        task = Task.objects.create(
            case=case,
            title=title[:200],
            due_date=due,
            created_at=timezone.now(),
            message_id=message_id,
            script=script,
        )
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.TASK_ADDED,
            visible_to_person=False,
            data={"task": task.pk, "title": task.title, "due": due.isoformat()},
        )
        _publish(case, "task.created", {"task": task.pk, "due": due})
    return task


def case_person_tell_reference(*, case: Case, definition: ServiceDefinition, by: User) -> None:
    """For an application staff took: tell the person it arrived and its reference."""
    _tell_person(case, definition, by, notice="application_received")


def case_reconsideration_request(
    *, case_id: int, by: User, reason: str, on_behalf_of: Person | None = None
) -> Case:
    """The person asks for the decision to be looked at again: the case reopens at the
    review stage with a new time limit, for someone else on the team to pick up. Once only:
    after that, the next step is the independent body the service names."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseActionRefused(_("Tell us why you think the decision is wrong."), field="reason")
    with transaction.atomic():
        case = _locked(case_id, None)
        decision = case.decisions.order_by("-decided_at", "-id").first()
        if case.closed_at is None or decision is None:
            raise CaseActionRefused(_("There is no decision on this application to look at again."))
        if decision.outcome == Decision.Outcome.WITHDRAWN:
            raise CaseActionRefused(
                _("This application was withdrawn. You can make a new application instead.")
            )
        if decision.reconsiders_id is not None:
            # We looked at it again once already: the next step is independent of us.
            raise CaseActionRefused(
                _(
                    "We have already looked at this decision again, so you cannot ask us to "
                    "look at it a second time."
                )
            )
        definition = catalogue.definition_for(case.version)
        deadline = decision.decided_at + datetime.timedelta(days=definition.reconsideration_days)
        if timezone.now() > deadline:
            raise CaseActionRefused(
                _(
                    "It is more than %(days)s days since the decision, so you cannot ask "
                    "online. Contact us: we may still be able to look at it again."
                )
                % {"days": definition.reconsideration_days}
            )
        review = definition.review_stage
        offer_withdraw_waiting(case=case, by=by)
        case.closed_at = None
        case.outcome = ""
        case.assigned_to_id = None
        case.due_date = add_working_days(timezone.localdate(), definition.target_working_days)
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.RECONSIDERATION,
            by=by,
            on_behalf_of=on_behalf_of,
            visible_to_person=True,
            data={"reason": reason[:5000], "decision": decision.pk},
        )
        _set_stage(case, definition, review.id, by)
        _save(case, "closed_at", "outcome", "assigned_to", "due_date", "stage", "clock_stopped_on")
    return case


# Notes, tasks, flags


def case_note_add(
    *, case_id: int, text: str, for_person: bool, by: User, revision: int | None = None
) -> CaseEvent:
    """An internal note, or (`for_person`) an update the person sees on their timeline."""
    text = (text or "").strip()
    if not text:
        raise CaseActionRefused(_("Write the note before saving it."), field="text")
    if len(text) > 5000:
        raise CaseActionRefused(_("A note must be 5,000 characters or fewer."), field="text")
    kind = CaseEvent.Kind.UPDATE if for_person else CaseEvent.Kind.NOTE
    with transaction.atomic():
        case = _locked(case_id, None)
        repeat = _repeated(case, kind, by, text)
        if repeat is not None:
            return repeat
        event = case_event_record(
            case=case,
            kind=kind,
            by=by,
            visible_to_person=for_person,
            data={"text": text},
        )
        Case.objects.filter(pk=case.pk).update(revision=F("revision") + 1)
    return event


def task_add(
    *,
    case_id: int,
    title: str,
    due_date: datetime.date | None,
    assignee_id: int | None,
    by: User | None,
    revision: int | None = None,
    within_transaction: bool = False,
) -> Task:
    title = (title or "").strip()
    if not title:
        raise CaseActionRefused(_("Say what needs doing."), field="title")
    with transaction.atomic(savepoint=not within_transaction):
        case = _locked(case_id, None) if not within_transaction else Case.objects.get(pk=case_id)
        if assignee_id is not None and not (
            case.team_id and organisations.is_team_member(user_id=assignee_id, team_id=case.team_id)
        ):
            raise CaseActionRefused(
                _("You can only give a task to someone in the team that holds the case."),
                field="assignee",
            )
        repeat = _repeated(case, CaseEvent.Kind.TASK_ADDED, by, title[:200])
        if repeat is not None and not within_transaction:
            return Task.objects.get(pk=repeat.data["task"])
        task = Task.objects.create(
            case_id=case_id,
            title=title[:200],
            due_date=due_date,
            assigned_to_id=assignee_id,
            created_by=by,
            created_at=timezone.now(),
        )
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.TASK_ADDED,
            by=by,
            visible_to_person=False,
            data={
                "task": task.pk,
                "title": task.title,
                "due": due_date.isoformat() if due_date else None,
            },
        )
        _publish(case, "task.created", {"task": task.pk, "due": task.due_date})
    return task


def case_file_infected(
    *, case_id: int, name: str, stored_name: str, signature: str, tell_person: bool
) -> None:
    """The virus scanner found a virus in a file on the case (evidence or an attachment,
    `name` as the sender called it, `stored_name` in storage): the team gets a task, and the
    person who sent it an update asking for a clean copy. Called in the transaction that
    records the scanner's verdict."""
    case = Case.objects.select_related("application").get(pk=case_id)
    task_add(
        case_id=case.pk,
        title=_("A virus was found in %(name)s (%(signature)s): it was removed")
        % {"name": name, "signature": signature},
        due_date=None,
        assignee_id=None,
        by=None,
        within_transaction=True,
    )
    if not tell_person:
        return
    with translation.override(case.application.language or "en"):
        text = _(
            "A file you sent, %(name)s, had a virus in it, so we removed it. "
            "Please send us a clean copy in a secure message."
        ) % {"name": name}
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.UPDATE,
        visible_to_person=True,
        data={"text": text, "file_removed": stored_name},
    )


def task_complete(*, task_id: int, outcome: str, by: User) -> Task:
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise CaseActionRefused(_("This task does not exist."))
        if task.completed_at is not None:
            raise CaseActionRefused(_("This task is already done."))
        task.completed_at = timezone.now()
        task.completed_by = by
        task.outcome = (outcome or "").strip()[:2000]
        task.save(update_fields=["completed_at", "completed_by", "outcome"])
        case_event_record(
            case=task.case,
            kind=CaseEvent.Kind.TASK_DONE,
            by=by,
            visible_to_person=False,
            data={"task": task.pk, "title": task.title, "outcome": task.outcome},
        )
        _publish(task.case, "task.completed", {"task": task.pk})
    return task


def case_flag_set(*, case_id: int, code: str, on: bool, by: User) -> None:
    if code not in CaseFlag.Code.values:
        raise CaseActionRefused(_("Choose a flag from the list."), field="flag")
    with transaction.atomic():
        case = _locked(case_id, None)
        exists = CaseFlag.objects.filter(case=case, code=code).exists()
        if on and not exists:
            CaseFlag.objects.create(case=case, code=code, created_by=by, created_at=timezone.now())
            kind = CaseEvent.Kind.FLAGGED
        elif not on and exists:
            CaseFlag.objects.filter(case=case, code=code).delete()
            kind = CaseEvent.Kind.UNFLAGGED
        else:
            return
        case_event_record(case=case, kind=kind, by=by, visible_to_person=False, data={"flag": code})
        Case.objects.filter(pk=case.pk).update(revision=F("revision") + 1)


# Secure messages (called by messaging, inside its transaction)


def case_person_wrote(
    *, case: Case, by: User, on_behalf_of: Person | None = None, message_id: int
) -> None:
    """The person (or their representative) wrote: it is work for the team, and if the case
    was waiting for them, the clock starts again and the case goes back where it was."""
    case = _locked(case.pk, None)
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.THREAD_MESSAGE,
        by=by,
        on_behalf_of=on_behalf_of,
        visible_to_person=True,
        data={"message": message_id, "from_staff": False},
    )
    fields = []
    if case.awaiting_reply_since is None:
        case.awaiting_reply_since = timezone.now()
        fields.append("awaiting_reply_since")
    if case.closed_at is None and case.clock_stopped_on is not None:
        clock_restart_on_reply(case, by, data={"reply": True})
        fields += ["stage", "due_date", "clock_stopped_on"]
    if fields:
        _save(case, *fields)


def clock_restart_on_reply(case: Case, by: User | None, data: dict[str, Any]) -> None:
    """The person answered while the clock was stopped: it starts again (the due date moves
    on by the working days waited) and a case at a stage that waits for the person goes back
    to the stage it came from (the first stage if that cannot be told). The caller saves."""
    definition = catalogue.definition_for(case.version)
    current = definition.stage(case.stage)
    if current is None or not current.waiting_for_person:
        _restart_clock(case, by, timezone.localdate())
        return
    before = (
        CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.STAGE_CHANGED)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    back_to = (before or {}).get("from")
    if (
        not back_to
        or (stage := definition.stage(back_to)) is None
        or stage.final
        or stage.waiting_for_person
    ):
        back_to = definition.stages[0].id
    _set_stage(case, definition, back_to, by, data=data, tell=False)


def case_staff_wrote(*, case: Case, by: User, message_id: int) -> None:
    case = _locked(case.pk, None)
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.THREAD_MESSAGE,
        by=by,
        visible_to_person=True,
        data={"message": message_id, "from_staff": True},
    )
    case.awaiting_reply_since = None
    _save(case, "awaiting_reply_since")
    _tell_person(case, catalogue.definition_for(case.version), by, notice="new_secure_message")


# Retention (registered in apps.py; see rights/retention.py): inside the retention batch's
# transaction, the only one the append-only triggers let delete, a statement per table.


def _raw_delete(queryset: QuerySet[Model]) -> int:
    return queryset._raw_delete(queryset.db)


def case_work_erase(case_ids: list[int]) -> dict[str, int]:
    """These cases' tasks, flags, referrals and information requests (with the person's
    answers; the files they sent go with the application's evidence)."""
    counts = {"tasks_deleted": _raw_delete(Task.objects.filter(case_id__in=case_ids))}
    _raw_delete(CaseFlag.objects.filter(case_id__in=case_ids))
    _raw_delete(InformationRequest.objects.filter(case_id__in=case_ids))
    _raw_delete(Referral.objects.filter(case_id__in=case_ids))
    return counts


def case_history_erase(case_ids: list[int]) -> dict[str, int]:
    """These cases' decisions and history (after the offers and payments that name their
    decisions); the case rows stay, waiting for nobody."""
    counts = {
        "decisions_deleted": _raw_delete(Decision.objects.filter(case_id__in=case_ids)),
        "case_events_deleted": _raw_delete(CaseEvent.objects.filter(case_id__in=case_ids)),
    }
    Case.objects.filter(pk__in=case_ids).update(awaiting_reply_since=None)
    return counts


# Decisions live in their own module; other apps reach them here.
from .bulk_changes import BulkOutcome as BulkOutcome  # noqa: E402
from .bulk_changes import cases_bulk_assign as cases_bulk_assign  # noqa: E402
from .bulk_changes import cases_bulk_move as cases_bulk_move  # noqa: E402
from .bulk_changes import cases_lock as cases_lock  # noqa: E402
from .bulk_changes import cases_publish_many as cases_publish_many  # noqa: E402
from .bulk_changes import cases_staff_wrote_many as cases_staff_wrote_many  # noqa: E402
from .decisions import DecisionRefused as DecisionRefused  # noqa: E402
from .decisions import case_decide as case_decide  # noqa: E402
from .decisions import case_decision_check as case_decision_check  # noqa: E402
from .decisions import case_decision_correct as case_decision_correct  # noqa: E402
from .decisions import decision_entitlement as decision_entitlement  # noqa: E402
from .decisions import entitlement_source_set as entitlement_source_set  # noqa: E402
from .referrals import case_refer as case_refer  # noqa: E402
from .referrals import case_refer_after_consent as case_refer_after_consent  # noqa: E402
from .referrals import referral_end as referral_end  # noqa: E402
from .referrals import referrals_end_for_person as referrals_end_for_person  # noqa: E402
from .saved_filters import SavedFilterRefused as SavedFilterRefused  # noqa: E402
from .saved_filters import saved_filter_delete as saved_filter_delete  # noqa: E402
from .saved_filters import saved_filter_save as saved_filter_save  # noqa: E402
