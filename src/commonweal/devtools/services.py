"""Writes owned by the development tools: the development mailbox and the bench's floor."""

from .models import BenchInsert, DevMail


def dev_mail_store(*, to: list[str], subject: str, body: str) -> DevMail:
    return DevMail.objects.create(to=", ".join(to), subject=subject, body=body)


def bench_insert(*, payload: dict) -> None:
    BenchInsert.objects.create(payload=payload)
