"""Reads of check results for the case page and the decision guards."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from . import registry
from .models import CheckResult, CheckRun
from .reasons import Message, as_message, english_message, shown, shown_all
from .services import RUN_PENDING_FOR

# A check's result statuses, for readers in other apps.
GREEN = CheckResult.Status.GREEN


def current_results(*, case_id: int) -> list[CheckResult]:
    """The newest result of each check on the case, by check name."""
    return list(CheckResult.objects.filter(case_id=case_id, is_current=True).order_by("check_name"))


def result_history(*, case_id: int, check_name: str) -> list[CheckResult]:
    """Every result of one check on the case, newest first."""
    return list(
        CheckResult.objects.filter(case_id=case_id, check_name=check_name).order_by(
            "-created_at", "-id"
        )
    )


def has_red_check(*, case_id: int) -> bool:
    return CheckResult.objects.filter(case_id=case_id, is_current=True, status="red").exists()


def red_check_exists() -> Exists:
    """A subquery for case querysets: does the case have a current red result?"""
    return Exists(CheckResult.objects.filter(case_id=OuterRef("pk"), is_current=True, status="red"))


def pending_run(*, case_id: int) -> CheckRun | None:
    """A run asked for and not finished yet (recently enough that a worker may still take
    it), for "checks are running" on the case page."""
    from django.utils import timezone

    return (
        CheckRun.objects.filter(
            case_id=case_id,
            finished_at__isnull=True,
            requested_at__gte=timezone.now() - RUN_PENDING_FOR,
        )
        .order_by("-requested_at")
        .first()
    )


def check_label(name: str) -> str:
    check = registry.get_check(name)
    return str(check.label) if check else name


def check_label_message(name: str) -> Message:
    """A check's label as a Message, to put into words shown later in any language."""
    check = registry.get_check(name)
    return english_message(check.label) if check else Message(name)


def result_reasons(result: CheckResult) -> list[Message]:
    """A result's reasons as Messages again (see reasons.py)."""
    messages = list(result.reason_messages or [])
    return [
        as_message(text, messages[index] if index < len(messages) else None)
        for index, text in enumerate(result.reasons or [])
    ]


def reason_shown(text: str, data: dict[str, Any] | None = None) -> str:
    """One stored reason (or a note's words kept as a message) in the active language."""
    return shown(text, data)


def result_reasons_shown(result: CheckResult) -> list[str]:
    """A result's reasons in the active language."""
    return shown_all(result.reasons, result.reason_messages)
