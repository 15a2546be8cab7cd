"""Erasure requests: a person asks us to erase what we hold about them; staff decide.

A request is a `DataRequest` of kind "erasure", one open at a time per person (a double
submit finds the one already open). Data under a legal hold (on the person or on any of
their cases) cannot be erased: such a request is refused as it is made, with that reason
shown to the person, and a request granted later while a hold has since been placed is
refused the same way. Otherwise it is work for the team that knows the person best (a task
on their latest case), who either

- refuse it, with a lawful reason from a list (`DataRequest.Ground`) and words of their own,
  and the person is told; or
- grant it: the request is marked "being erased" (who decided, when) and a task carries it
  out through the retention job's per-app erasers (`retention.person_erase`), in one
  transaction, recording when and what each eraser removed. A person with an open case is
  refused that choice (finish or close the case first, or refuse with the reason).

These functions are part of `rights.services` (call them from there)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services

from . import retention
from .models import DataRequest, LegalHold

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person

ERASURE_KEY = "erasure"


def _refused(message: str, field: str) -> Exception:
    from .services import RightsRefused

    return RightsRefused(message, field)


def _under_legal_hold(person_id: int) -> bool:
    """A hold on the person, or on any of their cases, not lifted."""
    case_ids = cases_selectors.cases().filter(person_id=person_id).values("pk")
    return (
        LegalHold.objects.filter(lifted_at__isnull=True)
        .filter(Q(person_id=person_id) | Q(case_id__in=case_ids))
        .exists()
    )


def _ground_words(ground: str) -> str:
    return str(dict(DataRequest.Ground.choices)[ground])


def erasure_request_create(*, person: Person, by: User, note: str = "") -> tuple[DataRequest, bool]:
    """The person asks us to erase their data (`note`: anything they want to tell us).
    Returns the request and whether it is new: an erasure request still open is returned
    as it is. Under a legal hold the request is refused at once, with that reason."""
    from .services import _default_team_id

    note = (note or "").strip()[:2000]
    existing = DataRequest.objects.filter(
        person=person, field_key=ERASURE_KEY, status=DataRequest.Status.OPEN
    ).first()
    if existing is not None:
        return existing, False
    held = _under_legal_hold(person.pk)
    case = cases_selectors.latest_case_of_person(person_id=person.pk)
    now = timezone.now()
    try:
        with transaction.atomic():
            request = DataRequest.objects.create(
                person=person,
                kind=DataRequest.Kind.ERASURE,
                subject=DataRequest.Subject.PERSON,
                field=ERASURE_KEY,
                field_key=ERASURE_KEY,
                field_label=_("Erase your data"),
                case=case,
                what_is_wrong=note,
                should_be="",
                team_id=case.team_id if case and case.team_id else _default_team_id(),
                created_by=by,
                created_at=now,
            )
            if held:
                _close_refused(request, DataRequest.Ground.LEGAL_HOLD, "", None)
            elif case is not None:
                task = cases_services.task_add(
                    case_id=case.pk,
                    title=f"Erasure asked for (request {request.pk})",
                    due_date=None,
                    assignee_id=None,
                    by=by,
                    within_transaction=True,
                )
                request.task_id = task.pk
                request.save(update_fields=["task_id"])
    except IntegrityError:
        # The same request from a second click, a moment earlier: that one stands.
        existing = DataRequest.objects.filter(
            person=person, field_key=ERASURE_KEY, status=DataRequest.Status.OPEN
        ).first()
        if existing is None:
            raise
        return existing, False
    return request, True


def _close_refused(request: DataRequest, ground: str, words: str, by: User | None) -> None:
    """Inside the caller's transaction: the request refused on this ground, the person
    told (the ground's words, then the member of staff's)."""
    request.status = DataRequest.Status.NOT_ERASED
    request.ground = ground
    request.outcome_reason = words
    request.resolved_by = by
    request.resolved_at = timezone.now()
    request.save(update_fields=["status", "ground", "outcome_reason", "resolved_by", "resolved_at"])
    _complete_task(request, f"Not erased: {ground} {words}".strip(), by)
    _tell_person(request, by)


def _complete_task(request: DataRequest, outcome: str, by: User | None) -> None:
    if request.task_id and by is not None:
        # Someone may already have ticked the task off on the case page.
        with contextlib.suppress(cases_services.CaseActionRefused):
            cases_services.task_complete(task_id=request.task_id, outcome=outcome, by=by)


def _tell_person(request: DataRequest, by: User | None) -> None:
    from .services import outcome_notice_send

    def outcome() -> str:
        return _("We have not erased it, because: %(reason)s") % {
            "reason": " ".join(
                part for part in (_ground_words(request.ground), request.outcome_reason) if part
            )
        }

    outcome_notice_send(request=request, field=lambda: _("Erase your data"), outcome=outcome, by=by)


def erasure_request_decide(
    *,
    request_id: int,
    erase: bool,
    ground: str,
    reason: str,
    by: User,
    context: StaffContext,
) -> DataRequest:
    """Staff decide an erasure request: refuse it on a lawful `ground` (with `reason`, their
    own words, shown to the person too), or grant it, which queues the erasure (a task). A
    request granted while a legal hold keeps the data is refused on that ground instead."""
    from . import selectors

    reason = (reason or "").strip()[:2000]
    if not erase and ground not in DataRequest.Ground.values:
        raise _refused(_("Choose the reason the data must be kept"), "ground")
    with transaction.atomic():
        request = (
            # Only the request's row is locked (the case it may be on is an outer join).
            DataRequest.objects.select_for_update(of=("self",))
            .filter(selectors._staff_requests_q(context), pk=request_id)
            .filter(kind=DataRequest.Kind.ERASURE)
            .select_related("person", "case")
            .first()
        )
        if request is None:
            raise _refused(_("This request does not exist."), "form")
        if request.status != DataRequest.Status.OPEN:
            raise _refused(_("This request has already been answered."), "form")
        if not erase:
            _close_refused(request, ground, reason, by)
            return request
        if _under_legal_hold(request.person_id):
            _close_refused(request, DataRequest.Ground.LEGAL_HOLD, reason, by)
            return request
        open_case = (
            cases_selectors.cases()
            .filter(person_id=request.person_id, closed_at__isnull=True)
            .values_list("reference", flat=True)
            .first()
        )
        if open_case is not None:
            raise _refused(
                _(
                    "Their case %(reference)s is still open. Close it first, or keep the "
                    "data and say why."
                )
                % {"reference": open_case},
                "outcome",
            )
        request.status = DataRequest.Status.ERASING
        request.outcome_reason = reason
        request.resolved_by = by
        request.resolved_at = timezone.now()
        request.save(update_fields=["status", "outcome_reason", "resolved_by", "resolved_at"])
        _complete_task(request, "Erasure granted", by)
        from .tasks import erase_person

        # A row in the task queue, written in this transaction: kept or lost with it.
        erase_person.enqueue(request.pk)
    return request


def erasure_carry_out(*, request_id: int) -> DataRequest | None:
    """The task's work: erase everything about the request's person through the retention
    job's erasers, in one transaction with the record of when and what was removed. A
    request not waiting for its erasure (done already, or refused) is left alone."""
    with transaction.atomic():
        request = (
            DataRequest.objects.select_for_update()
            .filter(pk=request_id, kind=DataRequest.Kind.ERASURE)
            .first()
        )
        if request is None or request.status != DataRequest.Status.ERASING:
            return request
        if _under_legal_hold(request.person_id):
            # A hold placed between the decision and now: kept, and the person told why.
            _close_refused(request, DataRequest.Ground.LEGAL_HOLD, "", None)
            return request
        counts = retention.person_erase(person_id=request.person_id)
        request.refresh_from_db()
        request.status = DataRequest.Status.ERASED
        request.erased_at = timezone.now()
        request.erased_counts = counts
        request.save(update_fields=["status", "erased_at", "erased_counts"])
    return request
