"""The REST API, version 1: `/api/v1/`. Its OpenAPI document is served at
`/api/v1/schema/` and committed as docs/api/openapi.json (a test fails when they differ).

Every error has the same shape: `{"errors": [{"field", "code", "message"}]}`. Request
bodies with fields the schema does not know are refused. A POST that creates something
needs an `Idempotency-Key` header; repeating the same request (method, path and body) with
it gets the first answer, and the key sent with anything else is refused (409).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from pydantic import Field

from commonweal.catalogue import selectors as catalogue
from commonweal.core.text import UnreadableText, json_loads_text
from commonweal.intake import services as intake_services
from commonweal.privacy import services as privacy

from . import reference, selectors, services
from .auth import ApiKeyAuth, RateLimited
from .common import IDEMPOTENCY_KEY, Strict
from .errors import Errors, problems


class TextCheckingParser(Parser):
    """JSON bodies whose strings cannot be stored (a lone surrogate such as "\\ud800", or a
    NUL) are refused here, with the field, before any code sees them."""

    def parse_body(self, request):
        return json_loads_text(request.body)


api = NinjaAPI(
    parser=TextCheckingParser(),
    title="Commonweal API",
    version="1",
    description=__doc__,
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs_url="/docs/",
)


# Errors, one shape everywhere


def _errors(request, status: int, found: list[tuple[str, str, str]]):
    return api.create_response(request, problems(*found), status=status)


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


@api.exception_handler(RateLimited)
def rate_limited(request, error):
    response = _errors(
        request,
        429,
        [("Authorization", "rate_limited", "Too many requests for this key: wait and retry")],
    )
    response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    # django-ninja turns any failure to parse the body into "Cannot parse request body";
    # a string that cannot be stored is named, with its field.
    if isinstance(error.__cause__, UnreadableText):
        cause = error.__cause__
        return _errors(request, 400, [(cause.field or "body", "invalid_text", cause.message)])
    return _errors(request, error.status_code, [("", "error", str(error))])


class NotJson(Exception):
    """A body that is not application/json (answered 415)."""


@api.exception_handler(NotJson)
def not_json(request, error):
    return _errors(
        request, 415, [("Content-Type", "unsupported", "Send the body as application/json")]
    )


def _json_only(request) -> None:
    if request.content_type != "application/json":
        raise NotJson()


def _require(request, scope: str) -> None:
    if scope not in request.api_key.scopes:
        raise HttpError(403, f"This key does not have the {scope} scope")


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


@api.get(
    "/services/",
    response={200: list[ServiceOut], 400: Errors},
    auth=None,
    tags=["catalogue"],
)
def list_services(request):
    """The services people can apply for now, with their questions."""
    return selectors.services_for_api()


# Registering an application


class PersonIn(Strict):
    email: str | None = Field(default=None, description="To let them see and follow it online")


class ApplicationIn(Strict):
    service: str = Field(description="The service's slug, for example budgeting-loan")
    channel: Literal["phone", "in_person", "paper"]
    identity_check: Literal[intake_services.IDENTITY_CHECKS] = Field(
        default="not_checked",
        description="How the person's identity was checked: questions only they would know "
        "(knowledge), an identity document seen (document:<kind>), or not yet. It decides what "
        "the registration may do to a record we already hold for person.email (see "
        "docs/api.md); with not_checked, an email address is refused",
    )
    language: Literal["en", "cy"] = "en"
    person: PersonIn = PersonIn()
    answers: dict[str, Any] = Field(
        description="Answers keyed by question id, in the form the questions list gives "
        "(dates as YYYY-MM-DD, yes/no as true/false, addresses and bank details as objects)"
    )
    eligibility: dict[str, Any] = Field(
        default={},
        description="Answers to the service's 'check if you can apply' questions, when they "
        "were asked (yes/no as true/false, choices by value, postcodes as written); the "
        "service's rules read them, so without them a case that needs them goes to a person",
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
    contact_details: Literal["on_record", "waiting_for_check"] = Field(
        description="on_record: the person's record holds the contact details given (a new "
        "record made from the answers, or the same as the record's), and notices use them. "
        "waiting_for_check: we already hold a record for person.email with other contact "
        "details; the ones given are not used until the team that holds the case checks "
        "them (a code sent to the contact details on record, or a team leader's approval), "
        "and until then the application and its notices keep the record's"
    )


@api.post(
    "/applications/",
    auth=ApiKeyAuth(),
    response={
        201: RegisteredOut,
        400: Errors,
        401: Errors,
        403: Errors,
        409: Errors,
        429: Errors,
        415: Errors,
    },
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["applications"],
)
def register_application(request, payload: ApplicationIn):
    """Register a whole application in one call, answers and all: it is checked by the same
    rules as the online questions and opens a case. Needs an Idempotency-Key header."""
    _json_only(request)
    _require(request, "applications:register")
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return _idempotency_key_missing(request)
    published = catalogue.published_service(slug=payload.service)
    if published is None:
        return _errors(request, 400, [intake_services.REGISTER_NOT_HANDLED])
    if published.state not in (catalogue.OPEN, catalogue.PAUSED):
        # Closed, not yet open or retired (a pause stops online applications only).
        return _errors(
            request,
            400,
            [("service", "not_taking_applications", "This service is not taking applications now")],
        )

    def make():
        try:
            # Refused unless the key's organisation handles the service; a record we hold
            # for the email address gets only what the identity check allows.
            application = intake_services.application_register(
                by=request.api_key.account,
                organisation_id=request.api_key.organisation_id,
                published=published,
                channel=payload.channel,
                identity_check=payload.identity_check,
                person_email=(payload.person.email or "").strip().lower(),
                answers=payload.answers,
                eligibility_answers=payload.eligibility,
                language=payload.language,
                given_through=f"the API ({request.api_key.name})",
            )
        except intake_services.RegistrationRefused as refused:
            return 400, {
                "errors": [{"field": f, "code": c, "message": m} for f, c, m in refused.errors]
            }
        # Finding a record we held is, as for staff, a look taking an application for them.
        privacy.api_access_record(
            api_key=request.api_key,
            person_ids=[application.person_id],
            case_ids={application.person_id: application.case.pk},
            categories=[privacy.Category.PERSON, privacy.Category.ANSWERS],
            purpose=privacy.Purpose.ASSISTED_APPLICATION
            if application.existing_record
            else privacy.Purpose.API,
        )
        case = CaseOut(**selectors.case_summary_for_api(case=application.case, published=published))
        waiting = application.contact_change is not None
        return 201, {
            "reference": application.reference,
            "case": case.model_dump(mode="json"),
            "contact_details": "waiting_for_check" if waiting else "on_record",
        }

    status, body = services.idempotent(
        api_key=request.api_key,
        key=key,
        method=request.method,
        path=request.path,
        request_body=request.body,
        make=make,
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
    response={200: CaseDetailOut, 400: Errors, 401: Errors, 403: Errors, 404: Errors, 429: Errors},
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
    ids = selectors.case_and_person_ids(
        reference=case["reference"], organisation_id=request.api_key.organisation_id
    )
    if ids is not None:
        privacy.api_access_record(
            api_key=request.api_key,
            person_ids=[ids[1]],
            case_ids={ids[1]: ids[0]},
            categories=[privacy.Category.TIMELINE, privacy.Category.DECISIONS],
        )
    return case


# Changing a case


def _case_and_person_or_404(request, reference: str) -> tuple[int, int]:
    ids = selectors.case_and_person_ids(
        reference=reference.upper()[:20], organisation_id=request.api_key.organisation_id
    )
    if ids is None:
        raise HttpError(404, "No such case")
    return ids


def _idempotency_key_missing(request):
    """The answer to a change sent without a usable Idempotency-Key header."""
    return _errors(
        request,
        400,
        [("Idempotency-Key", "required", "Send an Idempotency-Key header (up to 100 characters)")],
    )


def _case_action(request, reference: str, action):
    """Run a change to a case once per Idempotency-Key; refusals in the one error shape."""
    from commonweal.cases import services as cases_services

    _json_only(request)
    _require(request, "cases:update")
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        return _idempotency_key_missing(request)
    case_id, person_id = _case_and_person_or_404(request, reference)

    def make():
        try:
            action(case_id)
        except cases_services.CaseActionRefused as refused:
            code = "stale" if isinstance(refused, cases_services.StaleCase) else "refused"
            status = 409 if code == "stale" else 400
            problems = getattr(refused, "problems", None) or [(refused.field, refused.message)]
            return status, {
                "errors": [
                    {"field": _api_field(field), "code": code, "message": message}
                    for field, message in problems
                ]
            }
        # Every call through a key is in the person's access log, as that integration.
        privacy.api_access_record(
            api_key=request.api_key,
            person_ids=[person_id],
            case_ids={person_id: case_id},
            categories=[privacy.Category.TIMELINE, privacy.Category.DECISIONS],
        )
        case = CaseOut(**selectors.case_for_api(reference=reference.upper()[:20]))
        return 200, case.model_dump(mode="json")

    status, body = services.idempotent(
        api_key=request.api_key,
        key=key,
        method=request.method,
        path=request.path,
        request_body=request.body,
        make=make,
    )
    return api.create_response(request, body, status=status)


def _api_field(field: str | None) -> str:
    """A field as the request names it: a wrong reason is in `reasons`; the amount is
    given in pence."""
    field = (field or "").split(":")[0]
    return {"amount": "amount_pence"}.get(field, field)


CASE_CHANGE_RESPONSES = {
    200: CaseOut,
    400: Errors,
    401: Errors,
    403: Errors,
    404: Errors,
    409: Errors,
    429: Errors,
    415: Errors,
}


class NoteIn(Strict):
    text: str = Field(max_length=5000)
    visible_to_person: bool = Field(
        default=False, description="An update the person sees on their timeline"
    )


@api.post(
    "/cases/{reference}/notes/",
    auth=ApiKeyAuth(),
    response=CASE_CHANGE_RESPONSES,
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["cases"],
)
def add_note(request, reference: str, payload: NoteIn):
    """Add an internal note, or an update the person sees. Needs cases:update."""
    from commonweal.cases import services as cases_services

    return _case_action(
        request,
        reference,
        lambda case_id: cases_services.case_note_add(
            case_id=case_id,
            text=payload.text,
            for_person=payload.visible_to_person,
            by=request.api_key.account,
        ),
    )


class StageIn(Strict):
    stage: str = Field(max_length=60, description="A stage the service allows from here")
    revision: int | None = Field(
        default=None, description="The case's revision as you read it; refused if it moved on"
    )


@api.post(
    "/cases/{reference}/stage/",
    auth=ApiKeyAuth(),
    response=CASE_CHANGE_RESPONSES,
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["cases"],
)
def move_stage(request, reference: str, payload: StageIn):
    """Move the case to another stage, as the service's definition allows."""
    from commonweal.cases import services as cases_services

    return _case_action(
        request,
        reference,
        lambda case_id: cases_services.case_move(
            case_id=case_id,
            stage_id=payload.stage,
            by=request.api_key.account,
            revision=payload.revision,
        ),
    )


class DecisionIn(Strict):
    outcome: Literal["approved", "refused", "withdrawn"]
    reasons: list[str] = Field(
        default=[],
        max_length=50,
        description="Reason ids from the service's list, each of this outcome; every outcome "
        "the service lists reasons for needs at least one",
    )
    explanation: str = Field(
        min_length=1, max_length=5000, description="What the person reads with the reasons"
    )
    amount_pence: int | None = Field(
        default=None,
        ge=1,
        le=99_999_999_999,
        description="What the person gets, in pence: required for an approval of a service "
        "whose approvals carry an amount, refused otherwise",
    )
    amount_reason: str = Field(
        default="",
        max_length=5000,
        description="Why the amount is not the rules' entitlement (required when it is not)",
    )
    revision: int | None = None


@api.post(
    "/cases/{reference}/decision/",
    auth=ApiKeyAuth(),
    response=CASE_CHANGE_RESPONSES,
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["cases"],
)
def record_decision(request, reference: str, payload: DecisionIn):
    """Record a decision; the person is told through their preferred channel. Refused (with
    every problem) when a reason belongs to another outcome, an outcome the service lists
    reasons for has none, or an approval's amount is missing or differs from the rules'
    entitlement without a reason; an approval is refused while a check is red. A decision
    recorded in error is corrected by a team leader in the workspace."""
    from commonweal.cases import services as cases_services
    from commonweal.organisations import selectors as organisations

    context = organisations.integration_context(
        organisation_id=request.api_key.organisation_id, user_id=request.api_key.account_id
    )
    return _case_action(
        request,
        reference,
        lambda case_id: cases_services.case_decide(
            case_id=case_id,
            outcome=payload.outcome,
            reasons=payload.reasons,
            explanation=payload.explanation,
            amount_pence=payload.amount_pence,
            amount_reason=payload.amount_reason,
            by=request.api_key.account,
            context=context,
            revision=payload.revision,
        ),
    )


class OfferAnswerIn(Strict):
    answer: Literal["accept", "decline"]
    how: Literal["phone", "in_person", "letter"] = Field(
        description="How the person gave their answer"
    )
    told_by: str = Field(
        min_length=1,
        max_length=200,
        description="Who gave the answer: the person, or who is acting for them",
    )
    words: str = Field(default="", max_length=5000, description="What they said (optional)")


@api.post(
    "/cases/{reference}/offer/",
    auth=ApiKeyAuth(),
    response=CASE_CHANGE_RESPONSES,
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["cases"],
)
def answer_offer(request, reference: str, payload: OfferAnswerIn):
    """Record the person's answer to the case's offer (an approval they must accept before
    anything is paid, such as a loan), given by phone, in person or by letter. Accepting
    releases the payment; declining cancels it. Answered once: a second answer is refused.
    Needs cases:update."""
    from commonweal.cases import services as cases_services

    return _case_action(
        request,
        reference,
        lambda case_id: cases_services.offer_answer(
            case_id=case_id,
            accept=payload.answer == "accept",
            by=request.api_key.account,
            how=payload.how,
            told_by=payload.told_by,
            words=payload.words,
        ),
    )


# People


class ContactPreferencesOut(Schema):
    channels: list[str]
    language: str
    accessible_format: str
    quiet_hours: list[str] | None
    do_not_contact: list[str]


class PersonOut(Schema):
    id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    postcode: str
    cases: list[str]


class PeoplePage(Schema):
    people: list[PersonOut]
    next: str | None = Field(description="Pass as ?after= for the next page; null at the end")


@api.get(
    "/people/",
    auth=ApiKeyAuth(),
    response={200: PeoplePage, 400: Errors, 401: Errors, 403: Errors, 429: Errors},
    tags=["people"],
)
def search_people(request, q: str = "", after: str = "", limit: int = 50):
    """People with a case held by the key's organisation, matching a name, date of birth,
    NI number or postcode; a page at a time (cursor in `next`). Needs people:read."""
    _require(request, "people:read")
    if not 1 <= limit <= 100:
        return _errors(request, 400, [("limit", "invalid", "Give a limit from 1 to 100")])
    try:
        page = selectors.people_for_api(
            organisation_id=request.api_key.organisation_id, text=q, after=after, limit=limit
        )
    except ValueError:
        return _errors(request, 400, [("after", "invalid", "Not a cursor this API gave")])
    privacy.api_access_record(
        api_key=request.api_key,
        person_ids=selectors.person_ids_for_public_ids(
            public_ids=[person["id"] for person in page["people"]]
        ),
        categories=[privacy.Category.PERSON],
    )
    return page


@api.get(
    "/people/{person_id}/contact-preferences/",
    auth=ApiKeyAuth(),
    response={
        200: ContactPreferencesOut,
        400: Errors,
        401: Errors,
        403: Errors,
        404: Errors,
        429: Errors,
    },
    tags=["people"],
)
def read_contact_preferences(request, person_id: str):
    """How a person with a case in the key's organisation wants to hear from us."""
    _require(request, "people:read")
    person = selectors.person_for_api(
        person_id=person_id, organisation_id=request.api_key.organisation_id
    )
    if person is None:
        return _errors(request, 404, [("person_id", "not_found", "No such person")])
    privacy.api_access_record(
        api_key=request.api_key,
        person_ids=[person.pk],
        categories=[privacy.Category.CONTACT_PREFERENCES],
    )
    return selectors.contact_preferences_for_api(person=person)


class ContactPreferencesIn(Strict):
    channels: list[Literal["portal", "email", "sms", "letter", "phone"]]
    language: Literal["en", "cy", "both"]
    accessible_format: Literal["standard", "large_print", "braille", "easy_read", "audio"]
    quiet_hours: bool = Field(description="No text messages between 21:00 and 08:00")
    do_not_contact: list[Literal["portal", "email", "sms", "letter", "phone"]] = []
    reason: str = Field(min_length=1, max_length=500, description="Why, for their history")


@api.put(
    "/people/{person_id}/contact-preferences/",
    auth=ApiKeyAuth(),
    response={
        200: ContactPreferencesOut,
        400: Errors,
        401: Errors,
        403: Errors,
        404: Errors,
        429: Errors,
        415: Errors,
    },
    tags=["people"],
)
def update_contact_preferences(request, person_id: str, payload: ContactPreferencesIn):
    """Change how a person hears from us (recorded in their history with the reason).
    Needs cases:update."""
    import datetime as dt

    from commonweal.people import services as people_services

    _json_only(request)
    _require(request, "cases:update")
    person = selectors.person_for_api(
        person_id=person_id, organisation_id=request.api_key.organisation_id
    )
    if person is None:
        return _errors(request, 404, [("person_id", "not_found", "No such person")])
    try:
        people_services.contact_preferences_update(
            person=person,
            channels=payload.channels,
            language=payload.language,
            accessible_format=payload.accessible_format,
            quiet_hours=(dt.time(21, 0), dt.time(8, 0)) if payload.quiet_hours else None,
            do_not_contact=payload.do_not_contact,
            by=request.api_key.account,
            reason=f"{request.api_key.name}: {payload.reason}",
        )
    except people_services.ContactPreferencesRefused as refused:
        return _errors(request, 400, [(refused.field or "", "refused", refused.message)])
    privacy.api_access_record(
        api_key=request.api_key,
        person_ids=[person.pk],
        categories=[privacy.Category.CONTACT_PREFERENCES],
    )
    person.refresh_from_db()
    return selectors.contact_preferences_for_api(person=person)


# UK reference data (postcodes, bank holidays and working days, addresses)

api.add_router("/reference/", reference.router)

# Casework on a case (assign, transfer, refer, tasks) and what it holds (messages, evidence,
# payments, data requests): one call each.
from . import actions, holdings  # noqa: E402

api.add_router("/", actions.router)
api.add_router("/", holdings.router)
