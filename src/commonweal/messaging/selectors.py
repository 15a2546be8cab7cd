"""Reads of messages for other apps: notices, letters and bulk sends, and the secure
messages thread on a case (for the person, the team and the person's download)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from commonweal.core.quarantine import scan_status_of

from .models import BulkSend, Message, PrintBatch, SavedReply, ThreadAttachment, ThreadMessage

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case
    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person


def saved_replies(*, service_id: int) -> list[SavedReply]:
    return list(SavedReply.objects.filter(service_id=service_id).order_by("title"))


def saved_replies_for_services(*, service_ids: list[int]) -> list[SavedReply]:
    """The saved replies of these services, by title (one query)."""
    return list(SavedReply.objects.filter(service_id__in=service_ids).order_by("title", "pk"))


def saved_reply(*, reply_id: int) -> SavedReply | None:
    return SavedReply.objects.filter(pk=reply_id).first()


def saved_reply_text(*, reply: SavedReply, language: str) -> str:
    """A saved reply's words for someone who reads this language ("en", "cy", or "both":
    Welsh first), in English when it has no Welsh."""
    if reply.body_cy and language == "cy":
        return reply.body_cy
    if reply.body_cy and language == "both":
        return f"{reply.body_cy}\n\n{reply.body_en}"
    return reply.body_en


def portal_messages(*, person: Person, case: Case) -> list[Message]:
    """The notices left in the person's account about a case, newest first (their words,
    while the retention period keeps them)."""

    return list(
        Message.objects.filter(person=person, case=case, channel="portal")
        .exclude(status__in=["queued", "sending", "cancelled"])
        .only("subject", "body", "language", "sent_at", "content_deleted_at", "read_at")
        .order_by("-sent_at")[:20]
    )


def print_batch_organisations(*, context: StaffContext) -> set[int]:
    """The organisations whose post this member of staff handles: those where they work in
    a team (provider staff, who only see referred cases, handle nobody's)."""
    return {context.team_organisations[team] for team in context.work_team_ids}


def print_batches(*, organisation_ids: Collection[int], limit: int = 60) -> list[PrintBatch]:
    """These organisations' recent letter batches, with how many letters each holds now
    (counted in the same query)."""
    from django.db.models import Count, F, Q

    from .models import PrintBatch

    # Counted as the build takes them: letters whose case the organisation still holds.
    own = Q(messages__case__team__organisation_id=F("organisation_id"))
    return list(
        PrintBatch.objects.filter(organisation_id__in=list(organisation_ids))
        .annotate(waiting=Count("messages", filter=own))
        .select_related("organisation")
        .order_by("-day", "organisation__name")[:limit]
    )


def print_batch(*, organisation_ids: Collection[int], batch_id: int) -> PrintBatch | None:
    """One batch, only if it belongs to one of these organisations (None otherwise, as if
    it did not exist)."""
    from .models import PrintBatch

    return (
        PrintBatch.objects.filter(organisation_id__in=list(organisation_ids), pk=batch_id)
        .select_related("organisation")
        .first()
    )


def print_batch_recipients(*, batch: PrintBatch) -> dict[int, int | None]:
    """The people with a letter in a batch, each with one of their cases (for the access
    log when the batch is downloaded)."""

    recipients: dict[int, int | None] = {}
    for person_id, case_id in (
        Message.objects.filter(print_batch=batch, person_id__isnull=False)
        .values_list("person_id", "case_id")
        .order_by("pk")
    ):
        if not recipients.get(person_id):
            recipients[person_id] = case_id
    return recipients


def _bulk_sends_of(organisation_ids: Collection[int]) -> QuerySet[BulkSend]:
    """Bulk sends made by staff of these organisations (filtered in the query)."""
    from .models import BulkSend

    return (
        BulkSend.objects.filter(
            created_by__memberships__team__organisation_id__in=list(organisation_ids)
        )
        .distinct()
        .select_related("service", "created_by")
    )


def bulk_sends(*, organisation_ids: Collection[int], limit: int = 10) -> list[BulkSend]:
    return list(_bulk_sends_of(organisation_ids).order_by("-created_at")[:limit])


def bulk_send(*, bulk_id: int, organisation_ids: Collection[int]) -> BulkSend | None:
    return _bulk_sends_of(organisation_ids).filter(pk=bulk_id).first()


def bulk_send_delivered(*, bulk: BulkSend) -> dict[str, int]:
    """How the bulk message's notices stand: delivered, still going, failed, for the team."""
    from django.db.models import Count

    from .models import Notice

    rows = (
        Notice.objects.filter(data__bulk=f"bulk:{bulk.pk}")
        .values("status")
        .annotate(count=Count("pk"))
    )
    return {row["status"]: row["count"] for row in rows}


def messages_for_export(*, person: Person) -> list[dict[str, str | None]]:
    """Every message we sent the person (their words while the retention period keeps
    them), oldest first, for their own download: one query."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return [
        {
            "about": message.event,
            "case": message.case.reference if message.case is not None else None,
            "channel": message.channel,
            "to": message.to_address,
            "subject": message.subject,
            "body": message.body,
            "status": message.status,
            "sent_at": iso(message.sent_at),
            "delivered_at": iso(message.delivered_at),
            "read_at": iso(message.read_at),
            "words_deleted_at": iso(message.content_deleted_at),
        }
        for message in Message.objects.filter(person=person)
        .exclude(status=Message.Status.CANCELLED)
        .select_related("case")
        .only(
            "event",
            "channel",
            "to_address",
            "subject",
            "body",
            "status",
            "sent_at",
            "delivered_at",
            "read_at",
            "content_deleted_at",
            "created_at",
            "case__reference",
        )
        .order_by("created_at", "id")
    ]


def notice_preview(
    *,
    event: str,
    person: Person,
    case: Case,
    definition: ServiceDefinition | None = None,
    extra_for: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, str | None]:
    """What telling the person about this case would send now, rendered exactly as the
    notice would be (nothing is written): the first channel it would try, its subject and
    words in their language. For staff to check before they act. `extra_for(language)`
    gives the notice's own placeholders (an offer's), worded in that language, as
    `messaging.case_notices` fills them in.

    `channel` is None when nobody can be reached (the team gets a task instead), and
    `team_format` names a format the team makes by hand (Braille, audio, easy read)."""
    from . import services, templating
    from .services.notices import postable_channels
    from .services.templates import render_message

    language = person.language or (case.application.language if case else "") or "en"
    if person.accessible_format in services.FORMATS_FOR_THE_TEAM:
        return {"channel": None, "team_format": person.accessible_format}
    plan = postable_channels(services.plan_channels(person=person), case)
    if not plan:
        return {"channel": None, "team_format": ""}
    extra = {}
    if extra_for is not None:
        from django.utils import translation

        text_language = "cy" if language in ("cy", "both") else "en"
        with translation.override(text_language):
            extra = extra_for(text_language)
    data = services.notice_data(
        case=case, person=person, language=language, extra=extra, definition=definition
    )
    try:
        subject, body, _template, _language = render_message(event, plan[0], language, data)
    except (templating.MissingData, templating.TemplateError, LookupError):
        return {"channel": None, "team_format": ""}
    return {
        "channel": plan[0],
        "team_format": "",
        "subject": subject,
        "body": body,
        "address": _address_for(person, plan[0]),
    }


def _address_for(person: Person, channel: str) -> str:
    if channel == "email":
        return person.email or ""
    if channel in ("sms", "phone"):
        return person.phone or ""
    if channel == "letter":
        return ", ".join(part for part in (person.address_line_1, person.address_postcode) if part)
    return ""


# The secure messages thread


def unread_staff_messages_count(case_path: str = "pk") -> Coalesce:
    """An expression for annotating a query: the team's messages on the case (at
    `case_path` from the query's model) that the person has not read yet."""
    unread = (
        ThreadMessage.objects.filter(
            case_id=OuterRef(case_path), from_staff=True, read_at__isnull=True
        )
        .order_by()
        .values("case_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def case_thread_for_person(*, case_id: int) -> list[ThreadMessage]:
    """The case's secure messages, oldest first, with their authors and attachments, in two
    queries however many there are."""
    return list(
        ThreadMessage.objects.filter(case_id=case_id)
        .select_related("author", "on_behalf_of")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=ThreadAttachment.objects.only(
                    "id", "message_id", "original_name", "content_type", "size"
                )
                # Whether the virus scanner still holds it, in the same query.
                .annotate(scan_status=scan_status_of("file"))
                .order_by("original_name", "id"),
            )
        )
        .order_by("created_at", "id")
    )


def case_thread_for_staff(*, case_id: int) -> list[ThreadMessage]:
    """The case's secure messages as the case page shows them, with their attachments and
    whether the virus scanner still holds each one: two queries however many there are."""
    return list(
        ThreadMessage.objects.filter(case_id=case_id)
        .select_related("author", "on_behalf_of")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=ThreadAttachment.objects.annotate(
                    scan_status=scan_status_of("file")
                ).order_by("original_name"),
            )
        )
    )


def case_thread_attachment(*, case_id: int, attachment_id: UUID | str) -> ThreadAttachment | None:
    """An attachment sent in this case's thread; None for any other (the caller has already
    checked, in its query, that the asker may read the case's thread)."""
    return (
        ThreadAttachment.objects.filter(pk=attachment_id, message__case_id=case_id)
        .only("id", "file", "original_name", "content_type", "message_id")
        .first()
    )


def case_messages_sent(*, case_id: int, limit: int = 50) -> list[Message]:
    """The notices and letters sent about the case, newest first, without their bodies."""
    return list(
        Message.objects.filter(case_id=case_id)
        .select_related("template")
        .defer("body")
        .order_by("-created_at")[:limit]
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def threads_for_export(*, case_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each case's secure messages for the person's download (registered with cases as the
    "secure_messages" part of each case): one query for the messages, one for the files."""
    threads: dict[int, list[dict[str, Any]]] = {case_id: [] for case_id in case_ids}
    for message in (
        ThreadMessage.objects.filter(case_id__in=case_ids)
        .prefetch_related(
            Prefetch(
                "attachments", queryset=ThreadAttachment.objects.only("message_id", "original_name")
            )
        )
        .order_by("created_at", "id")
    ):
        threads[message.case_id].append(
            {
                "sent_at": _iso(message.created_at),
                "from": "us" if message.from_staff else "you",
                "text": message.body,
                "attachments": [a.original_name for a in message.attachments.all()],
            }
        )
    return threads
