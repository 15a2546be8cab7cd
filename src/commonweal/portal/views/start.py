"""Finding a service and checking you can apply: the list of services, a service's start
page and paper form, the eligibility questions, and the page that says you cannot apply."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue
from commonweal.core import uk
from commonweal.intake import journey

from . import common
from .journey import current_draft


@require_http_methods(["GET", "HEAD"])
def service_list(request):
    return render(
        request,
        "portal/start/service_list.html",
        {
            # Only services taking online applications now (a service's life).
            "services": catalogue.accepting_services(),
            "nav": "services",
            "page_title": _("Apply for support"),
        },
    )


@require_http_methods(["GET", "HEAD"])
def service_start(request, slug):
    published = common.published_or_404(slug)
    definition = published.definition
    if definition.eligibility:
        start_url = reverse(
            "portal:eligibility", args=[slug, definition.eligibility.questions[0].id]
        )
    else:
        start_url = reverse("portal:apply", args=[slug])
    draft = current_draft(request, published) if request.user.is_authenticated else None
    return render(
        request,
        "portal/start/service_start.html",
        common.service_context(
            published,
            start_url=start_url,
            draft=draft,
            state=published.state,
            replacement=_replacement(published),
            paper_forms=_paper_form_links(published)
            if any(way.channel == "paper" for way in definition.other_ways_to_apply)
            else [],
            page_title=definition.title.text(common.language()),
        ),
    )


def _replacement(published) -> dict | None:
    """The service that replaces a retired one: its title and start page."""
    replaced_by = published.service.replaced_by
    if published.state != catalogue.RETIRED or replaced_by is None:
        return None
    other = catalogue.published_service(slug=replaced_by.slug)
    return {
        "title": other.definition.title.text(common.language()) if other else replaced_by.slug,
        "url": reverse("portal:service-start", args=[replaced_by.slug]),
    }


def _paper_form_links(published) -> list[dict]:
    """The paper form in the page's language first, then in the other one, each with its
    type, size and length (GOV.UK's attachment pattern), in the form's own language."""
    page_language = "cy" if common.language() == "cy" else "en"
    links = []
    for language in (page_language, "en" if page_language == "cy" else "cy"):
        form = catalogue.paper_form(published=published, language=language)
        with translation.override(language):
            if language == page_language:
                text = _("Download the paper form")
            elif language == "cy":
                text = _("Download the paper form in Welsh")
            else:
                text = _("Download the paper form in English")
            kilobytes = max(1, round(form.size / 1024))
            details = _("PDF, %(size)s KB, %(pages)s") % {
                "size": kilobytes,
                "pages": ngettext("%(count)s page", "%(count)s pages", form.pages)
                % {"count": form.pages},
            }
        links.append(
            {
                "url": reverse("portal:paper-form", args=[published.service.slug, language]),
                "language": language,
                "text": text,
                "details": details,
            }
        )
    return links


@require_http_methods(["GET", "HEAD"])
def paper_form(request, slug, language):
    """The service's paper form, made from its published definition (public: it holds no
    one's data). Browsers and caches may keep it for five minutes, so a newly published
    version reaches everyone soon after."""
    if language not in ("en", "cy"):
        raise Http404("No such language")
    published = common.published_or_404(slug)
    form = catalogue.paper_form(published=published, language=language)
    response = HttpResponse(form.pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{slug}-v{published.version.number}-{language}.pdf"'
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


@common.taking_applications
@require_http_methods(["GET", "HEAD", "POST"])
def eligibility_question(request, slug, question_id):
    published = common.published_or_404(slug)
    definition = published.definition
    if definition.eligibility is None:
        return redirect("portal:apply", slug)
    question = definition.eligibility.question(question_id)
    if question is None:
        raise Http404("No such question")
    answers = journey.eligibility_answers(request.session, slug)
    ids = [q.id for q in definition.eligibility.questions]
    index = ids.index(question_id)
    # Questions are answered in order: no skipping ahead by changing the address.
    unanswered, _outcome = common.eligibility_outcome(definition, answers)
    if unanswered is not None and ids.index(unanswered) < index:
        return redirect("portal:eligibility", slug, unanswered)
    language = common.language()
    error = None
    value = answers.get(question_id, "")
    if request.method == "POST":
        value = (request.POST.get("answer") or "").strip()[:20]
        if question.type == "postcode":
            postcode = uk.normalise_postcode(value)
            if not value:
                error = (
                    question.errors.required.text(language)
                    if question.errors and question.errors.required
                    else _("Enter your postcode")
                )
            elif postcode is None:
                error = _("Enter a real postcode")
            else:
                value = postcode
        elif value not in {choice for choice, _label in question.choices()}:
            if question.errors and question.errors.required:
                error = question.errors.required.text(language)
            else:
                error = (
                    _("Select yes or no") if question.type == "yes_no" else _("Select an option")
                )
        if not error:
            # A changed answer makes the later answers stale: ask them again.
            answers = {k: v for k, v in answers.items() if k in ids and ids.index(k) < index}
            answers[question_id] = value
            journey.eligibility_store(request.session, slug, answers)
            unanswered, outcome = common.eligibility_outcome(definition, answers)
            if outcome:
                return redirect("portal:not-eligible", slug, outcome)
            if unanswered:
                return redirect("portal:eligibility", slug, unanswered)
            return redirect("portal:apply", slug)
    back_url = (
        reverse("portal:eligibility", args=[slug, ids[index - 1]])
        if index > 0
        else reverse("portal:service-start", args=[slug])
    )
    return render(
        request,
        "portal/start/eligibility_question.html",
        common.service_context(
            published,
            question=question,
            value=value,
            error=error,
            errors=[{"text": error, "href": "#answer"}] if error else [],
            back_url=back_url,
            page_title=question.label.text(language),
        ),
        status=400 if error else 200,
    )


@require_http_methods(["GET", "HEAD"])
def not_eligible(request, slug, outcome_id):
    published = common.published_or_404(slug)
    eligibility = published.definition.eligibility
    outcome = eligibility.outcome(outcome_id) if eligibility else None
    if outcome is None:
        raise Http404("No such outcome")
    answers = journey.eligibility_answers(request.session, slug)
    last_answered = [q.id for q in eligibility.questions if q.id in answers]
    back_url = (
        reverse("portal:eligibility", args=[slug, last_answered[-1]])
        if last_answered
        else reverse("portal:service-start", args=[slug])
    )
    return render(
        request,
        "portal/start/not_eligible.html",
        common.service_context(
            published,
            outcome=outcome,
            back_url=back_url,
            page_title=outcome.title.text(common.language()),
        ),
    )
