"""Where a person is in an application: which page comes next, which they may revisit.

Pure functions over the service definition and the draft's answers, so the rules are easy
to test and the same for every service; and, at the end, what the journey keeps in the
session between pages (shared by the citizen pages and staff taking an application).
"""

from __future__ import annotations

from dataclasses import dataclass

CONFIRM_DETAILS = "confirm-details"
CHECK_ANSWERS = "check-answers"
# "Can we use the details we already hold?": asked before details are first offered, when
# the person has not answered it yet.
ASK_REUSE = "ask-reuse"


class HeldDetails(dict):
    """What the person's record holds that the journey may offer, as answers keyed by
    person field (any dict will do). `awaiting_answer` holds what it could offer once the
    person says yes to reusing their details: they have not been asked yet."""

    def __init__(self, offered=None, *, awaiting_answer: dict | None = None):
        super().__init__(offered or {})
        self.awaiting_answer = awaiting_answer or {}


@dataclass(frozen=True)
class Step:
    kind: str  # "page", ASK_REUSE, CONFIRM_DETAILS or CHECK_ANSWERS
    page_id: str | None = None


def known_value(question, details: dict):
    """The value on the person's record for this question, if it has one."""
    if not question.person_field:
        return None
    return details.get(question.person_field) or None


def prefillable_pages(definition, application, details: dict) -> list:
    """Visible, not yet completed pages whose every question is known from the record.

    Empty when the application is for someone else: their details are not ours to offer.
    """
    answers = application.answers
    if definition.is_on_behalf(answers):
        return []
    return [
        page
        for page in definition.visible_pages(answers)
        if page.id not in application.completed_pages
        and all(known_value(question, details) is not None for question in page.questions)
    ]


def pages_awaiting_answer(definition, application, details: dict) -> list:
    """The pages that could be offered once the person says yes to reusing their details."""
    awaiting = getattr(details, "awaiting_answer", None)
    if not awaiting:
        return []
    return prefillable_pages(definition, application, awaiting)


def next_step(definition, application, details: dict) -> Step:
    answers = application.answers
    offer = {page.id for page in prefillable_pages(definition, application, details)}
    ask = {page.id for page in pages_awaiting_answer(definition, application, details)}
    for page in definition.visible_pages(answers):
        if page.id in application.completed_pages:
            continue
        if page.id in offer:
            return Step(CONFIRM_DETAILS)
        if page.id in ask:
            return Step(ASK_REUSE)
        return Step("page", page.id)
    return Step(CHECK_ANSWERS)


def can_visit(definition, application, page_id: str, details: dict) -> bool:
    """A person may revisit any visible page they have done, or go to the next one."""
    visible = [page.id for page in definition.visible_pages(application.answers)]
    if page_id not in visible:
        return False
    if page_id in application.completed_pages:
        return True
    step = next_step(definition, application, details)
    if step.kind == ASK_REUSE:
        # The question comes first; answering it leads to the page or to the details held.
        return False
    if step.kind == "page":
        return step.page_id == page_id
    if step.kind == CONFIRM_DETAILS:
        # Changing one of the details offered for confirmation.
        return page_id in {p.id for p in prefillable_pages(definition, application, details)}
    return False


def previous_page_id(definition, application, page_id: str) -> str | None:
    visible = [page.id for page in definition.visible_pages(application.answers)]
    if page_id not in visible:
        return None
    index = visible.index(page_id)
    return visible[index - 1] if index > 0 else None


def missing_answers(definition, answers: dict, completed_pages: list[str]) -> str | None:
    """The first visible page that is not finished, or None when the application is whole."""
    for page in definition.visible_pages(answers):
        if page.id not in completed_pages:
            return page.id
        for question in page.questions:
            if question.required and answers.get(question.id) in (None, "", [], {}):
                return page.id
    return None


# Where the journey is kept between pages: the session. The citizen pages (portal) and the
# staff page that starts an application for someone (its assisted start) share these, so
# the keys live here, once.

ELIGIBILITY_SESSION_KEY = "eligibility"
# Staff taking an application for someone: the draft in progress for each service, kept in
# the staff member's session so the same question pages serve them. An entry holds what the
# workspace asked (channel, identity check, email) until eligibility is answered, then the
# draft ("draft") and what the banner says about a record found ("record").
ASSISTED_SESSION_KEY = "assisted_drafts"


def eligibility_answers(session, slug: str) -> dict:
    """The answers to "can you apply?" for one service, as kept in the session."""
    return dict(session.get(ELIGIBILITY_SESSION_KEY, {}).get(slug, {}))


def eligibility_store(session, slug: str, answers: dict) -> None:
    stored = dict(session.get(ELIGIBILITY_SESSION_KEY, {}))
    stored[slug] = answers
    session[ELIGIBILITY_SESSION_KEY] = stored


def assisted_begin(session, slug: str, *, channel: str, identity_check: str, email: str) -> None:
    """The next journey for `slug` in this (staff) session is taken for someone else."""
    drafts = dict(session.get(ASSISTED_SESSION_KEY, {}))
    drafts[slug] = {"channel": channel, "identity_check": identity_check, "email": email}
    session[ASSISTED_SESSION_KEY] = drafts
    # Answers to "can you apply?" from an earlier application are not this person's.
    eligibility_store(session, slug, {})


def assisted_get(session, slug: str) -> dict | None:
    """The application taken for someone for `slug` in this session, if there is one."""
    return session.get(ASSISTED_SESSION_KEY, {}).get(slug)


def assisted_update(session, slug: str, **values) -> None:
    drafts = dict(session[ASSISTED_SESSION_KEY])
    drafts[slug] = {**drafts[slug], **values}
    session[ASSISTED_SESSION_KEY] = drafts


def assisted_end(session, slug: str) -> None:
    drafts = dict(session.get(ASSISTED_SESSION_KEY, {}))
    drafts.pop(slug, None)
    session[ASSISTED_SESSION_KEY] = drafts
