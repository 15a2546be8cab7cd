"""Sending a draft: in one transaction, the application snapshot, the person's record, the
case at its first stage and the confirmation message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.references import new_reference
from commonweal.messaging import services as messaging
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from .. import journey
from ..models import Application
from .records import existing_record_update, person_details_from_answers

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import Case
    from commonweal.catalogue.selectors import Service, ServiceDefinition
    from commonweal.people.selectors import ContactChange, Person


class ApplicationIncomplete(Exception):
    """The application cannot be submitted yet; `page_id` is the first page to finish."""

    def __init__(self, page_id: str) -> None:
        super().__init__(page_id)
        self.page_id = page_id


class _DraftChanged(Exception):
    """The draft changed (or was sent) between reading and submitting it."""


def application_submit(
    *, account: User, service: Service, language: str, application_id: UUID | str | None = None
) -> Application | None:
    """Submit the account's draft for a service: in one transaction, the application
    snapshot, the person's record, the case at its first stage with its due date, its first
    event and the confirmation message. Returns None when there is no draft to submit (for
    example, a second click after the first one submitted it)."""
    for _attempt in range(5):
        try:
            return _submit(
                account=account, service=service, language=language, application_id=application_id
            )
        except (_DraftChanged, IntegrityError):
            # Everything this attempt wrote was rolled back. The draft was saved or sent by
            # another request in the meantime, or (about one chance in 10^11) the random
            # reference was taken: read it again and start over.
            continue
    raise RuntimeError("could not submit the application")


def _submit(
    *, account: User, service: Service, language: str, application_id: UUID | str | None = None
) -> Application | None:
    with transaction.atomic():
        found = _draft_to_submit(account=account, service=service, application_id=application_id)
        if found is None:
            return None
        application, own_record = found
        definition = catalogue.definition_for(application.version)
        missing = journey.missing_answers(
            definition, application.answers, application.completed_pages
        )
        if missing:
            raise ApplicationIncomplete(missing)

        snapshot = definition.effective_answers(application.answers)
        on_behalf = definition.is_on_behalf(snapshot)
        reference = new_reference(definition.reference_prefix)
        person, snapshot, contact_change = _submitter_record(
            application=application,
            account=account,
            own_record=own_record,
            definition=definition,
            snapshot=snapshot,
            on_behalf=on_behalf,
            reference=reference,
        )
        _draft_claim(
            application,
            reference=reference,
            person=person,
            on_behalf=on_behalf,
            snapshot=snapshot,
            language=language,
        )
        case = cases_services.case_open(
            application=application,
            person=person,
            definition=definition,
            by=account,
            channel=application.channel,
            on_behalf=on_behalf,
        )
        if application.taken_by_id and application.account_id == application.taken_by_id:
            # Told in the way they asked for; without an email address, a task for the team.
            cases_services.case_person_tell_reference(case=case, definition=definition, by=account)
        else:
            _queue_confirmation(application, case, definition, person, account, language)
    # New contact details given for an existing record, waiting for a check (or None).
    application.contact_change = contact_change  # type: ignore[attr-defined]  # for the caller, not a column
    return application


def _draft_to_submit(
    *, account: User, service: Service, application_id: UUID | str | None
) -> tuple[Application, Person | None] | None:
    """The draft to send, with the applicant's own record (or None), and its version."""
    # No row lock: the status and last-saved time are checked again when the draft is
    # claimed (_draft_claim), which undoes this attempt if anything changed in between.
    # Two simple queries cost less than one with joins: the version is nearly always the
    # published one, which the catalogue already holds.
    drafts = Application.objects.filter(
        account=account, service=service, status=Application.Status.DRAFT
    )
    if application_id is not None:
        drafts = drafts.filter(pk=application_id)
    else:
        drafts = drafts.exclude(taken_by=F("account"))
    # The applicant's own record comes with the draft (one query, not two).
    found = list(drafts.select_related("account__person").order_by()[:1])
    if not found:
        return None
    application = found[0]
    try:
        own_record = application.account.person
    except ObjectDoesNotExist:
        own_record = None
    application.service = service
    application.account = account
    published = catalogue.published_service(slug=service.slug)
    if published is not None and published.version.pk == application.version_id:
        application.version = published.version
    return application, own_record


def _submitter_record(
    *,
    application: Application,
    account: User,
    own_record: Person | None,
    definition: ServiceDefinition,
    snapshot: dict[str, Any],
    on_behalf: bool,
    reference: str,
) -> tuple[Person, dict[str, Any], ContactChange | None]:
    """The person the application is about, their record written from the answers.
    Returns the person, the snapshot to keep and new contact details waiting (or None)."""
    name = definition.name.text("en")
    details = person_details_from_answers(definition, snapshot)
    contact_change = None
    if application.taken_by_id and not on_behalf:
        # Taken by staff (or started by staff and carried on online): the record is the
        # one found when it was started, or a new one from the answers.
        reason = f"Given in application {reference} ({name}), {application.channel}"
        # The check the member of staff made is kept on the record, with the details.
        identity = people_selectors.identity_from_staff_check(
            check=application.identity_check, channel=application.channel
        )
        if application.person_id:
            person = people_selectors.person_get(person_id=application.person_id)
            # The draft's record cannot have gone (on_delete=PROTECT).
            assert person is not None  # nosec B101
            if application.existing_record and account.pk == application.taken_by_id:
                # Staff sending it for a record that was there before: only what the
                # identity check allows is written; new contact details wait.
                snapshot, contact_change = existing_record_update(
                    identity_check=application.identity_check,
                    definition=definition,
                    person=person,
                    snapshot=snapshot,
                    details=details,
                    by=account,
                    reference=reference,
                    reason=reason,
                    identity=identity,
                )
            else:
                people_services.person_update(
                    person=person,
                    details=details,
                    by=account,
                    reason=reason,
                    identity=identity,
                )
        else:
            person = people_services.person_create(
                details=details, by=account, reason=reason, identity=identity
            )
    elif on_behalf:
        person = people_services.person_create(
            details=details,
            by=account,
            reason=f"Named in application {reference} ({name}), made on their behalf",
        )
    else:
        person = own_record or people_services.person_for_account(account=account)
        people_services.person_update(
            person=person,
            details=details,
            by=account,
            reason=f"Given in application {reference} ({name})",
        )
    return person, snapshot, contact_change


def _draft_claim(
    application: Application,
    *,
    reference: str,
    person: Person,
    on_behalf: bool,
    snapshot: dict[str, Any],
    language: str,
) -> None:
    """Mark the draft sent, only if nobody saved or sent it since it was read."""
    now = timezone.now()
    claimed = Application.objects.filter(
        pk=application.pk,
        status=Application.Status.DRAFT,
        updated_at=application.updated_at,
    ).update(
        status=Application.Status.SUBMITTED,
        reference=reference,
        submitted_at=now,
        updated_at=now,
        person=person,
        on_behalf=on_behalf,
        answers=snapshot,
        language=language,
    )
    if not claimed:
        raise _DraftChanged(application.pk)
    application.status = Application.Status.SUBMITTED
    application.reference = reference
    application.submitted_at = now
    application.updated_at = now
    application.person = person
    application.on_behalf = on_behalf
    application.answers = snapshot
    application.language = language


def _queue_confirmation(
    application: Application,
    case: Case,
    definition: ServiceDefinition,
    person: Person,
    account: User,
    language: str,
) -> None:
    """Tell whoever applied that it arrived, in the language they used: the person, or the
    carer who applied for them (to the address they signed in with)."""
    data = messaging.notice_data(
        case=case,
        person=person,
        language=language,
        definition=definition,
        extra=messaging.application_received_data(
            case=case, definition=definition, language=language
        ),
    )
    if application.on_behalf:
        # Greet whoever will read it: the carer who applied, at their own address.
        data["name"] = "Syr neu Fadam" if language in ("cy", "both") else "Sir or Madam"
    messaging.notice_send(
        event="application_received",
        person=person,
        case=case,
        data=data,
        to_email=account.email if application.on_behalf else "",
        by=account,
    )
