"""Every write to applications: drafts, answers, uploads and the one-transaction submission."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.checks import services as checks_services
from commonweal.core.files import sha256_of
from commonweal.core.jinja import date_long
from commonweal.core.references import new_reference
from commonweal.core.uk import normalise_postcode
from commonweal.messaging import services as messaging
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from . import assisted, journey
from .models import Application, FileScan, Upload
from .scanning import (  # noqa: F401  (the public surface for the worker and other apps)
    file_hold,
    files_forget,
    files_scan,
    files_scan_dispatch,
    files_scan_sweep,
)


class ApplicationIncomplete(Exception):
    """The application cannot be submitted yet; `page_id` is the first page to finish."""

    def __init__(self, page_id: str):
        super().__init__(page_id)
        self.page_id = page_id


class DraftNotFound(Exception):
    """The draft is no longer there: sent from another tab, or expired."""


def _locked_draft(application_id, account) -> Application:
    draft = (
        Application.objects.select_for_update()
        .filter(pk=application_id, account=account, status=Application.Status.DRAFT)
        .first()
    )
    if draft is None:
        raise DraftNotFound(application_id)
    return draft


def application_draft_start(
    *, account, published: catalogue.PublishedService, eligibility_answers: dict, language: str
) -> Application:
    """The account's draft for this service: the one in progress, or a new one."""
    draft = Application.objects.filter(
        account=account, service=published.service, status=Application.Status.DRAFT
    ).first()
    if draft is not None:
        return draft
    try:
        with transaction.atomic():
            return Application.objects.create(
                account=account,
                service=published.service,
                version=published.version,
                eligibility_answers=eligibility_answers,
                language=language,
            )
    except IntegrityError:
        # A second tab or a double click made the draft a moment ago: use that one.
        return Application.objects.get(
            account=account, service=published.service, status=Application.Status.DRAFT
        )


def _store_upload(application: Application, question_id: str, parsed_file: dict, account) -> dict:
    upload_file = parsed_file["file"]
    upload = Upload(
        application=application,
        question_id=question_id,
        original_name=(upload_file.name or "file")[-255:],
        content_type=parsed_file["content_type"],
        extension=catalogue.ALLOWED_UPLOAD_TYPES[parsed_file["content_type"]],
        size=upload_file.size,
        sha256=sha256_of(upload_file),
        uploaded_by=account,
    )
    upload.file.save("upload", upload_file, save=False)
    upload.save()
    file_hold(name=upload.file.name, kind=FileScan.Kind.UPLOAD, object_id=upload.id)
    return {
        "upload": str(upload.id),
        "name": upload.original_name,
        "size": upload.size,
        "content_type": upload.content_type,
    }


def application_page_save(
    *, application_id, account, page, values: dict, complete: bool = True
) -> Application:
    """Keep a page's answers on the draft. `values` maps question ids to parsed answers
    (a parsed file is stored here and replaced by a reference to it)."""
    with transaction.atomic():
        application = _locked_draft(application_id, account)
        answers = dict(application.answers)
        for question in page.questions:
            if question.id not in values:
                continue
            value = values[question.id]
            if isinstance(value, dict) and "file" in value:
                value = _store_upload(application, question.id, value, account)
            if value is None:
                answers.pop(question.id, None)
            else:
                answers[question.id] = value
        application.answers = answers
        if complete and page.id not in application.completed_pages:
            application.completed_pages = [*application.completed_pages, page.id]
        application.save(update_fields=["answers", "completed_pages", "updated_at"])
    return application


def application_details_confirm(*, application_id, account, pages, details: dict) -> Application:
    """The person confirmed the details we already hold: fill those pages from the record."""
    with transaction.atomic():
        application = _locked_draft(application_id, account)
        answers = dict(application.answers)
        completed = list(application.completed_pages)
        confirmed = list(application.confirmed_details)
        for page in pages:
            for question in page.questions:
                answers[question.id] = details[question.person_field]
                if question.person_field not in confirmed:
                    confirmed.append(question.person_field)
            if page.id not in completed:
                completed.append(page.id)
        application.answers = answers
        application.completed_pages = completed
        application.confirmed_details = confirmed
        application.save(
            update_fields=["answers", "completed_pages", "confirmed_details", "updated_at"]
        )
    return application


def _person_details_from_answers(definition, answers: dict) -> dict:
    return {
        question.person_field: answers[question.id]
        for question in definition.questions()
        if question.person_field and question.id in answers
    }


class _DraftChanged(Exception):
    """The draft changed (or was sent) between reading and submitting it."""


# How identity was checked ("document:<kind>" for a document seen), for the API's schema.
IDENTITY_CHECKS = assisted.IDENTITY_CHECKS
ASSISTED_CHANNELS = (
    Application.Channel.PHONE,
    Application.Channel.IN_PERSON,
    Application.Channel.PAPER,
)


class AssistedRefused(Exception):
    """A member of staff cannot take this application: `message` says why and what to do,
    `field` is the start page's input it belongs to."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def assisted_may_take(*, organisation_ids, service_id: int) -> bool:
    """Whether one of these organisations (a member of staff's, or an API key's) has a team
    that handles the service: only they take or register applications for it."""
    from commonweal.organisations import selectors as organisations

    return service_id in organisations.service_ids_handled_by(organisation_ids=organisation_ids)


def assisted_application_start(
    *,
    staff,
    context,
    published: catalogue.PublishedService,
    channel: str,
    identity_check: str,
    person_email: str,
    eligibility_answers: dict,
    language: str,
) -> Application:
    """A member of staff starts an application for someone, through the same questions.

    Refused (AssistedRefused, nothing written) unless their organisation handles the
    service. With the person's email address, and only after an identity check, their
    record (and sign-in) is found or made now, so they can see and carry on with the draft
    online; finding a record that existed is access-logged, and what it shows and what
    the application may change on it follow the check (intake/assisted.py). Without an
    email address, the record is made from the answers when it is sent."""
    from commonweal.accounts import services as accounts_services
    from commonweal.organisations import selectors as organisations
    from commonweal.privacy import services as privacy

    if channel not in ASSISTED_CHANNELS:
        raise ValueError(f"not an assisted channel: {channel}")
    if not assisted_may_take(
        organisation_ids=context.organisation_ids, service_id=published.service.pk
    ):
        raise AssistedRefused(assisted_not_handled_message(), "service")
    level = assisted.disclosure(identity_check)
    if person_email and not assisted.may_find_record(identity_check):
        raise AssistedRefused(assisted_identity_first_message(), "email")
    with transaction.atomic():
        person = None
        existing = False
        if person_email:
            person = people_selectors.person_by_account_email(email=person_email)
            existing = person is not None
            if person is None:
                account = accounts_services.account_for_email(email=person_email)
                person = people_services.person_for_account(account=account)
        application = Application.objects.create(
            account=staff,
            taken_by=staff,
            service=published.service,
            version=published.version,
            person=person,
            existing_record=existing,
            channel=channel,
            identity_check=identity_check[:30],
            eligibility_answers=eligibility_answers,
            language=language,
        )
        if existing:
            privacy.access_record(
                person_id=person.pk,
                purpose=privacy.Purpose.ASSISTED_APPLICATION,
                categories=[privacy.Category.PERSON]
                + ([privacy.Category.CONTACT_PREFERENCES] if level == assisted.FULL else []),
                via=privacy.Via.ASSISTED_APPLICATION,
                actor=staff,
                context=context,
                team_id=organisations.team_for_service(service_id=published.service.pk),
            )
    return application


def assisted_not_handled_message() -> str:
    return _(
        "Your organisation does not handle this service, so you cannot take an application "
        "for it. Tell them how to apply online, or pass them to the organisation that "
        "handles it."
    )


def assisted_identity_first_message() -> str:
    return _(
        "Check who they are before you use their email address: see an identity document or "
        "ask questions only they would know. Or leave the email address out to take the "
        "application from their answers alone."
    )


class AssistedContactRefused(Exception):
    """New contact details cannot be checked this way now; `message` says why."""

    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def assisted_contact_code_send(*, change_id: int, channel: str, by) -> None:
    """Send a code confirming new contact details to the contact point of `channel` on the
    record (the person reads it out). The code is only counted once it has gone."""
    with transaction.atomic():
        code, address, language = people_services.contact_change_code_issue(
            change_id=change_id, channel=channel, by=by
        )
        try:
            messaging.contact_code_send(
                channel=channel, address=address, code=code, language=language
            )
        except messaging.CodeNotSent:
            raise AssistedContactRefused(
                _("We could not send the code just now. Try again in a minute."), "channel"
            ) from None


def assisted_contact_change_approve(*, change_id: int, reason: str, by, context, team_id):
    """A team leader approves new contact details without a code, with their reason."""
    if not context.leads(team_id):
        raise AssistedContactRefused(
            _(
                "Only a team leader for the team that holds the case can approve new "
                "contact details without a code."
            ),
            "reason",
        )
    return people_services.contact_change_approve(change_id=change_id, reason=reason, by=by)


def application_submit(
    *, account, service, language: str, application_id=None
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


def _submit(*, account, service, language: str, application_id=None) -> Application | None:
    contact_change = None
    with transaction.atomic():
        # No row lock: the status and last-saved time are checked again when the draft is
        # claimed below, which undoes this attempt if anything changed in between.
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
        definition = catalogue.definition_for(application.version)
        missing = journey.missing_answers(
            definition, application.answers, application.completed_pages
        )
        if missing:
            raise ApplicationIncomplete(missing)

        snapshot = definition.effective_answers(application.answers)
        on_behalf = definition.is_on_behalf(snapshot)
        reference = new_reference(definition.reference_prefix)
        name = definition.name.text("en")
        details = _person_details_from_answers(definition, snapshot)
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
                if application.existing_record and account.pk == application.taken_by_id:
                    # Staff sending it for a record that was there before: only what the
                    # identity check allows is written; new contact details wait.
                    snapshot, contact_change = _existing_record_update(
                        identity_check=application.identity_check,
                        definition=definition,
                        person=person,
                        snapshot=snapshot,
                        details=details,
                        account=account,
                        reference=reference,
                        reason=reason,
                        identity=identity,
                    )
                else:
                    people_services.person_update(
                        person=person,
                        details=details,
                        changed_by=account,
                        reason=reason,
                        identity=identity,
                    )
            else:
                person = people_services.person_create(
                    details=details, created_by=account, reason=reason, identity=identity
                )
        elif on_behalf:
            person = people_services.person_create(
                details=details,
                created_by=account,
                reason=f"Named in application {reference} ({name}), made on their behalf",
            )
        else:
            person = own_record or people_services.person_for_account(account=account)
            people_services.person_update(
                person=person,
                details=details,
                changed_by=account,
                reason=f"Given in application {reference} ({name})",
            )
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
        case = cases_services.case_open(
            application=application,
            person=person,
            definition=definition,
            submitted_by=account,
            channel=application.channel,
            on_behalf=on_behalf,
        )
        # The automated checks run in the worker once this transaction has committed.
        checks_services.checks_enqueue(case_id=case.pk)
        if application.taken_by_id and application.account_id == application.taken_by_id:
            # Told in the way they asked for; without an email address, a task for the team.
            cases_services.case_person_tell_reference(case=case, definition=definition, by=account)
        else:
            _queue_confirmation(application, case, definition, person, account, language)
    # New contact details given for an existing record, waiting for a check (or None).
    application.contact_change = contact_change
    return application


def _existing_record_update(
    *,
    identity_check: str,
    definition,
    person,
    snapshot,
    details,
    account,
    reference,
    reason,
    identity=None,
):
    """An application staff took (or an integration registered) for a record that existed
    before: write the answers the identity check allows (intake/assisted.py), and the check
    itself (`identity`, from people.selectors.identity_from_staff_check); new contact details
    wait for a check (a code to a contact point on the record, or a team leader) and the
    application keeps the ones on the record, so notices go where they went before. Returns
    the snapshot to keep and the waiting change (or None)."""
    level = assisted.disclosure(identity_check)
    allowed = {
        name: value for name, value in details.items() if name in assisted.WRITTEN_FIELDS[level]
    }
    if allowed or identity:
        people_services.person_update(
            person=person, details=allowed, changed_by=account, reason=reason, identity=identity
        )
    changes = people_services.contact_differences(person=person, details=details)
    if not changes:
        return snapshot, None
    change = people_services.contact_change_request(
        person=person,
        changes=changes,
        reason=reason,
        case_reference=reference,
        by=account,
    )
    kept = dict(snapshot)
    for question in definition.questions():
        if question.person_field in changes and question.id in kept:
            old = changes[question.person_field][0]
            if old and (not isinstance(old, dict) or any(old.values())):
                kept[question.id] = old
            else:
                kept.pop(question.id)
    return kept, change


def _queue_confirmation(application, case, definition, person, account, language: str) -> None:
    """Tell whoever applied that it arrived, in the language they used: the person, or the
    carer who applied for them (to the address they signed in with)."""
    data = messaging.notice_data(
        case=case,
        person=person,
        language=language,
        definition=definition,
        extra={
            "due_date": date_long(case.due_date),
            "what_happens_next": cases_selectors.what_happens_next(
                definition=definition, language="cy" if language in ("cy", "both") else "en"
            ),
            "status_url": f"{settings.COMMONWEAL_BASE_URL}/check-status/",
        },
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


def drafts_expire_due() -> int:
    """For the worker's housekeeping: drafts older than COMMONWEAL_DRAFT_RETENTION_DAYS."""
    return drafts_expire(older_than_days=settings.COMMONWEAL_DRAFT_RETENTION_DAYS)


def drafts_expire(*, older_than_days: int) -> int:
    """Delete drafts nobody has touched for the retention period, with their uploads."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    stale = Application.objects.filter(status=Application.Status.DRAFT, updated_at__lt=cutoff)
    names = []
    for upload in Upload.objects.filter(application__in=stale).only("file"):
        names.append(upload.file.name)
        upload.file.delete(save=False)
    files_forget(names=names)
    count = stale.count()
    stale.delete()
    return count


class HandOverRefused(Exception):
    """The draft cannot be handed to the person; `message` says why, in their words."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def application_hand_over(*, application_id, account) -> Application:
    """A draft a member of staff started with the person (by phone, in person, from paper)
    becomes the person's own, so they can carry on with it online.

    Only the person the draft is for can take it, and only while they have no online draft
    of their own for the same service (a person has one draft per service). The draft keeps
    `taken_by`, which records that it was started by staff; the person's account is now the
    one that fills it in."""
    with transaction.atomic():
        draft = (
            Application.objects.select_for_update()
            .filter(
                pk=application_id,
                person__account=account,
                status=Application.Status.DRAFT,
                taken_by__isnull=False,
            )
            .exclude(account=account)
            .first()
        )
        if draft is None:
            raise DraftNotFound(application_id)
        if Application.objects.filter(
            account=account, service_id=draft.service_id, status=Application.Status.DRAFT
        ).exists():
            raise HandOverRefused(
                _(
                    "You have already started an application for this service online. "
                    "Finish that one, or contact us if you want to carry on with the one "
                    "we started with you instead."
                )
            )
        draft.account = account
        draft.save(update_fields=["account", "updated_at"])
    return draft


class RegistrationRefused(Exception):
    """The answers sent through the API do not make a whole application; `errors` lists
    (field, code, message) for each problem."""

    def __init__(self, errors: list[tuple[str, str, str]]):
        super().__init__("; ".join(message for _f, _c, message in errors))
        self.errors = errors


REGISTER_NOT_HANDLED = ("service", "unknown", "No such service for this key")


def application_register(
    *,
    account,
    organisation_id: int,
    published: catalogue.PublishedService,
    channel: str,
    identity_check: str,
    person_email: str,
    answers: dict,
    language: str,
    eligibility_answers: dict | None = None,
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
    parsed: dict = {}
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
                    account=account,
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


def _eligibility_checked(definition, given: dict, errors: list) -> dict:
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
    account,
    published,
    channel,
    identity_check,
    person_email,
    answers,
    eligibility_answers,
    pages,
    language,
    given_through,
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
    details = _person_details_from_answers(definition, snapshot)
    existing = False
    contact_change = None
    if on_behalf:
        person = people_services.person_create(
            details=details,
            created_by=account,
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
                changed_by=account,
                reason=reason,
                identity=identity,
            )
            if existing:
                # As for staff: only what the identity check allows; new contact details
                # wait, and the application and its notices keep the record's.
                snapshot, contact_change = _existing_record_update(
                    identity_check=identity_check,
                    definition=definition,
                    person=person,
                    snapshot=snapshot,
                    details=details,
                    account=account,
                    reference=reference,
                    reason=reason,
                    identity=identity,
                )
        else:
            person = people_services.person_create(
                details=details, created_by=account, reason=reason, identity=identity
            )
    now = timezone.now()
    application = Application.objects.create(
        account=account,
        taken_by=account,
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
        submitted_by=account,
        channel=channel,
        on_behalf=on_behalf,
    )
    # The automated checks run in the worker once this transaction has committed.
    checks_services.checks_enqueue(case_id=case.pk)
    cases_services.case_person_tell_reference(case=case, definition=definition, by=account)
    application.contact_change = contact_change
    return application


# Retention (registered in apps.py; see rights/retention.py): inside the retention batch's
# transaction, the only one the append-only triggers let delete.


def applications_erase(case_ids: list[int]) -> dict[str, int]:
    """These cases' uploads (files deleted once the batch commits) and the answers of their
    applications; the application rows stay, empty, for the case rows that point at them."""
    applications = Application.objects.filter(case__pk__in=case_ids)
    uploads = Upload.objects.filter(application__in=applications)
    names = list(uploads.values_list("file", flat=True))
    counts = {"files_deleted": len(names), "uploads_deleted": uploads._raw_delete(uploads.db)}
    applications.update(
        answers={}, eligibility_answers={}, completed_pages=[], confirmed_details=[]
    )
    storage = Upload._meta.get_field("file").storage

    def delete_files():
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return counts


def accounts_close_for_people(person_ids: list[int]) -> dict[str, int]:
    """The sign-in accounts of people being anonymised are closed (see
    `accounts.services.accounts_close`), except while an account has applications for anyone
    else (a carer's). Runs before their records are emptied (which unlinks the account)."""
    from commonweal.accounts import services as accounts_services

    others = Application.objects.filter(
        account_id=OuterRef("account_id"), person__isnull=False
    ).exclude(person_id__in=person_ids)
    account_ids = people_selectors.account_ids_of(person_ids=person_ids).exclude(Exists(others))
    return {"accounts_closed": accounts_services.accounts_close(account_ids=account_ids)}
