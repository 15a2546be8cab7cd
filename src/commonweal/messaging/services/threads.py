"""Secure messages on a case: the thread between the person and the team, with
attachments, and the team's saved replies."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from commonweal.accounts.selectors import User
from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import sha256_of
from commonweal.core.quarantine import InfectedFile, file_hold

from ..models import SavedReply, ThreadAttachment, ThreadMessage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.cases.selectors import Case
    from commonweal.cases.services import BulkOutcome
    from commonweal.catalogue.selectors import Service
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person


class ThreadMessageRefused(Exception):
    def __init__(self, message: StrOrPromise, field: str = "body") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


# Attachments' name in the quarantine (`core.quarantine.QUARANTINE_KINDS`).
ATTACHMENT_KIND = "attachment"
MAX_ATTACHMENTS = 5
# The same message from the same person this soon after is a double click, not a new one.
REPEAT_WINDOW = datetime.timedelta(seconds=30)


def thread_message_post(
    *,
    case: Case,
    by: User,
    from_staff: bool,
    body: str,
    files: Iterable[UploadedFile] = (),
    on_behalf_of: Person | None = None,
) -> ThreadMessage:
    """Add a message to the case's thread, with its attachments, in one transaction.

    Staff writing tells the person there is a message (never what it says); the person
    writing makes it work for the team, and restarts the clock if the case waited for them."""
    from django.utils.translation import gettext as _

    body = (body or "").strip()
    if not body:
        raise ThreadMessageRefused(_("Write your message"))
    if len(body) > 10000:
        raise ThreadMessageRefused(_("Your message must be 10,000 characters or fewer"))
    files = [upload for upload in files if getattr(upload, "name", "")]
    if len(files) > MAX_ATTACHMENTS:
        raise ThreadMessageRefused(
            _("You can attach up to %(count)s files") % {"count": MAX_ATTACHMENTS}, "attachments"
        )
    checked = []
    for upload in files:
        assert upload.name  # the files without a name were left out above  # nosec B101
        content_type, error = catalogue.check_upload(upload)
        if error:
            raise ThreadMessageRefused(f"{upload.name[-80:]}: {error}", "attachments")
        assert content_type is not None  # check_upload gives a type when there is no error  # nosec B101
        checked.append((upload, content_type))
    with transaction.atomic():
        # The case row is locked by the case service below; lock it first, so a double
        # click waits here and then finds the message the first click wrote.
        cases_services.case_lock(case_id=case.pk)
        repeat = (
            ThreadMessage.objects.filter(
                case=case,
                author=by,
                body=body,
                created_at__gte=timezone.now() - REPEAT_WINDOW,
            )
            .order_by("-created_at")
            .first()
        )
        if repeat is not None:
            return repeat
        message = ThreadMessage.objects.create(
            case=case,
            author=by,
            from_staff=from_staff,
            on_behalf_of=on_behalf_of,
            body=body,
            created_at=timezone.now(),
        )
        for upload, content_type in checked:
            assert upload.size is not None  # check_upload has measured it  # nosec B101
            attachment = ThreadAttachment(
                message=message,
                original_name=(upload.name or "file")[-255:],
                content_type=content_type,
                extension=catalogue.ALLOWED_UPLOAD_TYPES[content_type],
                size=upload.size,
                sha256=sha256_of(upload),
            )
            attachment.file.save("attachment", upload, save=False)
            attachment.save()
            # Held in quarantine until the virus scanner says it is clean (if one is set).
            file_hold(name=attachment.file.name, kind=ATTACHMENT_KIND, object_id=attachment.pk)
        if from_staff:
            cases_services.case_staff_wrote(case=case, by=by, message_id=message.pk)
        else:
            cases_services.case_person_wrote(
                case=case, by=by, on_behalf_of=on_behalf_of, message_id=message.pk
            )
    return message


def thread_messages_post_many(
    *, case_ids: list[int], reply_id: int, by: User, context: StaffContext, batch: str = ""
) -> BulkOutcome:
    """The team sends a saved reply to many cases at once, as a secure message on each, in
    each person's language: the messages in one statement, their history and the cases'
    "answered" in a few more (`cases_staff_wrote_many`), each person told there is a message.
    Every case must be open and one the member of staff may work; a case of another service
    than the saved reply's is left out, with why. `batch` is the confirmation page's one-time
    token: done once, it does nothing again."""
    from django.utils.translation import gettext as _

    from ..selectors import saved_reply_text

    case_ids = sorted(set(case_ids))
    if not case_ids:
        raise ThreadMessageRefused(_("Select at least one case to send the message to."), "cases")
    if len(case_ids) > cases_selectors.BULK_MAX_CASES:
        raise ThreadMessageRefused(
            _("Select %(count)s cases or fewer.") % {"count": cases_selectors.BULK_MAX_CASES},
            "cases",
        )
    reply = SavedReply.objects.filter(pk=reply_id).first()
    if reply is None:
        raise ThreadMessageRefused(_("Choose a saved message"), "reply")
    with transaction.atomic():
        cases_services.cases_lock(case_ids=case_ids)
        if cases_selectors.bulk_batch_done(case_ids=case_ids, batch=batch):
            return cases_services.BulkOutcome(repeated=True)
        cases = cases_selectors.bulk_cases(context=context, case_ids=case_ids)
        if len(cases) != len(case_ids):
            raise ThreadMessageRefused(
                _("Some of the selected cases are closed or not in your teams' queues."), "cases"
            )
        unchanged = {
            case.pk: _("This saved message is for another service.")
            for case in cases
            if case.service_id != reply.service_id
        }
        sending = [case for case in cases if case.pk not in unchanged]
        now = timezone.now()
        messages = ThreadMessage.objects.bulk_create(
            [
                ThreadMessage(
                    case=case,
                    author=by,
                    from_staff=True,
                    body=saved_reply_text(reply=reply, language=case.person.language or "en"),
                    created_at=now,
                )
                for case in sending
            ],
            batch_size=500,
        )
        cases_services.cases_staff_wrote_many(
            written=[(case, message.pk) for case, message in zip(sending, messages, strict=True)],
            by=by,
            batch=batch,
        )
    return cases_services.BulkOutcome(changed=[case.pk for case in sending], unchanged=unchanged)


def thread_mark_read(*, case: Case, by_staff: bool) -> int:
    """The other side's unread messages on the case are now read."""
    return ThreadMessage.objects.filter(
        case=case, from_staff=not by_staff, read_at__isnull=True
    ).update(read_at=timezone.now())


def saved_reply_ensure(
    *, service: Service, title: str, body_en: str, body_cy: str = ""
) -> SavedReply:
    reply, _created = SavedReply.objects.get_or_create(
        service=service, title=title, defaults={"body_en": body_en, "body_cy": body_cy}
    )
    return reply


def attachment_infected(infected: InfectedFile) -> None:
    """The virus scanner found a virus in a secure message's attachment (registered for
    attachments in `QUARANTINE_KINDS`): the case's team gets a task, and the person an
    update when they sent it."""
    attachment = (
        ThreadAttachment.objects.select_related("message").filter(pk=infected.object_id).first()
    )
    if attachment is None:
        return
    cases_services.case_file_infected(
        case_id=attachment.message.case_id,
        name=attachment.original_name,
        stored_name=infected.name,
        signature=infected.signature,
        tell_person=not attachment.message.from_staff,
    )
