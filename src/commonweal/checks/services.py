"""Recording what automated checks found. The checks themselves come with issue 6's
registry; anything that runs a check records its result through here."""

from django.db import transaction
from django.utils import timezone

from .models import CheckResult


def check_result_record(
    *, case, check_name: str, status: str, reasons: list[str], evidence: dict | None = None
) -> CheckResult:
    """The newest result of a check on a case; the one before it stays as history."""
    if status not in CheckResult.Status.values:
        raise ValueError(f"unknown check status {status!r}")
    with transaction.atomic():
        CheckResult.objects.filter(case=case, check_name=check_name, is_current=True).update(
            is_current=False
        )
        return CheckResult.objects.create(
            case=case,
            check_name=check_name,
            status=status,
            reasons=reasons,
            evidence=evidence or {},
            created_at=timezone.now(),
        )
