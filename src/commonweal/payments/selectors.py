"""Every read for payments that views, the API and other apps need.

Who may see payments: team leaders, service owners and administrators, for the
organisations they lead in. Everything is filtered by organisation in the query."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Sum

from .models import LIVE_STATUSES, PaymentBatch, PaymentChange, PaymentInstruction

PAGE_SIZE = 200


def payment_organisations(*, context) -> set[int]:
    """The organisations whose payments this member of staff handles (leaders only)."""
    return {context.team_organisations[team] for team in context.led_team_ids}


def batches(*, organisation_ids, limit: int = 100) -> list[PaymentBatch]:
    return list(
        PaymentBatch.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "created_by", "reconciled_by")
        .order_by("-day", "-id")[:limit]
    )


def batch_for_staff(*, organisation_ids, batch_id: int) -> PaymentBatch | None:
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


@dataclass
class PendingPage:
    instructions: list[PaymentInstruction]
    count: int
    total_pence: int


def pending(*, organisation_ids, limit: int = PAGE_SIZE) -> PendingPage:
    """Instructions waiting for the next batch, oldest first, with their count and total."""
    queryset = PaymentInstruction.objects.filter(
        organisation_id__in=organisation_ids, status=PaymentInstruction.Status.PENDING
    )
    totals = queryset.aggregate(count=Count("id"), total=Sum("amount_pence"))
    rows = list(
        queryset.select_related("organisation")
        .defer("account_number_sealed")
        .order_by("created_at", "id")[:limit]
    )
    return PendingPage(instructions=rows, count=totals["count"], total_pence=totals["total"] or 0)


def payment_for_case(*, case_id: int) -> PaymentInstruction | None:
    """The case's live payment (pending, in a batch or paid), if it has one."""
    return (
        PaymentInstruction.objects.filter(case_id=case_id, status__in=LIVE_STATUSES)
        .defer("account_number_sealed")
        .first()
    )


def payment_history(*, instruction_id: int) -> list[PaymentChange]:
    return list(PaymentChange.objects.filter(instruction_id=instruction_id).select_related("by"))
