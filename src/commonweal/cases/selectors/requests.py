"""Reads of information requests (what we asked the person for, and what they sent)."""

from __future__ import annotations

from ..models import InformationRequest

__all__ = [
    "InformationRequest",
    "information_request_waiting",
    "information_requests_for_case",
]


def information_requests_for_case(*, case_id: int) -> list[InformationRequest]:
    """Every request on the case, newest first, with who asked and who answered."""
    return list(
        InformationRequest.objects.filter(case_id=case_id).select_related(
            "asked_by", "answered_by", "on_behalf_of"
        )
    )


def information_request_waiting(*, case_id: int) -> InformationRequest | None:
    """The request on the case still waiting for the person, if there is one."""
    return InformationRequest.objects.filter(
        case_id=case_id, status=InformationRequest.Status.WAITING
    ).first()
