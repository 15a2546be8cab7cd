"""The person's response to a request for more information: the documents they send are
stored with their application's evidence (held for the virus scan like every upload), and
the case hears the response, in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services

from ..models import Application
from .drafts import _store_upload

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import InformationRequest
    from commonweal.people.selectors import Person


def information_request_answer(
    *,
    application: Application,
    request: InformationRequest,
    texts: dict[int, str],
    files: dict[int, dict[str, Any]],
    by: User,
    on_behalf_of: Person | None = None,
) -> InformationRequest:
    """Answer every item of the request: `texts` (item index -> answer) for questions,
    `files` (item index -> a parsed file, as `check_upload` passed it) for documents.
    Each file becomes evidence on the application; the case records the response,
    restarts its clock and tells the team (`cases.services.case_information_answer`),
    which refuses a response that leaves an item unanswered; then nothing is kept."""
    with transaction.atomic():
        cases_services.case_lock(case_id=request.case_id)
        waiting = cases_selectors.information_request_waiting(case_id=request.case_id)
        if waiting is None or waiting.pk != request.pk:
            # Answered already (a double click keeps the first answer) or not this case's:
            # the case says which, and no file is stored twice.
            return cases_services.case_information_answer(
                case_id=request.case_id, request_id=request.pk, answers=[], by=by
            )
        answers: list[dict[str, Any]] = []
        for index, item in enumerate(request.items):
            if item["kind"] == "document" and index in files:
                stored = _store_upload(
                    application, f"information-{request.pk}-{index + 1}", files[index], by
                )
                answers.append({"upload": stored["upload"], "name": stored["name"]})
            else:
                answers.append({"text": (texts.get(index) or "").strip()})
        return cases_services.case_information_answer(
            case_id=request.case_id,
            request_id=request.pk,
            answers=answers,
            by=by,
            on_behalf_of=on_behalf_of,
        )
