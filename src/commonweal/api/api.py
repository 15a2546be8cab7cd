"""The REST API, version 1: `/api/v1/`. Its OpenAPI document is served at
`/api/v1/schema/` and committed as docs/api/openapi.json (a test fails when they differ).

Every error has the same shape: `{"errors": [{"field", "code", "message"}]}`. Request
bodies with fields the schema does not know are refused. A POST that creates something
needs an `Idempotency-Key` header; repeating it gets the first answer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field

from commonweal.catalogue import selectors as catalogue
from commonweal.intake import services as intake_services

from . import selectors, services


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        key = services.api_key_authenticate(token=token)
        if key is not None:
            request.api_key = key
        return key


api = NinjaAPI(
    title="Commonweal API",
    version="1",
    description=__doc__,
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs_url="/docs/",
)


# Errors, one shape everywhere


class Problem(Schema):
    field: str
    code: str
    message: str


class Errors(Schema):
    errors: list[Problem]


def _errors(request, status: int, problems: list[tuple[str, str, str]]):
    return api.create_response(
        request,
        {"errors": [{"field": f, "code": c, "message": m} for f, c, m in problems]},
        status=status,
    )


@api.exception_handler(ValidationError)
def validation_failed(request, error: ValidationError):
    problems = []
    for item in error.errors:
        location = [str(part) for part in item.get("loc", []) if part not in ("body", "payload")]
        problems.append((".".join(location) or "body", item.get("type", "invalid"), item["msg"]))
    return _errors(request, 400, problems)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, error):
    return _errors(request, 401, [("Authorization", "unauthenticated", "Give a valid API key")])


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    return _errors(request, error.status_code, [("", "error", str(error))])


def _require(request, scope: str) -> None:
    if scope not in request.api_key.scopes:
        raise HttpError(403, f"This key does not have the {scope} scope")


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# The service catalogue (public)


class Text(Schema):
    en: str
    cy: str | None = None


class QuestionOut(Schema):
    id: str
    type: str
    required: bool
    label: Text


class ServiceOut(Schema):
    slug: str
    reference_prefix: str
    version: int
    title: Text
    summary: Text
    target_working_days: int
    questions: list[QuestionOut]


@api.get("/services/", response=list[ServiceOut], auth=None, tags=["catalogue"])
def list_services(request):
    """The services people can apply for now, with their questions."""
    return selectors.services_for_api()


# Registering an application


class PersonIn(Strict):
    email: str | None = Field(default=None, description="To let them see and follow it online")


class ApplicationIn(Strict):
    service: str = Field(description="The service's slug, for example budgeting-loan")
    channel: Literal["phone", "in_person", "paper"]
    identity_check: str = Field(
        default="not_checked",
        max_length=30,
        description="How identity was checked: document:passport, knowledge, not_checked",
    )
    language: Literal["en", "cy"] = "en"
    person: PersonIn = PersonIn()
    answers: dict[str, Any] = Field(
        description="Answers keyed by question id, in the form the questions list gives "
        "(dates as YYYY-MM-DD, yes/no as true/false, addresses and bank details as objects)"
    )


class CaseOut(Schema):
    reference: str
    service: str
    stage: str
    stage_title: Text
    opened_at: datetime
    due_date: date
    closed_at: datetime | None
    outcome: str
    channel: str


class RegisteredOut(Schema):
    reference: str
    case: CaseOut


@api.post(
    "/applications/",
    auth=ApiKeyAuth(),
    response={201: RegisteredOut, 400: Errors, 401: Errors, 403: Errors, 409: Errors},
    tags=["applications"],
)
def register_application(request, payload: ApplicationIn):
    """Register a whole application in one call, answers and all: it is checked by the same
    rules as the online questions and opens a case. Needs an Idempotency-Key header."""
    _require(request, "applications:register")
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return _errors(
            request,
            400,
            [
                (
                    "Idempotency-Key",
                    "required",
                    "Send an Idempotency-Key header (up to 100 characters)",
                )
            ],
        )
    published = catalogue.published_service(slug=payload.service)
    if published is None or not selectors.organisation_handles(
        organisation_id=request.api_key.organisation_id, service_id=published.service.pk
    ):
        return _errors(request, 400, [("service", "unknown", "No such service for this key")])

    def make():
        try:
            application = intake_services.application_register(
                account=request.api_key.account,
                published=published,
                channel=payload.channel,
                identity_check=payload.identity_check,
                person_email=(payload.person.email or "").strip().lower(),
                answers=payload.answers,
                language=payload.language,
            )
        except intake_services.RegistrationRefused as refused:
            return 400, {
                "errors": [{"field": f, "code": c, "message": m} for f, c, m in refused.errors]
            }
        case = CaseOut(**selectors.case_for_api(reference=application.reference))
        return 201, {"reference": application.reference, "case": case.model_dump(mode="json")}

    status, body = services.idempotent(
        api_key=request.api_key, key=key, request_body=request.body, make=make
    )
    return api.create_response(request, body, status=status)


# Reading a case


class EventOut(Schema):
    kind: str
    at: datetime
    visible_to_person: bool
    data: dict[str, Any]


class CaseDetailOut(CaseOut):
    timeline: list[EventOut]


@api.get(
    "/cases/{reference}/",
    auth=ApiKeyAuth(),
    response={200: CaseDetailOut, 401: Errors, 403: Errors, 404: Errors},
    tags=["cases"],
)
def read_case(request, reference: str):
    """A case the key's organisation holds, with its whole timeline, newest first."""
    _require(request, "cases:read")
    case = selectors.case_for_api(
        reference=reference.upper()[:20], organisation_id=request.api_key.organisation_id
    )
    if case is None:
        return _errors(request, 404, [("reference", "not_found", "No such case")])
    return case
