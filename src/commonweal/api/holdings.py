"""The API's calls for what a case holds: its secure messages (read and post), evidence
(uploaded), payment instructions (read) and the person's data requests (made and read).

Every read is in the person's access log as the integration; every write goes through the
owning domain's services, once per `Idempotency-Key` (see `actions.run_action`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import File, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from commonweal.privacy import services as privacy

from .actions import run_action
from .auth import ApiKeyAuth
from .common import IDEMPOTENCY_KEY, Strict
from .errors import Errors

router = Router(auth=ApiKeyAuth())

READ_RESPONSES = {400: Errors, 401: Errors, 403: Errors, 404: Errors, 429: Errors}
WRITE_RESPONSES = {
    400: Errors,
    401: Errors,
    403: Errors,
    404: Errors,
    409: Errors,
    415: Errors,
    429: Errors,
}


def _read(request, reference: str, scope: str, categories: list[str]) -> tuple[int, int]:
    """A read of a case the key's organisation holds (403 without the scope, then 404),
    logged in the person's access log; the case's and person's ids."""
    from .api import _case_and_person_or_404, _require

    _require(request, scope)
    case_id, person_id = _case_and_person_or_404(request, reference)
    privacy.api_access_record(
        api_key=request.api_key,
        person_ids=[person_id],
        case_ids={person_id: case_id},
        categories=categories,
    )
    return case_id, person_id


# Secure messages


class AttachmentOut(Schema):
    id: str
    name: str
    content_type: str
    size: int


class ThreadMessageOut(Schema):
    id: int
    from_staff: bool
    body: str
    created_at: datetime
    read_at: datetime | None = Field(description="When the other side first read it")
    attachments: list[AttachmentOut]


class ThreadOut(Schema):
    messages: list[ThreadMessageOut]


def _message(message) -> dict[str, Any]:
    return ThreadMessageOut(
        id=message.pk,
        from_staff=message.from_staff,
        body=message.body,
        created_at=message.created_at,
        read_at=message.read_at,
        attachments=[
            AttachmentOut(
                id=str(attachment.pk),
                name=attachment.original_name,
                content_type=attachment.content_type,
                size=attachment.size,
            )
            for attachment in message.attachments.all()
        ],
    ).model_dump(mode="json")


@router.get(
    "/cases/{reference}/messages/",
    response={200: ThreadOut, **READ_RESPONSES},
    tags=["messages"],
)
def read_messages(request, reference: str):
    """The case's secure messages between the person and the team, oldest first, with
    their attachments' names. Needs messages:read."""
    from commonweal.messaging import selectors as messaging_selectors

    case_id, _person_id = _read(request, reference, "messages:read", ["messages"])
    thread = messaging_selectors.case_thread_for_person(case_id=case_id)
    return {"messages": [_message(message) for message in thread]}


class MessageIn(Strict):
    body: str = Field(min_length=1, max_length=10000)


@router.post(
    "/cases/{reference}/messages/",
    response={201: ThreadMessageOut, **WRITE_RESPONSES},
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["messages"],
)
def post_message(request, reference: str, payload: MessageIn):
    """Write to the person in the case's secure thread, as the team: they are told there is
    a message (never what it says) through their preferred channel. Needs messages:write."""
    from commonweal.cases import services as cases_services
    from commonweal.messaging import selectors as messaging_selectors
    from commonweal.messaging import services as messaging_services

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        message = messaging_services.thread_message_post(
            case=cases_services.case_get(case_id=case_id),
            by=request.api_key.account,
            from_staff=True,
            body=payload.body,
        )
        thread = messaging_selectors.case_thread_for_person(case_id=case_id)
        return 201, _message(next(m for m in thread if m.pk == message.pk))

    return run_action(request, reference, "messages:write", make, categories=["messages"])


# Evidence


class EvidenceOut(Schema):
    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    scan: Literal["pending", "not_scanned"] = Field(
        description="pending: held until the virus scanner says it is clean; not_scanned: "
        "no scanner is configured"
    )


@router.post(
    "/cases/{reference}/evidence/",
    response={201: EvidenceOut, **WRITE_RESPONSES},
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["evidence"],
)
def upload_evidence(request, reference: str, file: UploadedFile | None = File(None)):  # noqa: B008
    """Add a file to the case as evidence, sent as multipart/form-data in the field `file`:
    a JPG, PNG or PDF (judged by its content) up to the upload limit (10 MB by default).
    Held in quarantine until the virus scanner says it is clean, like every upload. The
    Idempotency-Key is bound to the file's name and content. Needs evidence:write."""
    from django.conf import settings

    from commonweal.core.files import sha256_of
    from commonweal.intake import services as intake_services

    from .api import _require

    _require(request, "evidence:write")  # before the file is read to fingerprint it
    digest = sha256_of(file) if file is not None else ""

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        evidence = intake_services.case_evidence_add(
            case_id=case_id, upload=file, by=request.api_key.account
        )
        return 201, EvidenceOut(
            id=str(evidence.id),
            name=evidence.original_name,
            content_type=evidence.content_type,
            size=evidence.size,
            sha256=evidence.sha256,
            scan="pending" if settings.COMMONWEAL_FILE_SCANNER else "not_scanned",
        ).model_dump(mode="json")

    return run_action(
        request,
        reference,
        "evidence:write",
        make,
        categories=["evidence"],
        fingerprint=f"{getattr(file, 'name', '')}\0{digest}".encode("utf-8", "surrogatepass"),
    )


# Payments


class PaymentOut(Schema):
    id: int
    status: Literal["awaiting", "held", "pending", "batched", "paid", "failed", "cancelled"]
    amount_pence: int
    payee_name: str
    account_last_four: str
    reference: str = Field(description="What the payee sees on their statement")
    created_at: datetime
    status_changed_at: datetime
    failure_reason: str


class PaymentsOut(Schema):
    payments: list[PaymentOut]


@router.get(
    "/cases/{reference}/payments/",
    response={200: PaymentsOut, **READ_RESPONSES},
    tags=["payments"],
)
def read_payments(request, reference: str):
    """The case's payment instructions, oldest first, each with its status (a cancelled or
    failed one stays, with why); the account number is never given, only its last four
    digits. Needs payments:read."""
    from commonweal.payments import selectors as payments_selectors

    case_id, _person_id = _read(request, reference, "payments:read", ["person", "decisions"])
    return {
        "payments": [
            {
                "id": payment.pk,
                "status": payment.status,
                "amount_pence": payment.amount_pence,
                "payee_name": payment.payee_name,
                "account_last_four": payment.account_last_four,
                "reference": payment.reference,
                "created_at": payment.created_at,
                "status_changed_at": payment.status_changed_at,
                "failure_reason": payment.failure_reason,
            }
            for payment in payments_selectors.payments_of_case(case_id=case_id)
        ]
    }


# Data requests


class DataRequestOut(Schema):
    id: int
    subject: Literal["person", "answer"]
    field: str
    field_label: str
    value_shown: str = Field(description="The value as it was when the request was made")
    what_is_wrong: str
    should_be: str
    status: Literal["open", "corrected", "not_corrected"]
    created_at: datetime
    resolved_at: datetime | None
    outcome_reason: str
    corrected_value: str


class DataRequestsOut(Schema):
    data_requests: list[DataRequestOut]


def _data_request(row) -> dict[str, Any]:
    return DataRequestOut(
        id=row.pk,
        subject=row.subject,
        field=row.field,
        field_label=row.field_label,
        value_shown=row.value_shown,
        what_is_wrong=row.what_is_wrong,
        should_be=row.should_be,
        status=row.status,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        outcome_reason=row.outcome_reason,
        corrected_value=row.corrected_value,
    ).model_dump(mode="json")


@router.get(
    "/cases/{reference}/data-requests/",
    response={200: DataRequestsOut, **READ_RESPONSES},
    tags=["data requests"],
)
def read_data_requests(request, reference: str):
    """The person's requests to correct their details or answers made on this case, oldest
    first, with their outcome. Needs data_requests:read."""
    from commonweal.rights import selectors as rights_selectors

    case_id, _person_id = _read(request, reference, "data_requests:read", ["person", "answers"])
    rows = rights_selectors.data_requests_of_case(case_id=case_id)
    return {"data_requests": [_data_request(row) for row in rows]}


class DataRequestIn(Strict):
    subject: Literal["person", "answer"] = Field(
        description="person: a detail of their record (field: given_name, family_name, "
        "date_of_birth, ni_number, email, phone, address...); answer: an answer on this "
        "case's application (field: the question's id)"
    )
    field: str = Field(min_length=1, max_length=60)
    what_is_wrong: str = Field(min_length=1, max_length=2000)
    should_be: str = Field(min_length=1, max_length=2000)


@router.post(
    "/cases/{reference}/data-requests/",
    response={201: DataRequestOut, 200: DataRequestOut, **WRITE_RESPONSES},
    openapi_extra=IDEMPOTENCY_KEY,
    tags=["data requests"],
)
def make_data_request(request, reference: str, payload: DataRequestIn):
    """Record the person's request to correct a detail of their record or an answer on this
    case's application (told to you by phone, say): a task for the case's team, answered in
    the workspace. 201 with the new request; 200 with the open one when the same field is
    already being looked at. Needs data_requests:write."""
    from commonweal.cases import services as cases_services
    from commonweal.rights import services as rights_services

    def make(case_id: int, _person_id: int) -> tuple[int, dict[str, Any]]:
        case = cases_services.case_get(case_id=case_id)
        row, new = rights_services.data_request_create(
            person=case.person,
            subject=payload.subject,
            field=payload.field,
            what_is_wrong=payload.what_is_wrong,
            should_be=payload.should_be,
            by=request.api_key.account,
            application=case.application if payload.subject == "answer" else None,
            case_id=case_id,
        )
        return (201 if new else 200), _data_request(row)

    return run_action(
        request, reference, "data_requests:write", make, categories=["person", "answers"]
    )
