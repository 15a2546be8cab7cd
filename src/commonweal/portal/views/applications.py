"""Your applications: the list (drafts and sent), one application with where it is, the
decision and the notices about it, the confirmation once sent, asking for a decision to be
looked at again, and the files attached to answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core.files import private_file_response
from commonweal.intake import selectors as intake_selectors
from commonweal.intake import services as intake_services
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging_services

from . import common


@login_required
@require_http_methods(["GET", "HEAD"])
def confirmation(request, reference):
    application = common.application_or_404(request, reference)
    definition = catalogue.definition_for(application.version)
    return render(
        request,
        "portal/applications/confirmation.html",
        {
            "application": application,
            "case": application.case,
            "definition": definition,
            "service_name": definition.title.text(common.language()),
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
    summaries = intake_selectors.applications_for_account(account=request.user)
    return render(
        request,
        "portal/applications/application_list.html",
        {
            "drafts": [s for s in summaries if s.application.status == "draft"],
            "submitted": [s for s in summaries if s.application.status == "submitted"],
            "flashes": common.flashes(request),
            "page_title": _("Your applications"),
            "nav": "applications",
        },
    )


@login_required
@require_http_methods(["POST"])
def draft_hand_over(request, application_id):
    """Carry on online with an application a member of staff started with the person."""
    try:
        draft = intake_services.application_hand_over(
            application_id=application_id, account=request.user
        )
    except intake_services.DraftNotFound:
        raise Http404("No such draft") from None
    except intake_services.HandOverRefused as refused:
        messages.error(request, refused.message)
        return redirect("portal:application-list")
    return redirect("portal:apply", draft.service.slug)


@login_required
@require_http_methods(["GET", "HEAD"])
def application_detail(request, reference):
    application = common.application_or_404(request, reference)
    definition = catalogue.definition_for(application.version)
    language = common.language()
    case = application.case
    viewer = common.viewer(application)
    access = application.access
    decision = cases_selectors.case_decision_for_person(
        case=case, definition=definition, language=language, viewer=viewer
    )
    if application.person is not None and application.person.account_id == request.user.pk:
        # Opening the application is reading the notices left in their account about it.
        messaging_services.portal_messages_read(person=application.person, case=case)
    return render(
        request,
        "portal/applications/application_detail.html",
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
                decision and decision.can_reconsider and access.can(intake_selectors.SCOPE_ACT)
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
            "can_answer_offer": access.can(intake_selectors.SCOPE_ACT),
            # Read whether the case is open or not, so the page costs the same either way.
            "information_waiting": cases_selectors.information_request_waiting(case_id=case.pk)
            if access.can(intake_selectors.SCOPE_ACT)
            else None,
            "can_message": access.can(intake_selectors.SCOPE_MESSAGES),
            "unread_messages": application.unread_messages or 0,
            "acting_for": common.acting_for(application),
            "timeline": cases_selectors.case_timeline(
                case=case,
                definition=definition,
                language=language,
                viewer=viewer,
                account=request.user,
            ),
            "rows": common.summary_rows(definition, application, "", language, change=False),
            "flashes": common.flashes(request),
            "page_title": capfirst(definition.name.text(language)),
            "back_url": reverse("portal:application-list"),
            "nav": "applications",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reconsideration(request, reference):
    """Ask for the decision to be looked at again (a mandatory reconsideration)."""
    application = common.application_or_404(request, reference, scope=intake_selectors.SCOPE_ACT)
    definition = catalogue.definition_for(application.version)
    language = common.language()
    case = application.case
    viewer = common.viewer(application)
    decision = cases_selectors.case_decision_for_person(
        case=case, definition=definition, language=language, viewer=viewer
    )
    # Someone allowed to act but not to view goes back to their list instead.
    detail_url = (
        reverse("portal:application-detail", args=[application.reference])
        if application.access.can(intake_selectors.SCOPE_VIEW)
        else reverse("portal:application-list")
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
                by=request.user,
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
        "portal/applications/reconsideration.html",
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


@login_required
@require_http_methods(["GET", "HEAD"])
def upload_download(request, upload_id):
    upload = intake_selectors.upload_for_account(account=request.user, upload_id=upload_id)
    if upload is None:
        raise Http404("No such file")
    return private_file_response(upload)
