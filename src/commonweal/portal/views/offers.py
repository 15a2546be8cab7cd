"""The person's answer to an offer (an approval they must accept before anything is paid,
such as a loan): the terms, then accept or decline, then what happens now. The person, or
someone allowed to act for them, answers once; a repeat of the same answer (a double
click) shows the answer already given, and a different answer is refused."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.intake import selectors as intake_selectors

from . import common

ANSWERS = {"accept": True, "decline": False}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def offer(request, reference):
    application = common.application_or_404(request, reference, scope=intake_selectors.SCOPE_ACT)
    definition = catalogue.definition_for(application.version)
    language = common.language()
    case = application.case
    found = cases_selectors.offer_for_case(case_id=case.pk)
    if found is None:
        raise Http404("No offer on this application")
    # Someone allowed to act but not to view goes back to their list instead.
    detail_url = (
        reverse("portal:application-detail", args=[application.reference])
        if application.access.can(intake_selectors.SCOPE_VIEW)
        else reverse("portal:application-list")
    )
    errors = []
    refusal = None
    status = 200
    answer = ""
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if answer not in ANSWERS:
            errors.append(
                {"text": _("Select whether you accept or decline the offer"), "href": "#answer"}
            )
            status = 400
        else:
            try:
                cases_services.offer_answer(
                    case_id=case.pk,
                    accept=ANSWERS[answer],
                    by=request.user,
                    on_behalf_of=application.access.on_behalf_of,
                )
            except cases_services.CaseActionRefused as refused:
                found = cases_selectors.offer_for_case(case_id=case.pk)
                if not _same_answer_again(found, answer, request.user):
                    refusal = refused.message
                    status = 409
            if refusal is None and status == 200:
                return redirect("portal:offer", application.reference)
    view = cases_selectors.offer_view(offer=found, definition=definition, language=language)
    return render(
        request,
        "portal/applications/offer.html",
        {
            "application": application,
            "offer": view,
            "answer": answer,
            "errors": errors,
            "refusal": refusal,
            "acting_for": common.acting_for(application),
            "flashes": common.flashes(request),
            "page_title": _("Your offer"),
            "back_url": detail_url,
            "nav": "applications",
        },
        status=status,
    )


def _same_answer_again(offer, answer: str, account) -> bool:
    """The offer already has this answer from this account: a double click, not a change
    of mind. Nothing more is written; the page shows the answer."""
    wanted = "accepted" if ANSWERS[answer] else "declined"
    return offer is not None and offer.status == wanted and offer.answered_by_id == account.pk
