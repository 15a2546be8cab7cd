"""Applications an organisation registers in one call through the API (a call centre, a
paper form keyed in): checked by the same rules as the pages, sent as the journey sends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from commonweal.accounts.selectors import User
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.references import new_reference
from commonweal.core.uk import normalise_postcode
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from .. import assisted
from ..models import Application
from .records import existing_record_update, person_details_from_answers
from .staff import ASSISTED_CHANNELS, IDENTITY_CHECKS, assisted_may_take

if TYPE_CHECKING:
    from commonweal.catalogue.selectors import ServiceDefinition


class RegistrationRefused(Exception):
    """The answers sent through the API do not make a whole application; `errors` lists
    (field, code, message) for each problem."""

    def __init__(self, errors: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(message for _f, _c, message in errors))
        self.errors = errors


REGISTER_NOT_HANDLED = ("service", "unknown", "No such service for this key")


def application_register(
    *,
    by: User,
    organisation_id: int,
    published: catalogue.PublishedService,
    channel: str,
    identity_check: str,
    person_email: str,
    answers: dict[str, Any],
    language: str,
    eligibility_answers: dict[str, Any] | None = None,
    given_through: str = "",
) -> Application:
    """An application registered in one call (a call centre, a paper form keyed in) by an
    organisation: the answers are checked by the same rules as the pages, then it is sent,
    in one transaction, exactly as the journey sends it. `eligibility_answers` are the
    "check if you can apply" answers when the caller asked those questions too; the
    service's rules read them (without them, rules that need them send the case to a
    person). `given_through` (such as the API key's name) goes into the history's reason.

    The rules of an application staff take apply (intake/assisted.py): refused, with
    nothing looked up or written, unless the organisation handles the service, and when an
    email address comes with the identity not checked (the same answer whether or not we
    hold a record for it). A record the email address finds gets only the answers the
    identity check allows; new contact details for it wait for a check, and the returned
    application's `contact_change` is that change (None when nothing waits)."""
    if not assisted_may_take(organisation_ids=[organisation_id], service_id=published.service.pk):
        raise RegistrationRefused([REGISTER_NOT_HANDLED])
    definition = published.definition
    errors = _identity_problems(identity_check, person_email)
    eligibility = _eligibility_checked(definition, eligibility_answers or {}, errors)
    known = {question.id for question in definition.questions()}
    for question_id in answers:
        if question_id not in known:
            errors.append((f"answers.{question_id}", "unknown", "No such question"))
    parsed: dict[str, Any] = {}
    with translation.override(language):
        # Conditions can depend on earlier answers: work page by page, as the journey does.
        for page in definition.visible_pages({**answers, **parsed}):
            for question in page.questions:
                answer_type = catalogue.answer_type(question)
                if question.type == "file":
                    if answers.get(question.id) is not None or question.required:
                        errors.append(
                            (
                                f"answers.{question.id}",
                                "unsupported",
                                "Files cannot be sent through the API yet",
                            )
                        )
                    continue
                try:
                    raw = answer_type.raw_from_json(question, answers.get(question.id))
                except catalogue.WrongAnswerShape as wrong:
                    errors.append((f"answers.{question.id}", "invalid_type", str(wrong)))
                    continue
                result = catalogue.parse_answer(question, raw, {}, language)
                if result.error is not None:
                    errors.extend(
                        (f"answers.{question.id}", "invalid", str(problem.message))
                        for problem in result.errors
                    )
                elif result.value is not None:
                    parsed[question.id] = result.value
    if errors:
        raise RegistrationRefused(errors)
    pages = [page.id for page in definition.visible_pages(parsed)]
    # Inside a caller's transaction (the API's idempotency record), no savepoint: a clash
    # spoils the caller's transaction, which starts the whole call over itself.
    nested = transaction.get_connection().in_atomic_block
    for _attempt in range(5):
        try:
            with transaction.atomic(savepoint=False):
                return _register(
                    by=by,
                    published=published,
                    channel=channel,
                    identity_check=identity_check,
                    person_email=person_email,
                    answers=parsed,
                    eligibility_answers=eligibility,
                    pages=pages,
                    language=language,
                    given_through=given_through,
                )
        except IntegrityError:
            # Rolled back whole: the same new person registered at the same moment, or
            # (about one chance in 10^11) the random reference taken. Start over.
            if nested:
                raise
    raise RuntimeError("could not register the application")


def _identity_problems(identity_check: str, person_email: str) -> list[tuple[str, str, str]]:
    """An identity check we do not know, or an email address the check does not let find a
    record: refused before anything is looked up, so the answer is the same whether or not
    we hold a record for the address."""
    if identity_check not in IDENTITY_CHECKS:
        return [("identity_check", "invalid", "Give one of: " + ", ".join(IDENTITY_CHECKS))]
    if person_email and not assisted.may_find_record(identity_check):
        return [
            (
                "person.email",
                "identity_not_checked",
                "Check who they are before you send their email address (identity_check "
                "knowledge, or document:<kind> for a document seen), or leave the email "
                "address out to register the application from the answers alone",
            )
        ]
    return []


def _eligibility_checked(
    definition: ServiceDefinition, given: dict[str, Any], errors: list[tuple[str, str, str]]
) -> dict[str, str]:
    """The "check if you can apply" answers in the form the journey stores them; each
    problem added to `errors` as (field, code, message)."""
    asked = definition.eligibility.questions if definition.eligibility else []
    questions = {question.id: question for question in asked}
    checked: dict[str, str] = {}
    for question_id, value in given.items():
        question = questions.get(question_id)
        field = f"eligibility.{question_id}"
        if question is None:
            errors.append((field, "unknown", "No such eligibility question"))
            continue
        if question.type == "yes_no":
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if value not in ("yes", "no"):
                errors.append((field, "invalid", "Answer true or false"))
                continue
        elif question.type == "radios":
            assert question.options is not None  # a radios question has options  # nosec B101
            allowed = [option.value for option in question.options]
            if value not in allowed:
                errors.append((field, "invalid", "Answer one of: " + ", ".join(allowed)))
                continue
        else:
            value = normalise_postcode(value) if isinstance(value, str) else None
            if value is None:
                errors.append((field, "invalid", "Enter a real UK postcode, like SW1A 1AA"))
                continue
        checked[question_id] = value
    return checked


def _register(
    *,
    by: User,
    published: catalogue.PublishedService,
    channel: str,
    identity_check: str,
    person_email: str,
    answers: dict[str, Any],
    eligibility_answers: dict[str, str],
    pages: list[str],
    language: str,
    given_through: str,
) -> Application:
    """Send checked answers as the journey sends a staff-taken application, written
    directly as submitted: the person's record, the application, the case with its first
    event, and the message telling the person their reference. A record that existed is
    written to only as the identity check allows."""
    definition = published.definition
    if channel not in ASSISTED_CHANNELS:
        raise ValueError(f"not an assisted channel: {channel}")
    snapshot = definition.effective_answers(answers)
    on_behalf = definition.is_on_behalf(snapshot)
    reference = new_reference(definition.reference_prefix)
    name = definition.name.text("en")
    details = person_details_from_answers(definition, snapshot)
    existing = False
    contact_change = None
    if on_behalf:
        person = people_services.person_create(
            details=details,
            by=by,
            reason=f"Named in application {reference} ({name}), made on their behalf",
        )
    else:
        reason = f"Given in application {reference} ({name}), {channel}"
        if given_through:
            reason += f", through {given_through}"
        # The check the member of staff (or the integration) made is kept on the record.
        identity = people_selectors.identity_from_staff_check(check=identity_check, channel=channel)
        if person_email:
            person, existing = people_services.person_for_email(
                email=person_email,
                details=details,
                by=by,
                reason=reason,
                identity=identity,
            )
            if existing:
                # As for staff: only what the identity check allows; new contact details
                # wait, and the application and its notices keep the record's.
                snapshot, contact_change = existing_record_update(
                    identity_check=identity_check,
                    definition=definition,
                    person=person,
                    snapshot=snapshot,
                    details=details,
                    by=by,
                    reference=reference,
                    reason=reason,
                    identity=identity,
                )
        else:
            person = people_services.person_create(
                details=details, by=by, reason=reason, identity=identity
            )
    now = timezone.now()
    application = Application.objects.create(
        account=by,
        taken_by=by,
        service=published.service,
        version=published.version,
        person=person,
        existing_record=existing,
        channel=channel,
        identity_check=identity_check[:30],
        eligibility_answers=eligibility_answers,
        language=language,
        status=Application.Status.SUBMITTED,
        reference=reference,
        submitted_at=now,
        on_behalf=on_behalf,
        answers=snapshot,
        completed_pages=pages,
    )
    case = cases_services.case_open(
        application=application,
        person=person,
        definition=definition,
        by=by,
        channel=channel,
        on_behalf=on_behalf,
    )
    cases_services.case_person_tell_reference(case=case, definition=definition, by=by)
    application.contact_change = contact_change  # type: ignore[attr-defined]  # for the caller, not a column
    return application
