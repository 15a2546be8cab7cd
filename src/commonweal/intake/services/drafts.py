"""Drafts: starting one, keeping each page's answers and uploads, confirming the details we
hold, handing a staff-started draft to the person, and deleting drafts nobody touched."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import sha256_of
from commonweal.core.quarantine import InfectedFile, file_hold, files_forget

from ..models import Application, Upload

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.accounts.selectors import User
    from commonweal.catalogue.definition import Page

# Evidence's name in the quarantine (`core.quarantine.QUARANTINE_KINDS`).
UPLOAD_KIND = "upload"


class DraftNotFound(Exception):
    """The draft is no longer there: sent from another tab, or expired."""


def _locked_draft(application_id: UUID, account: User) -> Application:
    draft = (
        Application.objects.select_for_update()
        .filter(pk=application_id, account=account, status=Application.Status.DRAFT)
        .first()
    )
    if draft is None:
        raise DraftNotFound(application_id)
    return draft


def application_draft_start(
    *,
    account: User,
    published: catalogue.PublishedService,
    eligibility_answers: dict[str, Any],
    language: str,
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


def _store_upload(
    application: Application, question_id: str, parsed_file: dict[str, Any], account: User
) -> dict[str, Any]:
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
    file_hold(name=upload.file.name, kind=UPLOAD_KIND, object_id=upload.id)
    return {
        "upload": str(upload.id),
        "name": upload.original_name,
        "size": upload.size,
        "content_type": upload.content_type,
    }


def application_page_save(
    *,
    application_id: UUID,
    account: User,
    page: Page,
    values: dict[str, Any],
    complete: bool = True,
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


def application_details_confirm(
    *, application_id: UUID, account: User, pages: list[Page], details: dict[str, Any]
) -> Application:
    """The person confirmed the details we already hold: fill those pages from the record."""
    with transaction.atomic():
        application = _locked_draft(application_id, account)
        answers = dict(application.answers)
        completed = list(application.completed_pages)
        confirmed = list(application.confirmed_details)
        for page in pages:
            for question in page.questions:
                # Only pages whose every question fills a record field are prefilled.
                assert question.person_field is not None  # journey.prefillable_pages  # nosec B101
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


def drafts_expire_due() -> int:
    """For the worker's housekeeping: drafts older than COMMONWEAL_DRAFT_RETENTION_DAYS."""
    return drafts_expire(older_than_days=settings.COMMONWEAL_DRAFT_RETENTION_DAYS)


def drafts_expire(*, older_than_days: int) -> int:
    """Delete drafts nobody has touched for the retention period, with their uploads. The
    drafts of a paused or retired service are kept: their owners were told they are."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    stale = Application.objects.filter(
        status=Application.Status.DRAFT,
        updated_at__lt=cutoff,
        service__paused_at__isnull=True,
        service__retired_at__isnull=True,
    )
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

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(str(message))
        self.message = str(message)


def application_hand_over(*, application_id: UUID, account: User) -> Application:
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


def upload_infected(infected: InfectedFile) -> None:
    """The virus scanner found a virus in a piece of evidence (registered for uploads in
    `QUARANTINE_KINDS`). On a draft its answer goes, so the journey asks for it again; on a
    sent application the case's team and the person are told."""
    upload = Upload.objects.select_related("application").filter(pk=infected.object_id).first()
    if upload is None:
        return
    application = upload.application
    if application.status == Application.Status.DRAFT:
        _draft_forget(application, upload)
        return
    case = getattr(application, "case", None)  # the case its sending opened
    if case is not None:
        cases_services.case_file_infected(
            case_id=case.pk,
            name=upload.original_name,
            stored_name=infected.name,
            signature=infected.signature,
            tell_person=True,
        )


def _draft_forget(application: Application, upload: Upload) -> None:
    """An infected file on a draft: its answer goes, so the journey asks for it again."""
    answers = dict(application.answers)
    answer = answers.get(upload.question_id)
    if isinstance(answer, dict) and answer.get("upload") == str(upload.pk):
        answers.pop(upload.question_id)
    definition = catalogue.definition_for(application.version)
    pages = [
        page.id
        for page in definition.pages
        if any(question.id == upload.question_id for question in page.questions)
    ]
    Application.objects.filter(pk=application.pk).update(
        answers=answers,
        completed_pages=[page for page in application.completed_pages if page not in pages],
    )
