"""Reads of check results for the case page and the decision guards."""

from django.db.models import Exists, OuterRef

from .models import CheckResult


def current_results(*, case_id: int) -> list[CheckResult]:
    return list(CheckResult.objects.filter(case_id=case_id, is_current=True))


def has_red_check(*, case_id: int) -> bool:
    return CheckResult.objects.filter(case_id=case_id, is_current=True, status="red").exists()


def red_check_exists():
    """A subquery for case querysets: does the case have a current red result?"""
    return Exists(CheckResult.objects.filter(case_id=OuterRef("pk"), is_current=True, status="red"))
