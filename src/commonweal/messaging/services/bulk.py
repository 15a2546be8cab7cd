"""Bulk sends: one message to every person with a matching case, written by the worker
a chunk at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commonweal.accounts.selectors import User

from ..models import BulkSend
from .notices import notice_data, notices_send_many

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.cases.selectors import Case
    from commonweal.catalogue.selectors import Service
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person

BULK_CHUNK = 500


class BulkSendRefused(Exception):
    def __init__(self, message: StrOrPromise, field: str) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def bulk_send_start(
    *,
    service: Service,
    stage: str,
    open_only: bool,
    message_en: str,
    message_cy: str,
    by: User,
    context: StaffContext,
) -> BulkSend:
    """Queue a message to every person with a matching case the member of staff's
    organisation holds; the worker sends it in chunks and counts progress."""
    from django.utils.translation import gettext as _

    from commonweal.cases import selectors as cases_selectors

    message_en, message_cy = (message_en or "").strip(), (message_cy or "").strip()
    if not message_en:
        raise BulkSendRefused(_("Write the message in English"), "message_en")
    if settings.COMMONWEAL_WELSH_REQUIRED and not message_cy:
        raise BulkSendRefused(_("Write the message in Welsh as well"), "message_cy")
    for text, field in ((message_en, "message_en"), (message_cy, "message_cy")):
        if "((" in text or len(text) > 1000:
            raise BulkSendRefused(
                _("The message must be 1,000 characters or fewer, without (( or ))"), field
            )
    total = cases_selectors.bulk_recipients(
        context=context, service_id=service.pk, stage=stage, open_only=open_only
    ).count()
    if not total:
        raise BulkSendRefused(_("No cases match: there is nobody to send it to"), "service")
    with transaction.atomic():
        bulk = BulkSend.objects.create(
            service=service,
            stage=stage,
            open_only=open_only,
            message_en=message_en,
            message_cy=message_cy or message_en,
            organisation_ids=sorted(context.organisation_ids),
            total=total,
            created_by=by,
        )
        from ..tasks import run_bulk_send

        transaction.on_commit(lambda: run_bulk_send.enqueue(bulk.pk))
    return bulk


def bulk_send_run(*, bulk_send_id: int) -> int:
    """Write the notices, a chunk at a time, recording progress after each chunk. Safe to
    run again after a crash: cases already sent to are skipped."""
    from commonweal.cases import selectors as cases_selectors
    from commonweal.organisations import selectors as organisations

    bulk = BulkSend.objects.select_related("created_by").get(pk=bulk_send_id)
    if bulk.status == BulkSend.Status.FINISHED:
        return 0
    BulkSend.objects.filter(pk=bulk.pk).update(status=BulkSend.Status.RUNNING)
    context = organisations.staff_context(user=bulk.created_by)
    marker = f"bulk:{bulk.pk}"
    sent = 0
    while True:
        cases = list(
            cases_selectors.bulk_recipients(
                context=context,
                service_id=bulk.service_id,
                stage=bulk.stage,
                open_only=bulk.open_only,
            )
            .exclude(notices__data__bulk=marker)
            .select_related("person", "version")
            .order_by("pk")[:BULK_CHUNK]
        )
        if not cases:
            break
        # One notice per case. Someone with two matching cases gets two, in separate rounds
        # (a round holds each person once, as notices_send_many maps people to cases).
        rounds: list[dict[int, Case]] = []
        for case in cases:
            free = next((r for r in rounds if case.person_id not in r), None)
            if free is None:
                free = {}
                rounds.append(free)
            free[case.person_id] = case
        for by_person in rounds:

            def data_for(person: Person, by_person: dict[int, Case] = by_person) -> dict[str, Any]:
                language = person.language or "en"
                words = bulk.message_cy if language in ("cy", "both") else bulk.message_en
                return {
                    **notice_data(case=by_person[person.pk], person=person, language=language),
                    "message": words,
                    "bulk": marker,
                }

            notices_send_many(
                event="service_update",
                people=[case.person for case in by_person.values()],
                data_for=data_for,
                cases=by_person,
            )
        sent += len(cases)
        BulkSend.objects.filter(pk=bulk.pk).update(done=F("done") + len(cases))
    BulkSend.objects.filter(pk=bulk.pk).update(
        status=BulkSend.Status.FINISHED, finished_at=timezone.now()
    )
    return sent
