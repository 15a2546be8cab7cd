"""What several citizen pages share: the page's language, notices left by the previous
request, the service being applied for, and the submitted application being looked at."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.core.references import normalise_reference
from commonweal.intake import journey as intake_journey
from commonweal.intake import selectors as intake_selectors


def language() -> str:
    return translation.get_language() or "en"


def flashes(request) -> list[dict]:
    """Notices left by the previous request (a message sent, someone added)."""
    return [
        {"text": str(message), "success": message.level == messages.SUCCESS}
        for message in messages.get_messages(request)
    ]


def error_list(errors: list) -> list[dict]:
    return [{"text": error.message, "href": f"#{error.fields[0]}"} for error in errors]


def published_or_404(slug: str) -> catalogue.PublishedService:
    published = catalogue.published_service(slug=slug)
    if published is None:
        raise Http404("No such service")
    return published


def taking_applications(view):
    """For the pages that start or carry on an application: when the service is not taking
    them now (paused, closed, not yet open or retired), the person is sent to its start
    page, which says why and what they can do instead. Their draft is kept as it was.
    Staff taking an application for someone may carry on while a service is paused (a
    pause stops online applications only)."""

    @functools.wraps(view)
    def refused_unless_taking(request, slug, *args, **kwargs):
        published = catalogue.published_service(slug=slug)
        if published is not None and not published.accepting:
            assisted = request.user.is_authenticated and intake_journey.assisted_get(
                request.session, slug
            )
            if not (assisted and published.state == catalogue.PAUSED):
                return redirect("portal:service-start", slug)
        return view(request, slug, *args, **kwargs)

    return refused_unless_taking


def service_context(published: catalogue.PublishedService, **extra) -> dict:
    return {
        "published": published,
        "definition": published.definition,
        "service_name": published.definition.title.text(language()),
        "service_url": reverse("portal:service-start", args=[published.service.slug]),
        "nav": "services",
        **extra,
    }


def summary_rows(definition, application, slug: str, language: str, change: bool = True):
    """Rows for "Check your answers": each visible question with a change link."""
    rows = []
    for page in definition.visible_pages(application.answers):
        for question in page.questions:
            value = application.answers.get(question.id)
            lines = catalogue.answer_type(question).display(question, value, language)
            label = (question.summary_label or question.label).text(language)
            row = {
                "key": {"text": label},
                "value": {"lines": lines or [_("Not given")]},
            }
            if change:
                row["actions"] = {
                    "items": [
                        {
                            "href": reverse("portal:page", args=[slug, page.id]) + "?change=1",
                            "text": _("Change"),
                            "visuallyHiddenText": label,
                        }
                    ]
                }
            rows.append(row)
    return rows


def application_or_404(request, reference: str, scope: str = intake_selectors.SCOPE_VIEW):
    """The submitted application, when the signed-in account may use it for `scope`."""
    normalised = normalise_reference(reference)
    application = (
        intake_selectors.submitted_application_for_account(
            account=request.user, reference=normalised, scope=scope
        )
        if normalised
        else None
    )
    if application is None:
        # The same answer whether it does not exist or belongs to someone else.
        raise Http404("No such application")
    return application


def viewer(application) -> str:
    if application.access.for_someone_else:
        return cases_selectors.VIEWER_REPRESENTATIVE
    return cases_selectors.VIEWER_PERSON


def acting_for(application) -> str:
    """The name of the person someone acting for them is looking at the application of."""
    if not application.access.own and application.person:
        return application.person.full_name
    return ""


def eligibility_outcome(definition, answers: dict) -> tuple[str | None, str | None]:
    """(first unanswered question, or None) and (the not-eligible outcome, or None)."""
    for question in definition.eligibility.questions:
        answer = answers.get(question.id)
        if answer is None:
            return question.id, None
        outcome = question.outcome_for(answer)
        if outcome:
            return None, outcome
    return None, None
