"""The API's calls for the casework around a case: assign it and move it to another team,
refer it to another organisation and end a referral, create and complete its tasks.

Each is one call, needs its own scope, takes an `Idempotency-Key`, goes through the owning
domain's services (which record the case's history and queue its webhooks), answers
refusals in the one error shape and is in the person's access log as the integration.
Mounted on the API by api.py; the shared plumbing is `run_action`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from ninja import Router, Schema
from pydantic import Field

from commonweal.privacy import services as privacy

from . import selectors, services
from .auth import ApiKeyAuth
from .common import IDEMPOTENCY_KEY, Strict
from .errors import Errors

router = Router(auth=ApiKeyAuth())
IDEMPOTENCY_KEY_MISSING = "Send an Idempotency-Key header (up to 100 characters)"

# What an action's `make` may raise: a domain's refusal, answered 400 (409 when stale).
Refusals = tuple[type[Exception], ...]


class Refused(Exception):
    """A refusal the API itself makes inside an action (an unknown team, say)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


def _refusals() -> Refusals:
    from commonweal.cases import services as cases_services
    from commonweal.intake import services as intake_services
    from commonweal.messaging import services as messaging_services
    from commonweal.rights import services as rights_services

    return (
        Refused,
        cases_services.CaseActionRefused,
        messaging_services.ThreadMessageRefused,
        intake_services.EvidenceRefused,
        rights_services.RightsRefused,
    )


def _refusal_answer(refused: Exception) -> tuple[int, dict[str, Any]]:
    from commonweal.cases import services as cases_services

    from .api import _api_field

    if isinstance(refused, cases_services.StaleCase):
        status, code = 409, "stale"
    else:
        status, code = getattr(refused, "status", 400), "refused"
    found = getattr(refused, "problems", None) or [
        (getattr(refused, "field", "") or "", getattr(refused, "message", str(refused)))
    ]
    return status, {
        "errors": [
            {"field": _api_field(field), "code": code, "message": str(message)}
            for field, message in found
        ]
    }


def run_action(
    request,
    reference: str,
    scope: str,
    make: Callable[[int, int], tuple[int, dict[str, Any]]],
    *,
    categories: list[str],
    fingerprint: bytes | None = None,
):
    """Run `make(case_id, person_id)` once per Idempotency-Key, for a case the key's
    organisation holds (404 otherwise, after the scope's 403); a refusal in the one error
    shape, nothing written. `fingerprint` stands for the body when it cannot be read again
    (a file upload)."""
    from .api import _case_and_person_or_404, _idempotency_key_missing, _json_only, _require, api

    if fingerprint is None:
        _json_only(request)
    _require(request, scope)
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return _idempotency_key_missing(request)
    case_id, person_id = _case_and_person_or_404(request, reference)
    refusals = _refusals()

    def once() -> tuple[int, dict[str, Any]]:
        try:
            answer = make(case_id, person_id)
        except refusals as refused:
            return _refusal_answer(refused)
        privacy.api_access_record(
            api_key=request.api_key,
            person_ids=[person_id],
            case_ids={person_id: case_id},
            categories=categories,
        )
        return answer

    status, body = services.idempotent(
        api_key=request.api_key,
        key=key,
        method=request.method,
        path=request.path,
        request_body=request.body if fingerprint is None else fingerprint,
        make=once,
    )
    return api.create_response(request, body, status=status)


def _responses(ok: int, schema: type[Schema]) -> dict[int, Any]:
    return {
        ok: schema,
        400: Errors,
        401: Errors,
        403: Errors,
        404: Errors,
        409: Errors,
        415: Errors,
        429: Errors,
    }


def _by(request):
    return request.api_key.account


# Assigning a case, moving it to another team


class PlacedCaseOut(Schema):
    reference: str
    stage: str
    team: str | None = Field(description="The slug of the team that holds the case")
    assigned_to: str | None = Field(description="The email address of whom it is assigned to")


class AssignIn(Strict):
    assignee: str | None = Field(
        max_length=254,
        description="The email address of a member of the team that holds the case; null "
        "to take it off everyone",
    )
    revision: int | None = Field(
        default=None, description="The case's revision as you read it; refused if it moved on"
    )


def _placed(case_id: int) -> tuple[int, dict[str, Any]]:
    return 200, PlacedCaseOut(**selectors.case_placement(case_id=case_id)).model_dump(mode="json")


def _member(request, email: str | None, field: str) -> int | None:
    from commonweal.organisations import selectors as organisations

    if email is None:
        return None
    user_id = organisations.member_id_by_email(
        organisation_id=request.api_key.organisation_id, email=email
    )
    if user_id is None:
        raise Refused(field, "No member of staff of your organisation has this email address")
    return user_id


@router.post(
    "/cases/{reference}/assignment/",
    response=_responses(200, PlacedCaseOut),
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["cases"],
)
def assign_case(request, reference: str, payload: AssignIn):
    """Give the case to a member of the team that holds it, or (assignee null) take it off
    everyone. Needs cases:assign."""
    from commonweal.cases import services as cases_services

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        cases_services.case_assign(
            case_id=case_id,
            assignee_id=_member(request, payload.assignee, "assignee"),
            by=_by(request),
            revision=payload.revision,
        )
        return _placed(case_id)

    return run_action(request, reference, "cases:assign", make, categories=["timeline"])


class TransferIn(Strict):
    team: str = Field(max_length=60, description="The slug of another team of your organisation")
    reason: str = Field(min_length=1, max_length=2000, description="Why, for the case's history")
    revision: int | None = None


@router.post(
    "/cases/{reference}/team/",
    response=_responses(200, PlacedCaseOut),
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["cases"],
)
def transfer_case(request, reference: str, payload: TransferIn):
    """Move the case to another team of the key's organisation (it is then assigned to
    nobody). Needs cases:assign."""
    from commonweal.cases import services as cases_services
    from commonweal.organisations import selectors as organisations

    organisation_id = request.api_key.organisation_id

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        teams = organisations.teams_for_transfer(organisation_ids=[organisation_id])
        team = next((team for team in teams if team.slug == payload.team), None)
        if team is None:
            raise Refused("team", "Your organisation has no team with this slug")
        cases_services.case_transfer(
            case_id=case_id,
            team_id=team.pk,
            reason=payload.reason,
            by=_by(request),
            context=organisations.integration_context(
                organisation_id=organisation_id, user_id=request.api_key.account_id
            ),
            revision=payload.revision,
        )
        return _placed(case_id)

    return run_action(request, reference, "cases:assign", make, categories=["timeline"])


# Referrals


class ReferralOut(Schema):
    id: int
    organisation: str = Field(description="The slug of the organisation referred to")
    organisation_name: str
    scope: list[str]
    reason: str
    created_at: datetime
    ended_at: datetime | None


def _referral(referral) -> dict[str, Any]:
    return ReferralOut(
        id=referral.pk,
        organisation=referral.organisation.slug,
        organisation_name=referral.organisation.name,
        scope=list(referral.scope),
        reason=referral.reason,
        created_at=referral.created_at,
        ended_at=referral.ended_at,
    ).model_dump(mode="json")


class ReferIn(Strict):
    organisation: str = Field(max_length=60, description="The slug of another organisation")
    scope: list[Literal["person", "answers", "evidence", "timeline", "messages"]] = Field(
        default=[],
        max_length=5,
        description="The parts of the case it may see; nothing but the summary when empty. "
        "A provider (a charity or contractor) may be sent more than the summary only once "
        "the person has said yes to sharing",
    )
    reason: str = Field(min_length=1, max_length=2000)
    revision: int | None = None


@router.post(
    "/cases/{reference}/referrals/",
    response=_responses(201, ReferralOut),
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["referrals"],
)
def refer_case(request, reference: str, payload: ReferIn):
    """Refer the case to another organisation, sharing the parts in `scope`. Refused while
    it is referred there already, and for the key's own organisation. Needs
    referrals:write."""
    from commonweal.cases import services as cases_services
    from commonweal.organisations import selectors as organisations

    organisation_id = request.api_key.organisation_id

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        target = organisations.organisation_by_slug(slug=payload.organisation)
        if target is None:
            raise Refused("organisation", "There is no organisation with this slug")
        referral = cases_services.case_refer(
            case_id=case_id,
            organisation_id=target.pk,
            scope=list(payload.scope),
            reason=payload.reason,
            by=_by(request),
            context=organisations.integration_context(
                organisation_id=organisation_id, user_id=request.api_key.account_id
            ),
            revision=payload.revision,
        )
        return 201, _referral(referral)

    return run_action(request, reference, "referrals:write", make, categories=["timeline"])


class EndIn(Strict):
    revision: int | None = None


@router.post(
    "/cases/{reference}/referrals/{referral_id}/end/",
    response=_responses(200, ReferralOut),
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["referrals"],
)
def end_referral(request, reference: str, referral_id: int, payload: EndIn):
    """End one of the case's referrals: the organisation loses its access at once. Needs
    referrals:write."""
    from commonweal.cases import selectors as cases_selectors
    from commonweal.cases import services as cases_services

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        if cases_selectors.referral_of_case(case_id=case_id, referral_id=referral_id) is None:
            raise Refused("referral_id", "This case has no such referral", status=404)
        cases_services.referral_end(
            referral_id=referral_id, by=_by(request), revision=payload.revision
        )
        referral = cases_selectors.referral_of_case(case_id=case_id, referral_id=referral_id)
        return 200, _referral(referral)

    return run_action(request, reference, "referrals:write", make, categories=["timeline"])


# Tasks


class TaskOut(Schema):
    id: int
    title: str
    due_date: date | None
    assigned_to: str | None = Field(description="The email address of whom it is given to")
    created_at: datetime
    completed_at: datetime | None
    outcome: str


def _task(task) -> dict[str, Any]:
    return TaskOut(
        id=task.pk,
        title=task.title,
        due_date=task.due_date,
        assigned_to=task.assigned_to.email if task.assigned_to_id else None,
        created_at=task.created_at,
        completed_at=task.completed_at,
        outcome=task.outcome,
    ).model_dump(mode="json")


class TaskIn(Strict):
    title: str = Field(min_length=1, max_length=200, description="What needs doing")
    due_date: date | None = None
    assignee: str | None = Field(
        default=None,
        max_length=254,
        description="The email address of a member of the team that holds the case",
    )


@router.post(
    "/cases/{reference}/tasks/",
    response=_responses(201, TaskOut),
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["tasks"],
)
def create_task(request, reference: str, payload: TaskIn):
    """Add a task to the case, for its team or one member of it. Needs tasks:write."""
    from commonweal.cases import selectors as cases_selectors
    from commonweal.cases import services as cases_services

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        task = cases_services.task_add(
            case_id=case_id,
            title=payload.title,
            due_date=payload.due_date,
            assignee_id=_member(request, payload.assignee, "assignee"),
            by=_by(request),
        )
        return 201, _task(cases_selectors.task_of_case(case_id=case_id, task_id=task.pk))

    return run_action(request, reference, "tasks:write", make, categories=["timeline"])


class CompleteIn(Strict):
    outcome: str = Field(default="", max_length=2000, description="What was done")


@router.post(
    "/cases/{reference}/tasks/{task_id}/complete/",
    response=_responses(200, TaskOut),
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["tasks"],
)
def complete_task(request, reference: str, task_id: int, payload: CompleteIn):
    """Mark one of the case's tasks done, with what was done. A task already done is
    refused. Needs tasks:write."""
    from commonweal.cases import selectors as cases_selectors
    from commonweal.cases import services as cases_services

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        if cases_selectors.task_of_case(case_id=case_id, task_id=task_id) is None:
            raise Refused("task_id", "This case has no such task", status=404)
        cases_services.task_complete(task_id=task_id, outcome=payload.outcome, by=_by(request))
        return 200, _task(cases_selectors.task_of_case(case_id=case_id, task_id=task_id))

    return run_action(request, reference, "tasks:write", make, categories=["timeline"])
