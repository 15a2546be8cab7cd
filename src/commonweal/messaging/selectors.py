"""Reads of messages for other apps."""

from .models import SavedReply


def saved_replies(*, service_id: int) -> list[SavedReply]:
    return list(SavedReply.objects.filter(service_id=service_id).order_by("title"))
