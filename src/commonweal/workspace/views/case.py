"""The case page: everything about one case a member of staff may see, and its files.

The page is a header that stays in view (who, what, when, and the main actions) over a
body in sections, each a page of its own so that every one works without JavaScript and
loads only what it shows: the summary at the case's own URL, then answers, evidence,
checks, messages, history, payments and access beneath it. Changes made from the page are
in `case_actions.py`."""

from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.checks import selectors as checks_selectors
from commonweal.core.files import private_file_response
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging
from commonweal.payments import selectors as payments_selectors
from commonweal.people import selectors as people_selectors
from commonweal.privacy import services as privacy
from commonweal.rights import selectors as rights_selectors
from commonweal.rules import selectors as rules_selectors

from .. import presenters
from .common import case_or_404 as _case_or_404
from .common import page as _page
from .common import record_read as _record_read
from .common import staff_required


@dataclass(frozen=True)
class Section:
    """One section of the case page: its slug (its URL's last part; "" for the summary at
    the case's own URL), its name in the tabs, the referral part it needs (None: only those
    who work the case see it; "": everyone who may see the case does), and what
    `case_or_404` loads for it (nothing else is read)."""

    slug: str
    title: object
    needs: str | None
    loads: frozenset[str]

    @property
    def url_name(self) -> str:
        return f"workspace:case-{self.slug}" if self.slug else "workspace:case"

    def open_to(self, page: cases_selectors.CasePage) -> bool:
        if self.needs is None:
            return page.can_act
        return not self.needs or page.sees(self.needs)


SECTIONS = (
    Section(
        "",
        _lazy("Summary"),
        "",
        frozenset({"decisions", "checks", "person", "referrals", "members"}),
    ),
    Section("answers", _lazy("Answers"), "answers", frozenset({"answers"})),
    Section("evidence", _lazy("Evidence"), "evidence", frozenset({"evidence"})),
    Section("checks", _lazy("Checks and rules"), None, frozenset({"checks"})),
    Section("messages", _lazy("Messages"), "messages", frozenset({"messages"})),
    Section(
        "history",
        _lazy("History"),
        "timeline",
        frozenset({"timeline", "messages-sent", "members"}),
    ),
    Section("payments", _lazy("Payments"), None, frozenset()),
    Section("access", _lazy("Access"), "", frozenset({"referrals", "teams", "organisations"})),
)
# How many things the "Ask for information" form has room for (rows left blank are ignored).
INFORMATION_ROWS = 5
SECTION_BY_SLUG = {section.slug: section for section in SECTIONS}
# Where each change made from the case page is shown: the section a change goes back to
# (with its anchor), and the one shown again, with why, when the change is refused.
ACTION_SECTIONS = {
    "assign": ("", "actions"),
    "move": ("", "actions"),
    "expected-date": ("", "expected-date"),
    "ask-information": ("messages", "ask-information"),
    "flag": ("", "actions"),
    "representative": ("", "person"),
    "end-representative": ("", "person"),
    "run-checks": ("checks", "checks"),
    "message": ("messages", "messages"),
    "note": ("history", "notes"),
    "task": ("history", "tasks"),
    "task-done": ("history", "tasks"),
    "call-outcome": ("history", "tasks"),
    "letter-returned": ("history", "messages-sent"),
    "offer-answer": ("payments", "offer"),
    "payment-hold": ("payments", "payment"),
    "payment-release": ("payments", "payment"),
    "transfer": ("access", "transfer-form"),
    "refer": ("access", "referrals"),
    "end-referral": ("access", "referrals"),
}


def section_url(reference: str, slug: str, anchor: str = "") -> str:
    """The URL of a section of a case's page (with an anchor in it, if given)."""
    url = reverse(SECTION_BY_SLUG[slug].url_name, args=[reference])
    return f"{url}#{anchor}" if anchor else url


@require_http_methods(["GET", "HEAD"])
@staff_required
def case_detail(request, reference, section="", errors=None, status=200, values=None):
    """One section of the case page (the summary unless `section` names another), with the
    header every section shares. A section the reader may not see answers 404, as a case
    they may not see does; every read is in the access log."""
    shown = SECTION_BY_SLUG.get(section)
    if shown is None:
        raise Http404("No such section")
    page = _case_or_404(request, reference, loads=shown.loads)
    if not shown.open_to(page):
        raise Http404("No such section")
    if (reason_first := _record_read(request, page)) is not None:
        return reason_first
    language = get_language()
    values = values or {}
    context = {
        "view": presenters.case_view(page, request.staff, language, wants=shown.loads),
        "due_days": presenters.due_days(page.case, page.due_state),
        "sections": [
            {
                "slug": s.slug,
                "title": s.title,
                "href": reverse(s.url_name, args=[page.case.reference]),
                "current": s is shown,
            }
            for s in SECTIONS
            if s.open_to(page)
        ],
        "section": shown,
        "section_url": lambda slug, anchor="": section_url(page.case.reference, slug, anchor),
        "sees_section": lambda slug: SECTION_BY_SLUG[slug].open_to(page),
        **_SECTION_CONTEXT.get(shown.slug, _nothing)(request, page, values, language),
    }
    title = (
        f"{page.case.reference} – {page.case.person.full_name}"
        if page.sees("person")
        else page.case.reference
    )
    return _page(
        request,
        f"workspace/case/{shown.slug or 'summary'}.html",
        status=status,
        errors=errors or [],
        values=values,
        page=page,
        case=page.case,
        pager=presenters.case_pager(request, page.case.reference),
        page_title=f"{shown.title} – {title}" if shown.slug else title,
        nav="",
        **context,
    )


def _nothing(request, page, values, language) -> dict:
    return {}


def _summary(request, page, values, language) -> dict:
    return {
        "information_requests": cases_selectors.information_requests_for_case(case_id=page.case.pk),
        "sharing": rights_selectors.case_sharing_consent(case=page.case),
        "relationships": people_selectors.representative_relationships(),
        "rep_scopes": people_selectors.representative_scopes(),
    }


def _checks(request, page, values, language) -> dict:
    return {
        "checks": presenters.check_rows(page.check_results),
        "checks_pending": checks_selectors.pending_run(case_id=page.case.pk),
        "rules_panel": rules_selectors.case_panel(
            case=page.case,
            language=language,
            name=page.case.person.given_name if page.sees("person") else None,
        ),
    }


def _messages(request, page, values, language) -> dict:
    if page.can_act:
        messaging.thread_mark_read(case=page.case, by_staff=True)
    saved_replies = (
        messaging_selectors.saved_replies(service_id=page.case.service_id) if page.can_act else []
    )
    return {
        "information_waiting": cases_selectors.information_request_waiting(case_id=page.case.pk)
        if page.can_act
        else None,
        "item_rows": range(1, INFORMATION_ROWS + 1),
        "saved_replies": saved_replies,
        "message_text": presenters.message_text(
            typed=values.get("body") or "",
            saved_replies=saved_replies,
            reply_id=request.GET.get("reply", ""),
            language=page.case.person.language,
        ),
    }


def _payments(request, page, values, language) -> dict:
    """The case's offer (an approval the person must accept) and its payment, for those
    who work the case; holding and releasing the payment is for team leaders."""
    offer = (
        cases_selectors.offer_view(
            offer=cases_selectors.offer_for_case(case_id=page.case.pk),
            definition=page.definition,
            language=language,
        )
        if page.definition.offer is not None
        else None
    )
    payment = payments_selectors.payment_for_case(case_id=page.case.pk)
    can_hold = payment is not None and payment.organisation_id in (
        payments_selectors.payment_organisations(context=request.staff)
    )
    return {"offer": offer, "payment": payment, "can_hold": can_hold}


def _access(request, page, values, language) -> dict:
    return {
        "sharing": rights_selectors.case_sharing_consent(case=page.case),
        "consent_answer": rights_selectors.consent_answer_sentence,
    }


_SECTION_CONTEXT = {
    "": _summary,
    "checks": _checks,
    "messages": _messages,
    "payments": _payments,
    "access": _access,
}


def refused_page(request, reference, message: str, anchor: str, stale: bool = False):
    """The section of the case page that holds the refused change's form, again, with why
    it was refused and what was typed."""
    action = request.resolver_match.kwargs.get("action", "") if request.resolver_match else ""
    section, _anchor = ACTION_SECTIONS.get(action, ("", ""))
    return case_detail.__wrapped__(
        request,
        reference,
        section=section,
        errors=[{"text": message, "href": f"#{anchor}"}],
        status=409 if stale else 400,
        values={
            key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"
        },
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def case_file(request, reference, file_id):
    """An evidence file or a message attachment on a case the member of staff may see."""
    page = _case_or_404(request, reference, loads=frozenset({"evidence", "messages"}))
    found = None
    if page.sees("evidence"):
        found = next((upload for upload in page.uploads if upload.pk == file_id), None)
    if found is None and page.sees("messages"):
        found = next(
            (a for message in page.thread for a in message.attachments.all() if a.pk == file_id),
            None,
        )
    if found is None:
        raise Http404("No such file")
    if (reason_first := _record_read(request, page, via=privacy.Via.CASE_FILE)) is not None:
        return reason_first
    return private_file_response(found)
