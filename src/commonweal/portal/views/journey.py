"""Applying: the question pages, the details we hold (offered, or first asked about), the
address look-up, "save and come back later", and "Check your answers" that sends it.

Staff taking an application for someone use the same pages (see assisted_journey.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue
from commonweal.core import uk
from commonweal.core.addresses import find_addresses
from commonweal.intake import journey
from commonweal.intake import selectors as intake_selectors
from commonweal.intake import services as intake_services
from commonweal.people import selectors as people_selectors
from commonweal.rights import selectors as rights_selectors
from commonweal.rights import services as rights_services

from . import assisted_journey, common


def current_draft(request, published):
    assisted = assisted_journey.assisted_for(request, published.service.slug)
    if assisted is not None:
        if not assisted.get("draft"):
            return None
        return intake_selectors.assisted_draft_get(
            taken_by=request.user, application_id=assisted["draft"]
        )
    return intake_selectors.draft_get(account=request.user, service=published.service)


def person_details(request, draft) -> dict:
    """What the record holds for the person the draft is for, offered instead of asked."""
    if draft is not None and draft.taken_by_id and draft.account_id == draft.taken_by_id:
        return intake_selectors.assisted_person_details(draft=draft)
    return intake_selectors.person_details_for(account=request.user)


def _draft_or_redirect(request, published):
    draft = current_draft(request, published)
    if draft is None:
        return None, redirect("portal:apply", published.service.slug)
    return draft, None


def _step_url(slug: str, step: journey.Step) -> str:
    if step.kind == journey.ASK_REUSE:
        return reverse("portal:use-details", args=[slug])
    if step.kind == journey.CONFIRM_DETAILS:
        return reverse("portal:confirm-details", args=[slug])
    if step.kind == journey.CHECK_ANSWERS:
        return reverse("portal:check-answers", args=[slug])
    return reverse("portal:page", args=[slug, step.page_id])


@common.taking_applications
@login_required
@require_http_methods(["GET", "HEAD"])
def apply(request, slug):
    """Start (or carry on with) an application, once the person may apply."""
    published = common.published_or_404(slug)
    definition = published.definition
    draft = current_draft(request, published)
    if draft is None:
        eligibility = journey.eligibility_answers(request.session, slug)
        if definition.eligibility:
            unanswered, outcome = common.eligibility_outcome(definition, eligibility)
            if outcome:
                return redirect("portal:not-eligible", slug, outcome)
            if unanswered:
                return redirect("portal:eligibility", slug, unanswered)
        assisted = assisted_journey.assisted_for(request, slug)
        if assisted is None and not people_selectors.identity_level_meets(
            level=people_selectors.identity_level_of_account(account=request.user),
            required=definition.identity_level,
        ):
            # The service needs to be surer who they are (staff taking an application check
            # identity themselves).
            return redirect("portal:identity-needed", slug)
        if assisted is not None:
            draft, refused = assisted_journey.draft_start(request, published, assisted, eligibility)
            if refused:
                return refused
        else:
            draft = intake_services.application_draft_start(
                account=request.user,
                published=published,
                eligibility_answers=eligibility,
                language=common.language(),
            )
        # A draft keeps its own version, so read the definition from it.
    details = person_details(request, draft)
    definition = catalogue.definition_for(draft.version)
    return redirect(_step_url(slug, journey.next_step(definition, draft, details)))


@common.taking_applications
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_details(request, slug):
    """Details we already hold are shown for confirmation instead of being asked again."""
    published = common.published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    details = person_details(request, draft)
    pages = journey.prefillable_pages(definition, draft, details)
    if not pages:
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    if request.method == "POST":
        try:
            draft = intake_services.application_details_confirm(
                application_id=draft.pk, account=request.user, pages=pages, details=details
            )
        except intake_services.DraftNotFound:
            return redirect("portal:application-list")
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    language = common.language()
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
                                "href": reverse("portal:page", args=[slug, page.id]),
                                "text": _("Change"),
                                "visuallyHiddenText": label,
                            }
                        ]
                    },
                }
            )
    previous = journey.previous_page_id(definition, draft, pages[0].id)
    back_url = (
        reverse("portal:page", args=[slug, previous])
        if previous
        else reverse("portal:service-start", args=[slug])
    )
    return render(
        request,
        "portal/journey/confirm_details.html",
        common.service_context(
            published, rows=rows, back_url=back_url, page_title=_("Check the details we hold")
        ),
    )


@common.taking_applications
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def use_details(request, slug):
    """Before details held are first offered: may we use them? Asked once for the person
    (their consent to reusing answers); yes offers them now and in later applications, no
    asks every question. Staff taking an application read it to the person."""
    published = common.published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    details = person_details(request, draft)
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
                language=common.language()[:2],
            )
            details = person_details(request, draft)
            return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    previous = journey.previous_page_id(definition, draft, pages[0].id)
    return render(
        request,
        "portal/journey/use_details.html",
        common.service_context(
            published,
            words=words,
            chosen=chosen,
            assisted=assisted,
            errors=errors,
            back_url=reverse("portal:page", args=[slug, previous])
            if previous
            else reverse("portal:service-start", args=[slug]),
            page_title=words.question,
        ),
        status=400 if errors else 200,
    )


@common.taking_applications
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def question_page(request, slug, page_id):
    published = common.published_or_404(slug)
    draft, response = _draft_or_redirect(request, published)
    if response:
        return response
    definition = catalogue.definition_for(draft.version)
    page = definition.page(page_id)
    if page is None:
        raise Http404("No such page")
    details = person_details(request, draft)
    if not journey.can_visit(definition, draft, page_id, details):
        return redirect(_step_url(slug, journey.next_step(definition, draft, details)))
    language = common.language()
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
            return redirect("portal:saved", slug)
        if not errors:
            try:
                draft = intake_services.application_page_save(
                    application_id=draft.pk, account=request.user, page=page, values=values
                )
            except intake_services.DraftNotFound:
                return redirect("portal:application-list")
            if action == "save":
                return redirect("portal:saved", slug)
            step = journey.next_step(definition, draft, details)
            if changing and step.kind == journey.CHECK_ANSWERS:
                return redirect("portal:check-answers", slug)
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
        "portal/journey/question_page.html",
        common.service_context(
            published,
            page=page,
            fields=fields,
            errors=common.error_list(errors),
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
        return reverse("portal:check-answers", args=[slug])
    previous = journey.previous_page_id(definition, draft, page_id)
    if previous:
        return reverse("portal:page", args=[slug, previous])
    return reverse("portal:service-start", args=[slug])


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
    language = common.language()
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
                        draft = intake_services.application_page_save(
                            application_id=draft.pk,
                            account=request.user,
                            page=page,
                            values={question.id: chosen.as_answer()},
                        )
                    except intake_services.DraftNotFound:
                        return redirect("portal:application-list")
                    step = journey.next_step(definition, draft, details)
                    if changing and step.kind == journey.CHECK_ANSWERS:
                        return redirect("portal:check-answers", slug)
                    return redirect(_step_url(slug, step))
    return render(
        request,
        "portal/journey/address_lookup.html",
        common.service_context(
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
    published = common.published_or_404(slug)
    return render(
        request,
        "portal/journey/saved.html",
        common.service_context(
            published,
            retention_days=settings.COMMONWEAL_DRAFT_RETENTION_DAYS,
            page_title=_("Your answers have been saved"),
        ),
    )


@common.taking_applications
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def check_answers(request, slug):
    published = common.published_or_404(slug)
    if request.method == "POST":
        # The submission checks the application is whole, in its own transaction.
        assisted = assisted_journey.assisted_for(request, slug)
        try:
            application = intake_services.application_submit(
                account=request.user,
                service=published.service,
                language=common.language(),
                application_id=assisted.get("draft") if assisted else None,
            )
        except intake_services.ApplicationIncomplete as incomplete:
            return redirect("portal:page", slug, incomplete.page_id)
        if assisted is not None:
            journey.assisted_end(request.session, slug)
            if application is None:
                return redirect("workspace:my-work")
            return assisted_journey.after_sending(request, application)
        if application is None:
            # A replayed or doubled "Accept and send": show what was already submitted.
            latest = intake_selectors.latest_submitted(
                account=request.user, service=published.service
            )
            if latest is not None:
                return redirect("portal:confirmation", latest.reference)
            return redirect("portal:apply", slug)
        return redirect("portal:confirmation", application.reference)
    draft = current_draft(request, published)
    if draft is None:
        return redirect("portal:apply", slug)
    definition = catalogue.definition_for(draft.version)
    details = person_details(request, draft)
    step = journey.next_step(definition, draft, details)
    if step.kind != journey.CHECK_ANSWERS:
        return redirect(_step_url(slug, step))
    language = common.language()
    last = definition.visible_pages(draft.answers)[-1].id
    return render(
        request,
        "portal/journey/check_answers.html",
        common.service_context(
            published,
            rows=common.summary_rows(definition, draft, slug, language),
            on_behalf=definition.is_on_behalf(draft.answers),
            back_url=reverse("portal:page", args=[slug, last]),
            page_title=_("Check your answers before sending your application"),
        ),
    )
