"""A person's data as a PDF, made in the background: asking for it queues a task, the page
refreshes until the PDF is ready, and the person is told by their usual channel when it is.
The file is kept in the private file storage for COMMONWEAL_DATA_DOWNLOAD_HOURS, fetched
only by its owner, then deleted. Public through `rights.services` and `rights.selectors`."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from commonweal.messaging import services as messaging_services

from .documents import document_context, pdf_from_html
from .models import DataDownload

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.people.selectors import Person

logger = logging.getLogger(__name__)

# A download still "being made" after this long was left by a worker that stopped: it is
# marked failed, so the person can ask again.
STALE_AFTER = datetime.timedelta(hours=1)


def _hours() -> int:
    return int(getattr(settings, "COMMONWEAL_DATA_DOWNLOAD_HOURS", 24))


def data_download_request(*, person: Person, language: str, by: User) -> tuple[DataDownload, bool]:
    """Ask for the person's data as a PDF. Queues the task that makes it, unless one is
    already being made for them (a second click), which is returned instead. Returns the
    download and whether it is new."""
    from .tasks import make_data_download

    try:
        with transaction.atomic():
            download = DataDownload.objects.create(
                person=person,
                language="cy" if language.startswith("cy") else "en",
                requested_by=by,
                requested_at=timezone.now(),
            )
            download_id = str(download.pk)
            transaction.on_commit(lambda: make_data_download.enqueue(download_id))
    except IntegrityError:
        making = DataDownload.objects.filter(
            person=person, status=DataDownload.Status.MAKING
        ).first()
        if making is None:  # finished between the two statements: ask again
            return data_download_request(person=person, language=language, by=by)
        return making, False
    return download, True


def data_download_make(*, download_id: str) -> str:
    """Make the PDF (the task's work): gather the data, lay it out, store the file, and tell
    the person it is ready, in one transaction. A failure is recorded on the download (the
    page offers to try again) and logged. Returns the download's status."""
    download = (
        DataDownload.objects.select_related("person")
        .filter(pk=download_id, status=DataDownload.Status.MAKING)
        .first()
    )
    if download is None:
        return "gone"
    from . import selectors

    try:
        with translation.override(download.language):
            data = selectors.person_export(person=download.person, language=download.language)
            html = render_to_string(
                "rights/export_document.html",
                document_context(data, language=download.language),
            )
            pdf = pdf_from_html(html)
    except Exception as error:  # any failure in gathering or rendering: shown as failed
        logger.exception("data download %s could not be made", download_id)
        DataDownload.objects.filter(pk=download.pk, status=DataDownload.Status.MAKING).update(
            status=DataDownload.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:500],
        )
        return DataDownload.Status.FAILED
    return _store_and_tell(download, pdf)


def _store_and_tell(download: DataDownload, pdf: bytes) -> str:
    """Store the file, mark the download ready and queue the notice, together; if any of
    it fails, the file is removed and the download marked failed."""
    now = timezone.now()
    stored = ""
    try:
        with transaction.atomic():
            locked = (
                DataDownload.objects.select_for_update()
                .filter(pk=download.pk, status=DataDownload.Status.MAKING)
                .first()
            )
            if locked is None:
                return "gone"
            locked.file.save(f"{locked.pk}.pdf", ContentFile(pdf), save=False)
            stored = locked.file.name
            locked.status = DataDownload.Status.READY
            locked.finished_at = now
            locked.expires_at = now + datetime.timedelta(hours=_hours())
            locked.save(update_fields=["file", "status", "finished_at", "expires_at"])
            _tell_ready(locked)
    except Exception as error:  # storage or the notice failed: nothing half-made is kept
        logger.exception("data download %s could not be stored", download.pk)
        if stored:
            DataDownload._meta.get_field("file").storage.delete(stored)
        DataDownload.objects.filter(pk=download.pk, status=DataDownload.Status.MAKING).update(
            status=DataDownload.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:500],
        )
        return DataDownload.Status.FAILED
    return DataDownload.Status.READY


def _tell_ready(download: DataDownload) -> None:
    person = download.person
    language = download.language
    with translation.override(language):
        from django.utils.translation import gettext as _

        name = person.full_name or _("Sir or Madam")
        hours = _hours()
    messaging_services.notice_send(
        event="data_download_ready",
        person=person,
        data={
            "name": name,
            "organisation": settings.COMMONWEAL_ORGANISATION_NAME_CY
            if language == "cy"
            else settings.COMMONWEAL_ORGANISATION_NAME,
            "url": f"{settings.COMMONWEAL_BASE_URL}/account/your-data/pdf/{download.pk}/",
            "hours": str(hours),
        },
    )


def data_downloads_expire(*, now: datetime.datetime | None = None) -> int:
    """Housekeeping: delete the files of downloads past their time (and their rows), and
    mark as failed any left "being made" by a worker that stopped. Returns how many files
    were deleted."""
    now = now or timezone.now()
    DataDownload.objects.filter(
        status=DataDownload.Status.MAKING, requested_at__lt=now - STALE_AFTER
    ).update(status=DataDownload.Status.FAILED, finished_at=now, error="Not finished in time")
    deleted = 0
    expired = DataDownload.objects.filter(expires_at__lte=now).order_by("expires_at")[:500]
    for download in expired:
        if download.file:
            download.file.delete(save=False)
            deleted += 1
        download.delete()
    # Failed ones are kept a day for the page to explain, then go too.
    DataDownload.objects.filter(
        status=DataDownload.Status.FAILED, finished_at__lt=now - datetime.timedelta(days=1)
    ).delete()
    return deleted


def data_download_for(*, person: Person, download_id: str) -> DataDownload | None:
    """The person's own download by id, or None (someone else's, expired and deleted, or
    never made: the same answer for each)."""
    return DataDownload.objects.filter(pk=download_id, person=person).first()


def person_downloads_erase(person_ids: list[int]) -> int:
    """Retention: the PDFs of people being anonymised, files and rows."""
    erased = 0
    for download in DataDownload.objects.filter(person_id__in=person_ids):
        if download.file:
            download.file.delete(save=False)
        download.delete()
        erased += 1
    return erased
