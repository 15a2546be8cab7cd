"""The citizen journey: find a service, check you can apply, apply, track it.

Views parse the request, call one service or selector, and render. Every page works
without JavaScript and follows the GOV.UK Design System's question-page pattern.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.core import services as core_services
from commonweal.core import uk
from commonweal.core.addresses import find_addresses
from commonweal.core.clients import client_key
from commonweal.core.references import normalise_reference

from . import journey, selectors, services

ELIGIBILITY_SESSION_KEY = "eligibility"


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
    draft = (
        selectors.draft_get(account=request.user, service=published.service)
        if request.user.is_authenticated
        else None
    )
    return render(
        request,
        "intake/service_start.html",
        _service_context(
            published,
            start_url=start_url,
            draft=draft,
            page_title=definition.title.text(_language()),
        ),
    )


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


def _draft_or_redirect(request, published):
    draft = selectors.draft_get(account=request.user, service=published.service)
    if draft is None:
        return None, redirect("intake:apply", published.service.slug)
    return draft, None


def _step_url(slug: str, step: journey.Step) -> str:
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
    draft = selectors.draft_get(account=request.user, service=published.service)
    if draft is None:
        eligibility = _eligibility_answers(request, slug)
        if definition.eligibility:
            unanswered, outcome = _eligibility_outcome(definition, eligibility)
            if outcome:
                return redirect("intake:not-eligible", slug, outcome)
            if unanswered:
                return redirect("intake:eligibility", slug, unanswered)
        draft = services.application_draft_start(
            account=request.user,
            published=published,
            eligibility_answers=eligibility,
            language=_language(),
        )
        # A draft keeps its own version, so read the definition from it.
    details = selectors.person_details_for(account=request.user)
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
    details = selectors.person_details_for(account=request.user)
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
def question_page(request, slug, page_id):
    published = _published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    page = definition.page(page_id)
    if page is None:
        raise Http404("No such page")
    details = selectors.person_details_for(account=request.user)
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
            parsed = catalogue.answer_type(question).parse(
                question, request.POST, request.FILES, language
            )
            if question.type == "file" and parsed.value is None and parsed.error is not None:
                # A file already uploaded stays unless a new one replaces it.
                existing = draft.answers.get(question.id)
                if existing and not request.FILES.get(question.id):
                    parsed = catalogue.Parsed(value=existing)
            if parsed.error:
                errors.append(parsed.error)
            else:
                values[question.id] = parsed.value
            fields.append((question, parsed.raw, parsed.error))
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
            fields.append((question, answer_type.raw_from_value(question, value), None))
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
        try:
            application = services.application_submit(
                account=request.user, service=published.service, language=_language()
            )
        except services.ApplicationIncomplete as incomplete:
            return redirect("intake:page", slug, incomplete.page_id)
        if application is None:
            # A replayed or doubled "Accept and send": show what was already submitted.
            latest = selectors.latest_submitted(account=request.user, service=published.service)
            if latest is not None:
                return redirect("intake:confirmation", latest.reference)
            return redirect("intake:apply", slug)
        return redirect("intake:confirmation", application.reference)
    draft = selectors.draft_get(account=request.user, service=published.service)
    if draft is None:
        return redirect("intake:apply", slug)
    definition = catalogue.definition_for(draft.version)
    details = selectors.person_details_for(account=request.user)
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


def _application_or_404(request, reference: str):
    normalised = normalise_reference(reference)
    application = (
        selectors.submitted_application_for_account(account=request.user, reference=normalised)
        if normalised
        else None
    )
    if application is None:
        # The same answer whether it does not exist or belongs to someone else.
        raise Http404("No such application")
    return application


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
            "page_title": _("Your applications"),
            "nav": "applications",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def application_detail(request, reference):
    application = _application_or_404(request, reference)
    definition = catalogue.definition_for(application.version)
    language = _language()
    case = application.case
    return render(
        request,
        "intake/application_detail.html",
        {
            "application": application,
            "case": case,
            "definition": definition,
            "stage": definition.stage(case.stage),
            "timeline": cases_selectors.case_timeline(
                case=case,
                definition=definition,
                language=language,
                viewer=cases_selectors.VIEWER_REPRESENTATIVE
                if application.on_behalf and application.account_id == request.user.pk
                else cases_selectors.VIEWER_PERSON,
            ),
            "rows": _summary_rows(definition, application, "", language, change=False),
            "page_title": definition.title.text(language),
            "back_url": reverse("intake:application-list"),
            "nav": "applications",
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def check_status(request):
    """Where an application is, without signing in: reference, date of birth and postcode.

    A wrong combination gets the same answer whether or not the reference exists, and
    attempts are limited per client and per reference.
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
            hour = datetime.timedelta(hours=1)
            allowed = core_services.rate_limit_hit(
                key=f"check-status:client:{client_key(request)}",
                limit=settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_CLIENT_PER_HOUR,
                window=hour,
            ) and core_services.rate_limit_hit(
                key=f"check-status:reference:{reference}",
                limit=settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_PER_HOUR,
                window=hour,
            )
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
    response = FileResponse(
        upload.file.open("rb"),
        as_attachment=True,
        filename=upload.original_name,
        content_type=upload.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
