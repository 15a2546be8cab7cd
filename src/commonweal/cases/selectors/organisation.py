"""Reads of cases as a whole: every case, for a caller that narrows it itself (retention),
and the cases an organisation holds, for the API (which sees them as the organisation, not
as a member of staff)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from commonweal.people import selectors as people_selectors

from ..models import Case, Referral, Task

if TYPE_CHECKING:
    from commonweal.people.selectors import Person

__all__ = [
    "case_and_person_ids",
    "case_references_of_people",
    "cases",
    "cases_held",
    "people_with_cases_held",
    "referral_of_case",
    "task_of_case",
]


def cases() -> QuerySet[Case]:
    """Every case, for a caller to narrow with the filters it needs."""
    return Case.objects.all()


def cases_held(*, organisation_id: int | None = None) -> QuerySet[Case]:
    """Cases with their service, version and team; of one organisation's teams if given."""
    cases = Case.objects.select_related("service", "version", "team")
    if organisation_id is not None:
        cases = cases.filter(team__organisation_id=organisation_id)
    return cases


def people_with_cases_held(*, organisation_id: int) -> QuerySet[Person]:
    """People with a case held by one of the organisation's teams."""
    return people_selectors.people().filter(
        Exists(Case.objects.filter(person_id=OuterRef("pk"), team__organisation_id=organisation_id))
    )


def case_references_of_people(
    *, person_ids: Iterable[int], organisation_id: int
) -> dict[int, list[str]]:
    """Each person's case references held by the organisation, newest first: one query."""
    references: dict[int, list[str]] = {}
    for person_id, reference in (
        Case.objects.filter(person_id__in=person_ids, team__organisation_id=organisation_id)
        .order_by("-opened_at")
        .values_list("person_id", "reference")
    ):
        references.setdefault(person_id, []).append(reference)
    return references


def case_and_person_ids(*, reference: str, organisation_id: int) -> tuple[int, int] | None:
    """A case's id and its person's, for the access log (None when the organisation does
    not hold it)."""
    return (
        Case.objects.filter(reference=reference, team__organisation_id=organisation_id)
        .values_list("pk", "person_id")
        .first()
    )


def referral_of_case(*, case_id: int, referral_id: int) -> Referral | None:
    """One of the case's referrals, with the organisation it went to; None for any other."""
    return (
        Referral.objects.filter(case_id=case_id, pk=referral_id)
        .select_related("organisation")
        .first()
    )


def task_of_case(*, case_id: int, task_id: int) -> Task | None:
    """One of the case's tasks, with whom it is given to; None for any other."""
    return Task.objects.filter(case_id=case_id, pk=task_id).select_related("assigned_to").first()
