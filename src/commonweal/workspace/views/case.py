"""The case page: everything about one case a member of staff may see, and its files.
Changes made from the page are in `case_actions.py`."""

from django.http import Http404
from django.utils.translation import get_language
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


@require_http_methods(["GET", "HEAD"])
@staff_required
def case_detail(request, reference, errors=None, status=200, values=None):
    page = _case_or_404(request, reference)
    if (reason_first := _record_read(request, page)) is not None:
        return reason_first
    if page.sees("messages") and page.can_act:
        messaging.thread_mark_read(case=page.case, by_staff=True)
    values = values or {}
    saved_replies = (
        messaging_selectors.saved_replies(service_id=page.case.service_id) if page.can_act else []
    )
    return _page(
        request,
        "workspace/case.html",
        status=status,
        errors=errors or [],
        values=values,
        view=presenters.case_view(page, request.staff, get_language()),
        checks=presenters.check_rows(page.check_results),
        checks_pending=checks_selectors.pending_run(case_id=page.case.pk) if page.can_act else None,
        page=page,
        case=page.case,
        pager=presenters.case_pager(request, page.case.reference),
        sharing=rights_selectors.case_sharing_consent(case=page.case),
        consent_answer=rights_selectors.consent_answer_sentence,
        **_offer_and_payment(request, page),
        relationships=people_selectors.representative_relationships(),
        rep_scopes=people_selectors.representative_scopes(),
        rules_panel=rules_selectors.case_panel(case=page.case, language=get_language())
        if page.can_act
        else None,
        saved_replies=saved_replies,
        message_text=presenters.message_text(
            typed=values.get("body") or "",
            saved_replies=saved_replies,
            reply_id=request.GET.get("reply", ""),
            language=page.case.person.language,
        ),
        page_title=f"{page.case.reference} – {page.case.person.full_name}"
        if page.sees("person")
        else page.case.reference,
        nav="",
    )


def _offer_and_payment(request, page) -> dict:
    """The case's offer (an approval the person must accept) and its payment, for those
    who work the case; holding and releasing the payment is for team leaders."""
    if not page.can_act:
        return {"offer": None, "payment": None, "can_hold": False}
    offer = (
        cases_selectors.offer_view(
            offer=cases_selectors.offer_for_case(case_id=page.case.pk),
            definition=page.definition,
            language=get_language(),
        )
        if page.definition.offer is not None
        else None
    )
    payment = payments_selectors.payment_for_case(case_id=page.case.pk)
    can_hold = payment is not None and payment.organisation_id in (
        payments_selectors.payment_organisations(context=request.staff)
    )
    return {"offer": offer, "payment": payment, "can_hold": can_hold}


def refused_page(request, reference, message: str, anchor: str, stale: bool = False):
    """The case page again, with why the change was refused and what was typed."""
    return case_detail.__wrapped__(
        request,
        reference,
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
    page = _case_or_404(request, reference)
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
