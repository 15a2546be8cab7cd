"""Reads owned by the development tools."""

from .models import DevMail


def dev_mailbox_list(*, limit: int = 50) -> list[DevMail]:
    return list(DevMail.objects.all()[:limit])
