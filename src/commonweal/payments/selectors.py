"""Every read for payments that views, the API and other apps need.

Who may see payments: team leaders, service owners and administrators, for the
organisations they lead in. Everything is filtered by organisation in the query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum

from . import formats
from .models import LIVE_STATUSES, PaymentBatch, PaymentChange, PaymentInstruction

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from commonweal.organisations.selectors import StaffContext

PAGE_SIZE = 200


def payment_organisations(*, context: StaffContext) -> set[int]:
    """The organisations whose payments this member of staff handles (leaders only)."""
    return {context.team_organisations[team] for team in context.led_team_ids}


def batches(*, organisation_ids: Iterable[int], limit: int = 100) -> list[PaymentBatch]:
    return list(
        PaymentBatch.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "created_by", "reconciled_by")
        .order_by("-day", "-id")[:limit]
    )


def batch_for_staff(*, organisation_ids: Iterable[int], batch_id: int) -> PaymentBatch | None:
    return (
        PaymentBatch.objects.filter(organisation_id__in=organisation_ids, pk=batch_id)
        .select_related("organisation", "created_by", "reconciled_by")
        .first()
    )


def batch_instructions(*, batch: PaymentBatch) -> list[PaymentInstruction]:
    return list(
        PaymentInstruction.objects.filter(batch=batch).defer("account_number_sealed").order_by("id")
    )


def batch_file_path(*, batch: PaymentBatch) -> Path | None:
    if not batch.file_name:
        return None
    path = Path(settings.COMMONWEAL_PAYMENTS_DIR) / batch.file_name
    return path if path.is_file() else None


def batch_file_content_type(*, batch: PaymentBatch) -> str:
    """The media type of the batch's file, from its format (unknown: plain bytes)."""
    try:
        return formats.get_format(batch.format).content_type
    except formats.UnknownFormat:
        return "application/octet-stream"


class HeldBecause(TypedDict):
    # The reason given when the payment was held (from its history row).
    held_because: str | None


@dataclass
class PendingPage:
    instructions: list[PaymentInstruction]
    count: int
    total_pence: int
    # Held by a team leader: no batch takes them until released (with the hold's reason).
    held: list[WithAnnotations[PaymentInstruction, HeldBecause]] = field(default_factory=list)
    # Waiting for the person to accept their offer.
    awaiting: list[PaymentInstruction] = field(default_factory=list)
    awaiting_count: int = 0


def _unbatched(organisation_ids: Iterable[int], status: str) -> QuerySet[PaymentInstruction]:
    return PaymentInstruction.objects.filter(organisation_id__in=organisation_ids, status=status)


def pending(*, organisation_ids: Iterable[int], limit: int = PAGE_SIZE) -> PendingPage:
    """Instructions waiting for the next batch, oldest first, with their count and total;
    those a team leader holds (with why, from the hold's history row); those waiting for
    the person to accept. Six queries however many there are."""
    queryset = _unbatched(organisation_ids, PaymentInstruction.Status.PENDING)
    totals = queryset.aggregate(count=Count("id"), total=Sum("amount_pence"))
    rows = list(
        queryset.select_related("organisation")
        .defer("account_number_sealed")
        .order_by("created_at", "id")[:limit]
    )
    why_held = (
        PaymentChange.objects.filter(instruction_id=OuterRef("pk"), to_status="held")
        .order_by("-at", "-id")
        .values("reason")[:1]
    )
    held = list(
        _unbatched(organisation_ids, PaymentInstruction.Status.HELD)
        .defer("account_number_sealed")
        .annotate(held_because=Subquery(why_held))
        .order_by("status_changed_at", "id")[:limit]
    )
    awaiting = _unbatched(organisation_ids, PaymentInstruction.Status.AWAITING)
    return PendingPage(
        instructions=rows,
        count=totals["count"],
        total_pence=totals["total"] or 0,
        held=held,
        awaiting=list(awaiting.defer("account_number_sealed").order_by("created_at", "id")[:limit]),
        awaiting_count=awaiting.count(),
    )


def instruction_for_staff(
    *, organisation_ids: Iterable[int], instruction_id: int
) -> PaymentInstruction | None:
    """One payment of the organisations this member of staff handles payments for."""
    return (
        PaymentInstruction.objects.filter(organisation_id__in=organisation_ids, pk=instruction_id)
        .select_related("organisation", "batch", "created_by")
        .defer("account_number_sealed")
        .first()
    )


def payment_for_case(*, case_id: int) -> PaymentInstruction | None:
    """The case's live payment (pending, in a batch or paid), if it has one."""
    return (
        PaymentInstruction.objects.filter(case_id=case_id, status__in=LIVE_STATUSES)
        .defer("account_number_sealed")
        .first()
    )


def payments_of_case(*, case_id: int) -> list[PaymentInstruction]:
    """Every payment instruction for the case, oldest first, live or not (a cancelled or
    failed one stays, with its reason), without the sealed account number."""
    return list(
        PaymentInstruction.objects.filter(case_id=case_id)
        .defer("account_number_sealed")
        .order_by("created_at", "id")
    )


def live_payment_status(*, case_id: int) -> str | None:
    """The status of the case's live payment (awaiting, held, pending, batched or paid), or
    None: whether an accepted offer still stands when a new decision replaces its own."""
    return (
        PaymentInstruction.objects.filter(case_id=case_id, status__in=LIVE_STATUSES)
        .values_list("status", flat=True)
        .first()
    )


def payment_history(*, instruction_id: int) -> list[PaymentChange]:
    return list(PaymentChange.objects.filter(instruction_id=instruction_id).select_related("by"))
