"""Printed letters: the organisation's print batch of the day, built into one zip for the
print house, and letters that came back. (The letter PDF itself: `messaging.letters`.)"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from commonweal.accounts.selectors import User

from ..models import Message, PrintBatch
from .delivery import message_status_update


def letter_returned(*, message_id: UUID | str, by: User) -> None:
    """A letter came back undelivered: the address is marked failing and the team told."""
    message = (
        Message.objects.select_related("notice").filter(pk=message_id, channel="letter").first()
    )
    if message is None:
        return
    message_status_update(message=message, status="returned", reason="returned by the post")


def letter_organisation_id(*, message_id: UUID | str) -> int | None:
    """The organisation whose post a letter is: that of the team holding its case now."""
    return (
        Message.objects.filter(pk=message_id)
        .values_list("case__team__organisation_id", flat=True)
        .first()
    )


def print_batch_for(*, day: datetime.date, organisation_id: int) -> PrintBatch:
    """The organisation's batch of the day, made the first time a letter needs it (two
    workers racing make one: the constraint refuses the second, which then reads it)."""
    try:
        with transaction.atomic():
            batch, _created = PrintBatch.objects.get_or_create(
                day=day, organisation_id=organisation_id
            )
    except IntegrityError:
        batch = PrintBatch.objects.get(day=day, organisation_id=organisation_id)
    return batch


def print_batch_build(*, batch: PrintBatch, by: User) -> PrintBatch:
    """Write the organisation's letters of the day into one zip (PDFs and a manifest) for
    the print house, kept so it can be downloaded again; letters in it count as sent to
    print."""
    import tempfile

    from django.core.files import File

    from commonweal.messaging import letters as letter_pdfs

    # Only the batch's own organisation's letters, selected in the query, whatever else
    # points at the batch (cases move only between teams of one organisation, but a case
    # changed in the admin must not put its letter in the wrong organisation's post).
    messages = (
        Message.objects.filter(print_batch=batch, case__team__organisation_id=batch.organisation_id)
        .exclude(letter_pdf="")
        .select_related("case")
        .order_by("pk")
    )

    def items() -> Iterator[tuple[str, bytes, dict[str, Any]]]:
        for message in messages.iterator(chunk_size=200):
            # The query keeps only letters of a case the batch's organisation holds.
            assert message.case is not None  # nosec B101
            with message.letter_pdf.open("rb") as handle:
                pdf = handle.read()
            yield (
                str(message.pk),
                pdf,
                {
                    "reference": message.case.reference,
                    "address_lines": message.to_address.split("\n"),
                    "large_print": message.large_print,
                    "languages": ["cy", "en"] if message.language == "both" else [message.language],
                },
            )

    with tempfile.TemporaryFile() as out:
        count = letter_pdfs.build_print_batch(items(), out)
        out.seek(0)
        if batch.file:
            batch.file.delete(save=False)
        batch.file.save(
            f"letters-{batch.organisation_id}-{batch.day:%Y-%m-%d}.zip", File(out), save=False
        )
    batch.letters = count
    batch.built_at = timezone.now()
    batch.built_by = by
    batch.save(update_fields=["file", "letters", "built_at", "built_by"])
    return batch
