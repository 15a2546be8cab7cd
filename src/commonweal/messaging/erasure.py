"""The retention job's steps for messaging (registered in `apps.py`; see
rights/retention.py). Each runs inside the retention batch's transaction, the only one the
append-only triggers let delete, in a few statements whatever the batch holds.

(Kept out of `services.py` for now; it is a service like the others.)"""

from __future__ import annotations

from django.db import transaction

from .models import Message, Notice, ThreadAttachment, ThreadMessage


def _raw_delete(queryset) -> int:
    # A single DELETE ... WHERE statement: no per-row collector, signals or PROTECT checks
    # (everything that refers to these rows goes in the same transaction).
    return queryset._raw_delete(queryset.db)


def _delete_files_on_commit(files: list[tuple[object, str]]) -> None:
    def delete_files():
        for field, name in files:
            if name:
                field.storage.delete(name)

    transaction.on_commit(delete_files)


def case_messages_erase(case_ids: list[int]) -> dict[str, int]:
    """These cases' secure messages with their attachments (files deleted once the batch
    commits), their notices and messages (with any letter's PDF)."""
    attachment_field = ThreadAttachment._meta.get_field("file")
    letter_field = Message._meta.get_field("letter_pdf")
    files = [
        (attachment_field, name)
        for name in ThreadAttachment.objects.filter(message__case_id__in=case_ids).values_list(
            "file", flat=True
        )
    ]
    files += [
        (letter_field, name)
        for name in Message.objects.filter(case_id__in=case_ids)
        .exclude(letter_pdf="")
        .values_list("letter_pdf", flat=True)
    ]
    _raw_delete(ThreadAttachment.objects.filter(message__case_id__in=case_ids))
    counts = {
        "files_deleted": len(files),
        "secure_messages_deleted": _raw_delete(ThreadMessage.objects.filter(case_id__in=case_ids)),
        "messages_deleted": _raw_delete(Message.objects.filter(case_id__in=case_ids)),
    }
    _raw_delete(Message.objects.filter(notice__case_id__in=case_ids))
    counts["notices_deleted"] = _raw_delete(Notice.objects.filter(case_id__in=case_ids))
    _delete_files_on_commit(files)
    return counts


def person_messages_erase(person_ids: list[int]) -> dict[str, int]:
    """The notices and messages left for people being anonymised (those about no case)."""
    _raw_delete(Message.objects.filter(person_id__in=person_ids))
    _raw_delete(Message.objects.filter(notice__person_id__in=person_ids))
    _raw_delete(Notice.objects.filter(person_id__in=person_ids))
    return {}
