"""The citizen journey: find a service, check you can apply, apply, track it.

Views parse the request, call one service or selector, and render. Every page works
without JavaScript and follows the GOV.UK Design System's question-page pattern.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core import services as core_services
from commonweal.core import uk
from commonweal.core.addresses import find_addresses
from commonweal.core.clients import client_key
from commonweal.core.files import private_file_response
from commonweal.core.references import normalise_reference
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging_services
from commonweal.people import forms as people_forms
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services
from commonweal.rights import selectors as rights_selectors
from commonweal.rights import services as rights_services

from . import handoff, journey, selectors, services
from .assisted import record_banner

ELIGIBILITY_SESSION_KEY = handoff.ELIGIBILITY_SESSION_KEY


def _language() -> str:
    return translation.get_language() or "en"


def _published_or_404(slug: str) -> catalogue.PublishedService:
    published = catalogue.published_service(slug=slug)
    if published is None:
        raise Http404("No such service")
    return published


def _service_context(published: catalogue.PublishedService, **extra) -> dict:
    return {
        "published": published,
        "definition": published.definition,
        "service_name": published.definition.title.text(_language()),
        "service_url": reverse("intake:service-start", args=[published.service.slug]),
        "nav": "services",
        **extra,
    }


def _error_list(errors: list) -> list[dict]:
    return [{"text": error.message, "href": f"#{error.fields[0]}"} for error in errors]


# Finding a service


@require_http_methods(["GET", "HEAD"])
def service_list(request):
    return render(
        request,
        "intake/service_list.html",
        {
            "services": catalogue.published_services(),
            "nav": "services",
            "page_title": _("Apply for support"),
        },
    )


@require_http_methods(["GET", "HEAD"])
def service_start(request, slug):
    published = _published_or_404(slug)
    definition = published.definition
    if definition.eligibility:
        start_url = reverse(
            "intake:eligibility", args=[slug, definition.eligibility.questions[0].id]
        )
    else:
        start_url = reverse("intake:apply", args=[slug])
    draft = _current_draft(request, published) if request.user.is_authenticated else None
    return render(
        request,
        "intake/service_start.html",
        _service_context(
            published,
            start_url=start_url,
            draft=draft,
            paper_forms=_paper_form_links(published)
            if any(way.channel == "paper" for way in definition.other_ways_to_apply)
            else [],
            page_title=definition.title.text(_language()),
        ),
    )


def _paper_form_links(published) -> list[dict]:
    """The paper form in the page's language first, then in the other one, each with its
    type, size and length (GOV.UK's attachment pattern), in the form's own language."""
    page_language = "cy" if _language() == "cy" else "en"
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
                "url": reverse("intake:paper-form", args=[published.service.slug, language]),
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
    published = _published_or_404(slug)
    form = catalogue.paper_form(published=published, language=language)
    response = HttpResponse(form.pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{slug}-v{published.version.number}-{language}.pdf"'
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


# Check if you can apply


def _eligibility_answers(request, slug: str) -> dict:
    return dict(request.session.get(ELIGIBILITY_SESSION_KEY, {}).get(slug, {}))


def _store_eligibility(request, slug: str, answers: dict) -> None:
    stored = dict(request.session.get(ELIGIBILITY_SESSION_KEY, {}))
    stored[slug] = answers
    request.session[ELIGIBILITY_SESSION_KEY] = stored


def _eligibility_outcome(definition, answers: dict) -> tuple[str | None, str | None]:
    """(first unanswered question, or None) and (the not-eligible outcome, or None)."""
    for question in definition.eligibility.questions:
        answer = answers.get(question.id)
        if answer is None:
            return question.id, None
        outcome = question.outcome_for(answer)
        if outcome:
            return None, outcome
    return None, None


@require_http_methods(["GET", "HEAD", "POST"])
def eligibility_question(request, slug, question_id):
    published = _published_or_404(slug)
    definition = published.definition
    if definition.eligibility is None:
        return redirect("intake:apply", slug)
    question = definition.eligibility.question(question_id)
    if question is None:
        raise Http404("No such question")
    answers = _eligibility_answers(request, slug)
    ids = [q.id for q in definition.eligibility.questions]
    index = ids.index(question_id)
    # Questions are answered in order: no skipping ahead by changing the address.
    unanswered, _outcome = _eligibility_outcome(definition, answers)
    if unanswered is not None and ids.index(unanswered) < index:
        return redirect("intake:eligibility", slug, unanswered)
    language = _language()
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
            _store_eligibility(request, slug, answers)
            unanswered, outcome = _eligibility_outcome(definition, answers)
            if outcome:
                return redirect("intake:not-eligible", slug, outcome)
            if unanswered:
                return redirect("intake:eligibility", slug, unanswered)
            return redirect("intake:apply", slug)
    back_url = (
        reverse("intake:eligibility", args=[slug, ids[index - 1]])
        if index > 0
        else reverse("intake:service-start", args=[slug])
    )
    return render(
        request,
        "intake/eligibility_question.html",
        _service_context(
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
    published = _published_or_404(slug)
    eligibility = published.definition.eligibility
    outcome = eligibility.outcome(outcome_id) if eligibility else None
    if outcome is None:
        raise Http404("No such outcome")
    answers = _eligibility_answers(request, slug)
    last_answered = [q.id for q in eligibility.questions if q.id in answers]
    back_url = (
        reverse("intake:eligibility", args=[slug, last_answered[-1]])
        if last_answered
        else reverse("intake:service-start", args=[slug])
    )
    return render(
        request,
        "intake/not_eligible.html",
        _service_context(
            published,
            outcome=outcome,
            back_url=back_url,
            page_title=outcome.title.text(_language()),
        ),
    )


# Applying


# Staff taking an application for someone (started in the workspace: `handoff`).
ASSISTED_KEY = handoff.ASSISTED_KEY


def _assisted(request, slug: str) -> dict | None:
    if not request.user.is_authenticated:
        return None
    return request.session.get(ASSISTED_KEY, {}).get(slug)


def _assisted_end(request, slug: str) -> None:
    drafts = dict(request.session.get(ASSISTED_KEY, {}))
    drafts.pop(slug, None)
    request.session[ASSISTED_KEY] = drafts


def _sees_case(context, case) -> bool:
    """Whether the case's page is open to them (their team's, or their organisation's for
    service owners and administrators)."""
    from commonweal.organisations import selectors as organisations

    if case.team_id is None:
        return False
    if case.team_id in context.work_team_ids:
        return True
    organisation = organisations.organisation_of_team(team_id=case.team_id)
    return organisation in context.organisation_wide_ids


def _assisted_sent(request, application):
    """Where a member of staff goes once the application is sent: checking new contact
    details they were given, else the case, else (a case in another team's queue) back
    to taking applications, with its reference."""
    from commonweal.organisations import selectors as organisations

    if getattr(application, "contact_change", None) is not None:
        return redirect("workspace:assisted-contact-change", application.reference)
    context = organisations.staff_context(user=request.user)
    if _sees_case(context, application.case):
        return redirect("workspace:case", application.reference)
    messages.success(
        request,
        _("Application %(reference)s sent. It is in the queue of the team that handles it.")
        % {"reference": application.reference},
    )
    return redirect("workspace:assisted-start")


def _current_draft(request, published):
    assisted = _assisted(request, published.service.slug)
    if assisted is not None:
        if not assisted.get("draft"):
            return None
        return selectors.assisted_draft_get(taken_by=request.user, application_id=assisted["draft"])
    return selectors.draft_get(account=request.user, service=published.service)


def _person_details(request, draft) -> dict:
    """What the record holds for the person the draft is for, offered instead of asked."""
    if draft is not None and draft.taken_by_id and draft.account_id == draft.taken_by_id:
        return selectors.assisted_person_details(draft=draft)
    return selectors.person_details_for(account=request.user)


def _draft_or_redirect(request, published):
    draft = _current_draft(request, published)
    if draft is None:
        return None, redirect("intake:apply", published.service.slug)
    return draft, None


def _step_url(slug: str, step: journey.Step) -> str:
    if step.kind == journey.ASK_REUSE:
        return reverse("intake:use-details", args=[slug])
    if step.kind == journey.CONFIRM_DETAILS:
        return reverse("intake:confirm-details", args=[slug])
    if step.kind == journey.CHECK_ANSWERS:
        return reverse("intake:check-answers", args=[slug])
    return reverse("intake:page", args=[slug, step.page_id])


@login_required
@require_http_methods(["GET", "HEAD"])
def apply(request, slug):
    """Start (or carry on with) an application, once the person may apply."""
    published = _published_or_404(slug)
    definition = published.definition
    draft = _current_draft(request, published)
    if draft is None:
        eligibility = _eligibility_answers(request, slug)
        if definition.eligibility:
            unanswered, outcome = _eligibility_outcome(definition, eligibility)
            if outcome:
                return redirect("intake:not-eligible", slug, outcome)
            if unanswered:
                return redirect("intake:eligibility", slug, unanswered)
        assisted = _assisted(request, slug)
        if assisted is None and not people_selectors.identity_level_meets(
            level=people_selectors.identity_level_of_account(account=request.user),
            required=definition.identity_level,
        ):
            # The service needs to be surer who they are (staff taking an application check
            # identity themselves).
            return redirect("accounts:identity-needed", slug)
        if assisted is not None:
            from commonweal.organisations import selectors as organisations

            try:
                draft = services.assisted_application_start(
                    staff=request.user,
                    context=organisations.staff_context(user=request.user),
                    published=published,
                    channel=assisted["channel"],
                    identity_check=assisted["identity_check"],
                    person_email=assisted["email"],
                    eligibility_answers=eligibility,
                    language=_language(),
                )
            except services.AssistedRefused as refused:
                # Their teams changed since the start page: start again, with the reason.
                _assisted_end(request, slug)
                messages.error(request, refused.message)
                return redirect("workspace:assisted-start")
            drafts = dict(request.session[ASSISTED_KEY])
            drafts[slug] = {
                **assisted,
                "draft": str(draft.pk),
                "record": record_banner(draft),
            }
            request.session[ASSISTED_KEY] = drafts
        else:
            draft = services.application_draft_start(
                account=request.user,
                published=published,
                eligibility_answers=eligibility,
                language=_language(),
            )
        # A draft keeps its own version, so read the definition from it.
    details = _person_details(request, draft)
    definition = catalogue.definition_for(draft.version)
    return redirect(_step_url(slug, journey.next_step(definition, draft, details)))


def _summary_rows(definition, application, slug: str, language: str, change: bool = True):
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
                            "href": reverse("intake:page", args=[slug, page.id]) + "?change=1",
                            "text": _("Change"),
                            "visuallyHiddenText": label,
                        }
                    ]
                }
            rows.append(row)
    return rows


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_details(request, slug):
    """Details we already hold are shown for confirmation instead of being asked again."""
    published = _published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    details = _person_details(request, draft)
    pages = journey.prefillable_pages(definition, draft, details)
    if not pages:
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    if request.method == "POST":
        try:
            draft = services.application_details_confirm(
                application_id=draft.pk, account=request.user, pages=pages, details=details
            )
        except services.DraftNotFound:
            return redirect("intake:application-list")
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    language = _language()
    rows = []
    for page in pages:
        for question in page.questions:
            label = (question.summary_label or question.label).text(language)
            lines = catalogue.answer_type(question).display(
                question, journey.known_value(question, details), language
            )
            rows.append(
                {
                    "key": {"text": label},
                    "value": {"lines": lines},
                    "actions": {
                        "items": [
                            {
                                "href": reverse("intake:page", args=[slug, page.id]),
                                "text": _("Change"),
                                "visuallyHiddenText": label,
                            }
                        ]
                    },
                }
            )
    previous = journey.previous_page_id(definition, draft, pages[0].id)
    back_url = (
        reverse("intake:page", args=[slug, previous])
        if previous
        else reverse("intake:service-start", args=[slug])
    )
    return render(
        request,
        "intake/confirm_details.html",
        _service_context(
            published, rows=rows, back_url=back_url, page_title=_("Check the details we hold")
        ),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def use_details(request, slug):
    """Before details held are first offered: may we use them? Asked once for the person
    (their consent to reusing answers); yes offers them now and in later applications, no
    asks every question. Staff taking an application read it to the person."""
    published = _published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    details = _person_details(request, draft)
    pages = journey.pages_awaiting_answer(definition, draft, details)
    if not pages:
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    fields = [q.person_field for page in pages for q in page.questions if q.person_field]
    words = rights_selectors.consent_wording("answer_reuse", fields=fields)
    assisted = bool(draft.taken_by_id and draft.account_id == draft.taken_by_id)
    chosen = request.POST.get("reuse", "") if request.method == "POST" else ""
    errors = []
    if request.method == "POST":
        if chosen not in ("yes", "no"):
            errors.append(
                {"text": _("Select yes if we can use the details we hold"), "href": "#reuse"}
            )
        else:
            person = (
                people_selectors.person_get(person_id=draft.person_id)
                if assisted
                else people_selectors.person_for_account_get(account=request.user)
            )
            rights_services.consent_record(
                person=person,
                purpose="answer_reuse",
                given=chosen == "yes",
                method=draft.channel if assisted else "online",
                by=request.user,
                words=words.text(),
                language=_language()[:2],
            )
            details = _person_details(request, draft)
            return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    previous = journey.previous_page_id(definition, draft, pages[0].id)
    return render(
        request,
        "intake/use_details.html",
        _service_context(
            published,
            words=words,
            chosen=chosen,
            assisted=assisted,
            errors=errors,
            back_url=reverse("intake:page", args=[slug, previous])
            if previous
            else reverse("intake:service-start", args=[slug]),
            page_title=words.question,
        ),
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def question_page(request, slug, page_id):
    published = _published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    page = definition.page(page_id)
    if page is None:
        raise Http404("No such page")
    details = _person_details(request, draft)
    if not journey.can_visit(definition, draft, page_id, details):
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    language = _language()
    changing = request.GET.get("change") == "1"
    on_behalf = definition.is_on_behalf(draft.answers)
    back_url = _page_back_url(slug, definition, draft, page_id, changing)
    if page.lookup_question is not None and _wants_lookup(request, draft, page, details, on_behalf):
        return _address_lookup(request, published, draft, definition, page, details, back_url)
    fields = []
    errors = []
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        values = {}
        for question in page.questions:
            parsed = catalogue.parse_answer(question, request.POST, request.FILES, language)
            if question.type == "file" and parsed.value is None and parsed.error is not None:
                # A file already uploaded stays unless a new one replaces it.
                existing = draft.answers.get(question.id)
                if existing and not request.FILES.get(question.id):
                    parsed = catalogue.Parsed(value=existing)
            if parsed.error:
                errors.extend(parsed.errors)
            else:
                values[question.id] = parsed.value
            fields.append((question, parsed.raw, parsed.errors))
        if action == "save" and not any(_typed(raw) for _q, raw, _e in fields):
            # "Save and come back later" on a page left blank: keep what was saved before.
            return redirect("intake:saved", slug)
        if not errors:
            try:
                draft = services.application_page_save(
                    application_id=draft.pk, account=request.user, page=page, values=values
                )
            except services.DraftNotFound:
                return redirect("intake:application-list")
            if action == "save":
                return redirect("intake:saved", slug)
            step = journey.next_step(definition, draft, details)
            if changing and step.kind == journey.CHECK_ANSWERS:
                return redirect("intake:check-answers", slug)
            return redirect(_step_url(slug, step))
    else:
        for question in page.questions:
            answer_type = catalogue.answer_type(question)
            value = draft.answers.get(question.id)
            if value is None and not on_behalf:
                value = journey.known_value(question, details)
            fields.append((question, answer_type.raw_from_value(question, value), []))
    title = page.title.text(language) if page.title else page.questions[0].label.text(language)
    lookup_url = None
    if page.lookup_question is not None:
        lookup_url = (
            request.path
            + "?"
            + urlencode({"address": "find", **({"change": "1"} if changing else {})})
        )
    return render(
        request,
        "intake/question_page.html",
        _service_context(
            published,
            page=page,
            fields=fields,
            errors=_error_list(errors),
            back_url=back_url,
            page_title=title,
            changing=changing,
            on_behalf=on_behalf,
            lookup_url=lookup_url,
            upload_limit_mb=settings.COMMONWEAL_UPLOAD_MAX_BYTES // (1024 * 1024),
        ),
        status=400 if errors else 200,
    )


def _typed(raw: dict) -> bool:
    """Whether the person typed, chose or attached anything on a question."""
    return any(value.strip() if isinstance(value, str) else value for value in raw.values())


def _page_back_url(slug, definition, draft, page_id, changing) -> str:
    if changing:
        return reverse("intake:check-answers", args=[slug])
    previous = journey.previous_page_id(definition, draft, page_id)
    if previous:
        return reverse("intake:page", args=[slug, previous])
    return reverse("intake:service-start", args=[slug])


def _wants_lookup(request, draft, page, details, on_behalf) -> bool:
    """Find the address by postcode, unless the person chose to type it, or is editing an
    address they already gave."""
    mode = request.GET.get("address")
    if mode in ("find", "manual"):
        return mode == "find"
    question = page.lookup_question
    known = None if on_behalf else journey.known_value(question, details)
    return draft.answers.get(question.id) is None and known is None


def _address_lookup(request, published, draft, definition, page, details, back_url):
    """GOV.UK's address look-up pattern without JavaScript: postcode, then pick from a list,
    with a way out to type the address at every step."""
    question = page.lookup_question
    slug = published.service.slug
    language = _language()
    changing = request.GET.get("change") == "1"
    manual_url = (
        request.path
        + "?"
        + urlencode({"address": "manual", **({"change": "1"} if changing else {})})
    )
    postcode_field = f"{question.id}-lookup-postcode"
    choice_field = f"{question.id}-choice"
    postcode_raw = ""
    # A postcode the person already gave (checking they can apply) is offered again.
    for value in draft.eligibility_answers.values():
        if isinstance(value, str) and uk.normalise_postcode(value) == value:
            postcode_raw = value
    addresses = []
    error = None
    error_field = postcode_field
    if request.method == "POST":
        action = request.POST.get("action", "find")
        postcode_raw = (request.POST.get(postcode_field) or "").strip()[:20]
        postcode = uk.normalise_postcode(postcode_raw)
        if not postcode_raw:
            error = _("Enter postcode")
        elif postcode is None:
            error = _("Enter a real postcode")
        else:
            addresses = find_addresses(postcode)
            if not addresses:
                error = _(
                    "We could not find an address for that postcode. Check it, or enter "
                    "the address manually."
                )
            elif action == "choose":
                chosen = next(
                    (a for a in addresses if a.id == request.POST.get(choice_field)), None
                )
                if chosen is None:
                    error = _("Select an address")
                    error_field = choice_field
                else:
                    try:
                        draft = services.application_page_save(
                            application_id=draft.pk,
                            account=request.user,
                            page=page,
                            values={question.id: chosen.as_answer()},
                        )
                    except services.DraftNotFound:
                        return redirect("intake:application-list")
                    step = journey.next_step(definition, draft, details)
                    if changing and step.kind == journey.CHECK_ANSWERS:
                        return redirect("intake:check-answers", slug)
                    return redirect(_step_url(slug, step))
    return render(
        request,
        "intake/address_lookup.html",
        _service_context(
            published,
            question=question,
            postcode_field=postcode_field,
            choice_field=choice_field,
            postcode=postcode_raw,
            addresses=addresses if not (error and error_field == postcode_field) else [],
            error=error,
            error_field=error_field,
            errors=[{"text": error, "href": f"#{error_field}"}] if error else [],
            manual_url=manual_url,
            back_url=back_url,
            page_title=question.label.text(language),
        ),
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def saved(request, slug):
    published = _published_or_404(slug)
    return render(
        request,
        "intake/saved.html",
        _service_context(
            published,
            retention_days=settings.COMMONWEAL_DRAFT_RETENTION_DAYS,
            page_title=_("Your answers have been saved"),
        ),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def check_answers(request, slug):
    published = _published_or_404(slug)
    if request.method == "POST":
        # The submission checks the application is whole, in its own transaction.
        assisted = _assisted(request, slug)
        try:
            application = services.application_submit(
                account=request.user,
                service=published.service,
                language=_language(),
                application_id=assisted.get("draft") if assisted else None,
            )
        except services.ApplicationIncomplete as incomplete:
            return redirect("intake:page", slug, incomplete.page_id)
        if assisted is not None:
            _assisted_end(request, slug)
            if application is None:
                return redirect("workspace:my-work")
            return _assisted_sent(request, application)
        if application is None:
            # A replayed or doubled "Accept and send": show what was already submitted.
            latest = selectors.latest_submitted(account=request.user, service=published.service)
            if latest is not None:
                return redirect("intake:confirmation", latest.reference)
            return redirect("intake:apply", slug)
        return redirect("intake:confirmation", application.reference)
    draft = _current_draft(request, published)
    if draft is None:
        return redirect("intake:apply", slug)
    definition = catalogue.definition_for(draft.version)
    details = _person_details(request, draft)
    step = journey.next_step(definition, draft, details)
    if step.kind != journey.CHECK_ANSWERS:
        return redirect(_step_url(slug, step))
    language = _language()
    last = definition.visible_pages(draft.answers)[-1].id
    return render(
        request,
        "intake/check_answers.html",
        _service_context(
            published,
            rows=_summary_rows(definition, draft, slug, language),
            on_behalf=definition.is_on_behalf(draft.answers),
            back_url=reverse("intake:page", args=[slug, last]),
            page_title=_("Check your answers before sending your application"),
        ),
    )


# Tracking


def _application_or_404(request, reference: str, scope: str = selectors.SCOPE_VIEW):
    """The submitted application, when the signed-in account may use it for `scope`."""
    normalised = normalise_reference(reference)
    application = (
        selectors.submitted_application_for_account(
            account=request.user, reference=normalised, scope=scope
        )
        if normalised
        else None
    )
    if application is None:
        # The same answer whether it does not exist or belongs to someone else.
        raise Http404("No such application")
    return application


def _viewer(application) -> str:
    if application.access.for_someone_else:
        return cases_selectors.VIEWER_REPRESENTATIVE
    return cases_selectors.VIEWER_PERSON


def _flashes(request) -> list[dict]:
    """Notices left by the previous request (a message sent, someone added)."""
    return [
        {"text": str(message), "success": message.level == messages.SUCCESS}
        for message in messages.get_messages(request)
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def confirmation(request, reference):
    application = _application_or_404(request, reference)
    definition = catalogue.definition_for(application.version)
    return render(
        request,
        "intake/confirmation.html",
        {
            "application": application,
            "case": application.case,
            "definition": definition,
            "service_name": definition.title.text(_language()),
            "offer_promise": cases_selectors.offer_promise(definition)
            if definition.offer is not None
            else "",
            "page_title": _("Application complete"),
            "nav": "applications",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def application_list(request):
    summaries = selectors.applications_for_account(account=request.user)
    return render(
        request,
        "intake/application_list.html",
        {
            "drafts": [s for s in summaries if s.application.status == "draft"],
            "submitted": [s for s in summaries if s.application.status == "submitted"],
            "flashes": _flashes(request),
            "page_title": _("Your applications"),
            "nav": "applications",
        },
    )


@login_required
@require_http_methods(["POST"])
def draft_hand_over(request, application_id):
    """Carry on online with an application a member of staff started with the person."""
    try:
        draft = services.application_hand_over(application_id=application_id, account=request.user)
    except services.DraftNotFound:
        raise Http404("No such draft") from None
    except services.HandOverRefused as refused:
        messages.error(request, refused.message)
        return redirect("intake:application-list")
    return redirect("intake:apply", draft.service.slug)


@login_required
@require_http_methods(["GET", "HEAD"])
def application_detail(request, reference):
    application = _application_or_404(request, reference)
    definition = catalogue.definition_for(application.version)
    language = _language()
    case = application.case
    viewer = _viewer(application)
    access = application.access
    decision = cases_selectors.case_decision_for_person(
        case=case, definition=definition, language=language, viewer=viewer
    )
    if application.person is not None and application.person.account_id == request.user.pk:
        # Opening the application is reading the notices left in their account about it.
        messaging_services.portal_messages_read(person=application.person, case=case)
    return render(
        request,
        "intake/application_detail.html",
        {
            "application": application,
            "case": case,
            "definition": definition,
            "stage": definition.stage(case.stage),
            "decision": decision,
            "portal_messages": messaging_selectors.portal_messages(
                person=application.person, case=case
            )
            if application.person is not None and application.person.account_id == request.user.pk
            else [],
            "can_reconsider": bool(
                decision and decision.can_reconsider and access.can(selectors.SCOPE_ACT)
            ),
            # An approval the person must accept (a loan): the offer, its terms, the answer.
            "offer": cases_selectors.offer_view(
                offer=cases_selectors.offer_in_force(
                    case_id=case.pk, outcome=decision.outcome, amount_pence=decision.amount_pence
                ),
                definition=definition,
                language=language,
            )
            if definition.offer is not None and decision is not None
            else None,
            "can_answer_offer": access.can(selectors.SCOPE_ACT),
            "can_message": access.can(selectors.SCOPE_MESSAGES),
            "unread_messages": application.unread_messages or 0,
            "acting_for": application.person.full_name
            if not access.own and application.person
            else "",
            "timeline": cases_selectors.case_timeline(
                case=case,
                definition=definition,
                language=language,
                viewer=viewer,
                account=request.user,
            ),
            "rows": _summary_rows(definition, application, "", language, change=False),
            "flashes": _flashes(request),
            "page_title": capfirst(definition.name.text(language)),
            "back_url": reverse("intake:application-list"),
            "nav": "applications",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reconsideration(request, reference):
    """Ask for the decision to be looked at again (a mandatory reconsideration)."""
    application = _application_or_404(request, reference, scope=selectors.SCOPE_ACT)
    definition = catalogue.definition_for(application.version)
    language = _language()
    case = application.case
    viewer = _viewer(application)
    decision = cases_selectors.case_decision_for_person(
        case=case, definition=definition, language=language, viewer=viewer
    )
    # Someone allowed to act but not to view goes back to their list instead.
    detail_url = (
        reverse("intake:application-detail", args=[application.reference])
        if application.access.can(selectors.SCOPE_VIEW)
        else reverse("intake:application-list")
    )
    reason = ""
    errors = []
    refusal = None
    status = 200
    if request.method == "POST":
        reason = (request.POST.get("reason") or "")[:5000]
        try:
            cases_services.case_reconsideration_request(
                case_id=case.pk,
                account=request.user,
                reason=reason,
                on_behalf_of=application.access.on_behalf_of,
            )
        except cases_services.CaseActionRefused as refused:
            status = 400
            if refused.field == "reason":
                errors.append({"text": refused.message, "href": "#reason"})
            else:
                # Nothing the person can correct on this page: say why, without the form.
                refusal = refused.message
        else:
            messages.success(
                request, _("We have your request. We will look at the decision again.")
            )
            return redirect(detail_url)
    elif decision is None or not decision.current:
        refusal = (
            _("You have already asked us to look at the decision again.")
            if decision is not None
            else _("There is no decision on this application to look at again.")
        )
    elif decision.outcome == "withdrawn":
        refusal = _("This application was withdrawn. You can make a new application instead.")
    elif decision.after_review:
        refusal = _(
            "We have already looked at this decision again, so you cannot ask us to look at "
            "it a second time."
        )
    elif not decision.can_reconsider:
        refusal = _(
            "It is more than %(days)s days since the decision, so you cannot ask "
            "online. Contact us: we may still be able to look at it again."
        ) % {"days": definition.reconsideration_days}
    offer = (
        cases_selectors.offer_for_case(case_id=case.pk) if definition.offer is not None else None
    )
    return render(
        request,
        "intake/reconsideration.html",
        {
            "application": application,
            "definition": definition,
            "decision": decision,
            "offer_waiting": offer is not None and offer.status == "waiting",
            "reason": reason,
            "errors": errors,
            "refusal": refusal,
            "service_name": definition.title.text(language),
            "page_title": _("Ask us to look at the decision again"),
            "back_url": detail_url,
            "nav": "applications",
        },
        status=status,
    )


def _author_labels(request, application, thread) -> dict:
    """Who wrote each of the person's side's messages, as the reader sees it."""
    person = application.person
    names = {}
    if any(m.on_behalf_of_id and m.author_id != request.user.pk for m in thread):
        names = {
            representative.email: representative.name
            for representative in people_selectors.representatives_of(person=person)
        }
    labels = {}
    for message in thread:
        if message.from_staff:
            continue
        if message.author_id == request.user.pk:
            labels[message.pk] = _("You")
        elif message.on_behalf_of_id:
            name = names.get(message.author.email.lower())
            labels[message.pk] = (
                _("%(name)s, for %(person)s") % {"name": name, "person": person.full_name}
                if name
                else _("Someone acting for %(person)s") % {"person": person.full_name}
            )
        else:
            labels[message.pk] = person.full_name or message.author.email
    return labels


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_messages(request, reference):
    """The secure conversation with the team about one application."""
    application = _application_or_404(request, reference, scope=selectors.SCOPE_MESSAGES)
    definition = catalogue.definition_for(application.version)
    case = application.case
    url = reverse("intake:messages", args=[application.reference])
    body = ""
    errors = []
    if request.method == "POST":
        body = (request.POST.get("body") or "")[:20000]
        try:
            messaging_services.thread_message_post(
                case=case,
                author=request.user,
                from_staff=False,
                body=body,
                files=request.FILES.getlist("attachments"),
                on_behalf_of=application.access.on_behalf_of,
            )
        except messaging_services.ThreadMessageRefused as refused:
            field = "attachments" if refused.field == "attachments" else "body"
            errors.append({"text": refused.message, "href": f"#{field}"})
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect(url)
    thread = cases_selectors.case_thread_for_person(case=case)
    unread = {m.pk for m in thread if m.from_staff and m.read_at is None}
    if unread and request.method != "HEAD":
        messaging_services.thread_mark_read(case=case, by_staff=False)
    return render(
        request,
        "intake/messages.html",
        {
            "application": application,
            "definition": definition,
            "thread": thread,
            "unread": unread,
            "authors": _author_labels(request, application, thread),
            "body": body,
            "errors": errors,
            "flashes": _flashes(request),
            "acting_for": application.person.full_name
            if not application.access.own and application.person
            else "",
            "upload_limit_mb": settings.COMMONWEAL_UPLOAD_MAX_BYTES // (1024 * 1024),
            "max_attachments": messaging_services.MAX_ATTACHMENTS,
            "service_name": definition.title.text(_language()),
            "page_title": _("Messages"),
            "back_url": reverse("intake:application-detail", args=[application.reference]),
            "nav": "applications",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def message_attachment(request, reference, attachment_id):
    application = _application_or_404(request, reference, scope=selectors.SCOPE_MESSAGES)
    attachment = cases_selectors.case_thread_attachment(
        case=application.case, attachment_id=attachment_id
    )
    if attachment is None:
        raise Http404("No such file")
    return private_file_response(attachment)


# People who can act for the signed-in person


def _relationship_labels() -> dict[str, str]:
    return {
        "carer": _("Carer"),
        "appointee": _("Appointee"),
        "advocate": _("Advocate"),
        "power_of_attorney": _("Power of attorney"),
        "family": _("Family member or friend"),
    }


def _scope_labels() -> dict[str, str]:
    return {
        "view": _("See your applications, where they are and the decisions"),
        "messages": _("Read and send secure messages about your applications"),
        "act": _("Ask us to look at a decision again for you"),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def representatives(request):
    person = people_services.person_for_account(account=request.user)
    everyone = people_selectors.representatives_of(person=person)
    today = timezone.localdate()
    active = [
        r for r in everyone if r.revoked_at is None and (r.ends_on is None or r.ends_on >= today)
    ]
    return render(
        request,
        "intake/representatives.html",
        {
            "active": active,
            "relationships": _relationship_labels(),
            "scopes": _scope_labels(),
            "flashes": _flashes(request),
            "page_title": _("People who can act for you"),
            "back_url": reverse("intake:application-list"),
            "nav": "applications",
        },
    )


def _parse_date(day: str, month: str, year: str) -> datetime.date | None:
    try:
        value = datetime.date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None
    return value if value.year >= 1900 else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def representative_add(request):
    raw = {
        "name": "",
        "email": "",
        "relationship": "",
        "ends-on-day": "",
        "ends-on-month": "",
        "ends-on-year": "",
    }
    scope: list[str] = []
    errors = []
    relationships = _relationship_labels()
    scopes = _scope_labels()
    if request.method == "POST":
        raw = {key: (request.POST.get(key) or "").strip()[:254] for key in raw}
        scope = [part for part in request.POST.getlist("scope") if part in scopes]
        if not raw["name"]:
            errors.append({"text": _("Enter their full name"), "href": "#name"})
        if not raw["email"]:
            errors.append({"text": _("Enter their email address"), "href": "#email"})
        if raw["relationship"] not in relationships:
            errors.append(
                {"text": _("Select how they are related to you"), "href": "#relationship"}
            )
        if not scope:
            errors.append({"text": _("Select what they can do"), "href": "#scope"})
        parts = (raw["ends-on-day"], raw["ends-on-month"], raw["ends-on-year"])
        ends_on = None
        if any(parts):
            ends_on = _parse_date(*parts)
            if ends_on is None:
                errors.append(
                    {"text": _("The end date must be a real date"), "href": "#ends-on-day"}
                )
        if not errors:
            person = people_services.person_for_account(account=request.user)
            try:
                added = people_services.representative_add(
                    person=person,
                    name=raw["name"],
                    email=raw["email"],
                    relationship=raw["relationship"],
                    scope=scope,
                    ends_on=ends_on,
                    by=request.user,
                )
            except people_services.RepresentativeRefused as refused:
                field = {"ends_on": "ends-on-day"}.get(refused.field, refused.field)
                errors.append({"text": refused.message, "href": f"#{field}"})
            else:
                messages.success(request, _("%(name)s can now act for you.") % {"name": added.name})
                return redirect("intake:representatives")
    return render(
        request,
        "intake/representative_add.html",
        {
            "raw": raw,
            "scope": scope,
            "relationships": relationships,
            "scopes": scopes,
            "errors": errors,
            "error_for": {error["href"][1:]: error["text"] for error in reversed(errors)},
            "page_title": _("Add someone who can act for you"),
            "back_url": reverse("intake:representatives"),
            "nav": "applications",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def representative_remove(request, representative_id):
    person = people_services.person_for_account(account=request.user)
    try:
        removed = people_services.representative_revoke(
            representative_id=representative_id, person=person, by=request.user
        )
    except people_services.RepresentativeRefused:
        raise Http404("No such representative") from None
    messages.success(request, _("%(name)s can no longer act for you.") % {"name": removed.name})
    return redirect("intake:representatives")


# How the signed-in person hears from us (the form is people.forms', shared with staff).


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_preferences(request):
    """The signed-in person's own preferences; there is no way to name anyone else's."""
    person = people_services.person_for_account(account=request.user)
    saved, form = people_forms.contact_preferences_form(
        request, person, by=request.user, reason="Changed their contact preferences online"
    )
    if saved:
        messages.success(request, _("Your contact preferences have been saved"))
        return redirect("intake:contact-preferences")
    return render(
        request,
        "intake/contact_preferences.html",
        {
            "form": form,
            "errors": form["errors"],
            "flashes": _flashes(request),
            "page_title": _("How should we contact you?"),
            "back_url": reverse("intake:application-list"),
            "nav": "applications",
        },
        status=400 if form["errors"] else 200,
    )


def _status_check_allowed(request, reference: str) -> bool:
    """Counts the attempt; False when a limit is used up. Guesses are counted per client, per
    reference from that client, and per reference from every client together (a much higher
    ceiling), so someone guessing elsewhere does not lock the owner out; and an owner who is
    signed in is let through without counting, whatever others have tried."""
    if selectors.status_check_is_own(account=request.user, reference=reference):
        return True
    hour = datetime.timedelta(hours=1)
    client = client_key(request)
    limits = [
        (
            f"check-status:client:{client}",
            settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_CLIENT_PER_HOUR,
        ),
        (
            f"check-status:reference:{reference}:client:{client}",
            settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_PER_HOUR,
        ),
        (
            f"check-status:reference:{reference}",
            settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_ALL_CLIENTS_PER_HOUR,
        ),
    ]
    return all(
        core_services.rate_limit_hit(key=key, limit=limit, window=hour) for key, limit in limits
    )


@require_http_methods(["GET", "HEAD", "POST"])
def check_status(request):
    """Where an application is, without signing in: reference, date of birth and postcode.

    A wrong combination gets the same answer whether or not the reference exists, and
    attempts are limited per client and per reference (see _status_check_allowed).
    """
    raw = {"reference": "", "dob-day": "", "dob-month": "", "dob-year": "", "postcode": ""}
    errors = []
    result = None
    status = 200
    if request.method == "POST":
        raw = {key: (request.POST.get(key) or "").strip()[:40] for key in raw}
        reference = normalise_reference(raw["reference"])
        postcode = uk.normalise_postcode(raw["postcode"])
        try:
            date_of_birth = datetime.date(
                int(raw["dob-year"]), int(raw["dob-month"]), int(raw["dob-day"])
            )
        except (ValueError, OverflowError):
            date_of_birth = None
        if not raw["reference"]:
            errors.append({"text": _("Enter your application reference"), "href": "#reference"})
        elif reference is None:
            errors.append(
                {
                    "text": _(
                        "Enter your reference as it appears in your email, like BL-7KQ4-M2XD"
                    ),
                    "href": "#reference",
                }
            )
        if date_of_birth is None or not date_of_birth.year >= 1900:
            errors.append({"text": _("Enter a real date of birth"), "href": "#dob-day"})
        if not raw["postcode"]:
            errors.append({"text": _("Enter your postcode"), "href": "#postcode"})
        elif postcode is None:
            errors.append({"text": _("Enter a real postcode"), "href": "#postcode"})
        if not errors:
            allowed = _status_check_allowed(request, reference)
            if not allowed:
                status = 429
                errors.append(
                    {
                        "text": _(
                            "You have tried too many times. Wait an hour and try again, or "
                            "contact us."
                        ),
                        "href": "#reference",
                    }
                )
            else:
                case = cases_selectors.case_for_status_check(
                    reference=reference, date_of_birth=date_of_birth, postcode=postcode
                )
                if case is None:
                    status = 404
                    errors.append(
                        {
                            "text": _(
                                "We could not find an application with those details. Check "
                                "them and try again."
                            ),
                            "href": "#reference",
                        }
                    )
                else:
                    definition = catalogue.definition_for(case.version)
                    result = {
                        "case": case,
                        "definition": definition,
                        "stage": definition.stage(case.stage),
                        "timeline": cases_selectors.case_timeline(
                            case=case,
                            definition=definition,
                            language=_language(),
                            viewer=cases_selectors.VIEWER_UNKNOWN,
                        ),
                    }
        if errors and status == 200:
            status = 400
    return render(
        request,
        "intake/check_status.html",
        {
            "raw": raw,
            "errors": errors,
            "result": result,
            "page_title": _("Check the status of an application"),
            "nav": "check-status",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def upload_download(request, upload_id):
    upload = selectors.upload_for_account(account=request.user, upload_id=upload_id)
    if upload is None:
        raise Http404("No such file")
    return private_file_response(upload)
