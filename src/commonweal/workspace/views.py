"""The staff workspace. Each view reads the member of staff's context once, reads through
selectors (filtered in SQL to what they may see) and writes through services."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.checks import selectors as checks_selectors
from commonweal.checks import services as checks_services
from commonweal.core.files import private_file_response
from commonweal.core.staff import staff_required
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging
from commonweal.organisations import selectors as organisations
from commonweal.payments import selectors as payments_selectors
from commonweal.payments import services as payments_services
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services
from commonweal.privacy import services as privacy
from commonweal.rights import selectors as rights_selectors
from commonweal.rights import services as rights_services
from commonweal.rules import selectors as rules_selectors

from . import presenters


def _page(request, template: str, status: int = 200, **context):
    context.setdefault("workspace", request.staff)
    context.setdefault("flashes", presenters.flashes(request))
    context.setdefault("service_name", _("Casework"))
    context.setdefault("service_url", reverse("workspace:my-work"))
    return render(request, template, context, status=status)


def _case_or_404(request, reference: str) -> cases_selectors.CasePage:
    page = cases_selectors.case_for_staff(context=request.staff, reference=reference.upper())
    if page is None:
        # The same answer whether the case does not exist or is not one they may see.
        raise Http404("No such case")
    return page


def _record_read(request, page, via=privacy.Via.CASE_PAGE):
    """The access log's record of this read (one INSERT). A case outside the reader's own
    work needs their reason first: the answer is then privacy's break-glass page."""
    try:
        privacy.case_read_record(
            context=request.staff,
            actor=request.user,
            case=page.case,
            scope=page.scope,
            session=request.session,
            via=via,
        )
    except privacy.BreakGlassNeeded:
        url = reverse("privacy:break-glass", args=[page.case.reference])
        return redirect(f"{url}?next={request.path}")
    return None


@require_http_methods(["GET", "HEAD"])
@staff_required
def my_work(request):
    work = cases_selectors.my_work(context=request.staff)
    return _page(
        request,
        "workspace/my_work.html",
        work=work,
        rows=presenters.case_rows(work.cases),
        unanswered=presenters.case_rows(work.unanswered),
        page_title=_("My work"),
        nav="my-work",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def queue(request):
    context = request.staff
    errors = []
    if request.method == "POST":
        ids = [int(value) for value in request.POST.getlist("cases") if value.isdigit()][:500]
        assignee = request.POST.get("assignee", "")
        if not assignee.isdigit():
            errors.append({"text": _("Choose who to assign the cases to"), "href": "#assignee"})
        else:
            try:
                count = cases_services.cases_bulk_assign(
                    case_ids=ids, assignee_id=int(assignee), by=request.user, context=context
                )
            except cases_services.CaseActionRefused as refused:
                errors.append({"text": refused.message, "href": f"#{refused.field or 'cases'}"})
            else:
                presenters.flash(request, _("%(count)s cases assigned.") % {"count": count})
                return redirect(request.get_full_path())
    filters = cases_selectors.QueueFilters.from_query(request.GET)
    if "team" not in request.GET:
        # First visit: the person's own (first) team; "All your teams" is a choice.
        filters.team = next(iter(sorted(context.work_team_ids)), None)
    page = cases_selectors.queue_page(context=context, filters=filters)
    members = organisations.team_members(
        team_ids=[filters.team] if filters.team else context.work_team_ids
    )
    return _page(
        request,
        "workspace/queue.html",
        status=400 if errors else 200,
        errors=errors,
        page=page,
        rows=presenters.case_rows(page.rows),
        filter_selects=presenters.queue_filter_selects(context, filters, members),
        members=members,
        pagination=presenters.pagination(request, page),
        page_title=_("Team queue"),
        nav="queue",
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def search(request):
    result = cases_selectors.case_search(context=request.staff, text=request.GET.get("q", ""))
    errors = []
    if "q" in request.GET and result.kind == "empty":
        errors.append({"text": _("Enter at least 2 characters to search"), "href": "#q"})
    if result.rows:
        # One access record per person shown (one bulk INSERT).
        privacy.access_record_many(
            person_ids=[row.case.person_id for row in result.rows],
            case_ids={row.case.person_id: row.case.pk for row in reversed(result.rows)},
            purpose=privacy.Purpose.SEARCH,
            categories=[privacy.Category.PERSON],
            via=privacy.Via.SEARCH,
            actor=request.user,
            context=request.staff,
        )
    return _page(
        request,
        "workspace/search.html",
        result=result,
        rows=presenters.case_rows(result.rows),
        errors=errors,
        page_title=_("Search cases"),
        nav="search",
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def workload(request):
    context = request.staff
    team_id = request.GET.get("team", "")
    led = sorted(
        context.led_team_ids | {team.pk for team in context.teams if context.leads(team.pk)}
    )
    if not led:
        raise PermissionDenied("Only team leaders see workload")
    chosen = int(team_id) if team_id.isdigit() and int(team_id) in led else led[0]
    load = cases_selectors.team_workload(context=context, team_id=chosen)
    return _page(
        request,
        "workspace/workload.html",
        load=load,
        teams=[team for team in context.teams if team.pk in led],
        chosen=chosen,
        due_rows=presenters.case_rows(load.due_this_week),
        page_title=_("Workload"),
        nav="workload",
    )


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


def _revision(request) -> int | None:
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() else -1  # a missing revision is always stale


def _date(request, prefix: str) -> tuple[datetime.date | None, str | None]:
    parts = [request.POST.get(f"{prefix}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None, None
    try:
        day, month, year = (int(part) for part in parts)
        return datetime.date(year, month, day), None
    except ValueError:
        return None, _("Enter a real date, like 27 3 2027")


@require_POST
@staff_required
def case_action(request, reference, action):
    """Every change made from the case page: one service call, then back to the page (or
    the page again with the reason it was refused)."""
    page = _case_or_404(request, reference)
    case = page.case
    post = request.POST
    user = request.user
    if not page.can_act and action not in ("note",):
        raise PermissionDenied("Referral access is read-only")
    if action == "note" and not page.sees("timeline"):
        raise PermissionDenied("No access to notes")
    try:
        if action == "assign":
            assignee = post.get("assignee", "")
            if assignee == "me":
                assignee = str(user.pk)
            cases_services.case_assign(
                case_id=case.pk,
                assignee_id=int(assignee) if assignee.isdigit() else None,
                by=user,
                revision=_revision(request),
            )
            message = _("Case assigned.")
        elif action == "move":
            cases_services.case_move(
                case_id=case.pk,
                stage_id=post.get("stage", ""),
                by=user,
                revision=_revision(request),
            )
            message = _("Stage changed.")
        elif action == "note":
            cases_services.case_note_add(
                case_id=case.pk,
                text=post.get("text", ""),
                for_person=post.get("for_person") == "yes" and page.can_act,
                by=user,
            )
            message = _("Note added.")
        elif action == "task":
            due, error = _date(request, "task-due")
            if error:
                raise cases_services.CaseActionRefused(error, field="due-day")
            assignee = post.get("assignee", "")
            cases_services.task_add(
                case_id=case.pk,
                title=post.get("title", ""),
                due_date=due,
                assignee_id=int(assignee) if assignee.isdigit() else None,
                by=user,
            )
            message = _("Task added.")
        elif action == "call-outcome":
            task_id = post.get("task", "")
            task = next((t for t in page.tasks if str(t.pk) == task_id and t.message_id), None)
            if task is None:
                raise cases_services.CaseActionRefused(_("This call is not on this case."))
            reached = post.get("reached") == "yes"
            cases_services.task_complete(
                task_id=task.pk,
                outcome=_("Reached them") if reached else _("Could not reach them"),
                by=user,
            )
            messaging.phone_call_outcome(message_id=task.message_id, reached=reached, by=user)
            message = _("Call recorded.")
        elif action == "letter-returned":
            message_id = post.get("message", "")
            if not any(str(m.pk) == message_id and m.channel == "letter" for m in page.messages):
                raise cases_services.CaseActionRefused(_("This letter is not on this case."))
            messaging.letter_returned(message_id=message_id, by=user)
            message = _("Letter recorded as returned. The address is marked as not working.")
        elif action == "task-done":
            task_id = post.get("task", "")
            if not any(str(task.pk) == task_id for task in page.tasks):
                raise cases_services.CaseActionRefused(_("This task is not on this case."))
            cases_services.task_complete(
                task_id=int(task_id), outcome=post.get("outcome", ""), by=user
            )
            message = _("Task done.")
        elif action == "run-checks":
            _run, queued = checks_services.checks_rerun_request(case_id=case.pk, by=user)
            message = (
                _("The checks will run again in a moment. Refresh the page to see the results.")
                if queued
                else _("The checks are already waiting to run.")
            )
        elif action == "flag":
            code, _sep, on = post.get("flag", "").partition(":")
            cases_services.case_flag_set(case_id=case.pk, code=code, on=on == "yes", by=user)
            message = _("Flags updated.")
        elif action == "transfer":
            team = post.get("team", "")
            cases_services.case_transfer(
                case_id=case.pk,
                team_id=int(team) if team.isdigit() else 0,
                reason=post.get("reason", ""),
                by=user,
                context=request.staff,
                revision=_revision(request),
            )
            presenters.flash(request, _("Case moved to another team."))
            return redirect("workspace:queue")
        elif action == "refer" and post.get("then") == "ask":
            # Sharing the person's details with a provider waits for their yes.
            organisation = post.get("organisation", "")
            asked = rights_services.consent_ask(
                case=case,
                organisation_id=int(organisation) if organisation.isdigit() else 0,
                scope=post.getlist("scope"),
                reason=post.get("reason", ""),
                by=user,
                context=request.staff,
            )
            message = _(
                "We have asked them. The case will be referred to %(organisation)s when they "
                "say yes."
            ) % {"organisation": asked.organisation.name}
        elif action == "refer":
            organisation = post.get("organisation", "")
            cases_services.case_refer(
                case_id=case.pk,
                organisation_id=int(organisation) if organisation.isdigit() else 0,
                scope=post.getlist("scope"),
                reason=post.get("reason", ""),
                by=user,
                context=request.staff,
                revision=_revision(request),
            )
            message = _("Case referred.")
        elif action == "end-referral":
            referral = post.get("referral", "")
            if not any(str(r.pk) == referral for r in page.referrals):
                raise cases_services.CaseActionRefused(_("This referral is not on this case."))
            cases_services.referral_end(
                referral_id=int(referral), by=user, revision=_revision(request)
            )
            message = _("Referral ended.")
        elif action == "message":
            messaging.thread_message_post(
                case=case,
                author=user,
                from_staff=True,
                body=post.get("body", ""),
                files=request.FILES.getlist("attachments"),
            )
            message = _("Message sent.")
        elif action == "offer-answer":
            message = _record_offer_answer(request, case)
        elif action in ("payment-hold", "payment-release"):
            message = _hold_or_release(request, case, action)
        elif action == "representative":
            ends_on, error = _date(request, "rep-ends")
            if error:
                raise cases_services.CaseActionRefused(error, field="rep-ends-day")
            people_services.representative_add(
                person=case.person,
                name=post.get("name", ""),
                email=post.get("email", ""),
                relationship=post.get("relationship", ""),
                scope=post.getlist("rep_scope"),
                ends_on=ends_on,
                legal_authority=post.get("legal_authority", "") or _("Recorded by staff"),
                by=user,
            )
            message = _("Representative recorded.")
        elif action == "end-representative":
            representative = post.get("representative", "")
            if not any(str(r.pk) == representative for r in page.representatives):
                raise cases_services.CaseActionRefused(
                    _("This representative is not on this case.")
                )
            people_services.representative_revoke(
                representative_id=int(representative), person=case.person, by=user
            )
            message = _("Representative's authority ended.")
        else:
            raise Http404("No such action")
    except cases_services.CaseActionRefused as refused:
        return _refused(
            request,
            reference,
            refused.message,
            f"{action}-{refused.field or 'form'}",
            stale=isinstance(refused, cases_services.StaleCase),
        )
    except messaging.ThreadMessageRefused as refused:
        return _refused(request, reference, refused.message, f"message-{refused.field}")
    except people_services.RepresentativeRefused as refused:
        return _refused(request, reference, refused.message, f"representative-{refused.field}")
    except rights_services.RightsRefused as refused:
        return _refused(request, reference, refused.message, f"refer-{refused.field}")
    presenters.flash(request, message)
    return redirect("workspace:case", reference=case.reference)


STAFF_ANSWER_WAYS = ("phone", "in_person", "letter")


def _record_offer_answer(request, case) -> str:
    """The person's answer to the offer, given by phone, in person or by letter."""
    post = request.POST
    answer = post.get("answer", "")
    if answer not in ("accept", "decline"):
        raise cases_services.CaseActionRefused(
            _("Select whether the person accepts or declines the offer"), field="answer"
        )
    how = post.get("how", "")
    if how not in STAFF_ANSWER_WAYS:
        raise cases_services.CaseActionRefused(
            _("Select how the person gave their answer"), field="how"
        )
    accept = answer == "accept"
    try:
        cases_services.offer_answer(
            case_id=case.pk,
            accept=accept,
            by=request.user,
            how=how,
            told_by=post.get("told_by", "")[:1000],
            words=post.get("words", "")[:10_000],
        )
    except cases_services.CaseActionRefused:
        offer = cases_selectors.offer_for_case(case_id=case.pk)
        repeated = (
            offer is not None
            and offer.status == ("accepted" if accept else "declined")
            and offer.answered_by_id == request.user.pk
        )
        if not repeated:  # not a double click: say why
            raise
    return (
        _("Answer recorded: the offer was accepted.")
        if accept
        else _("Answer recorded: the offer was declined.")
    )


def _hold_or_release(request, case, action: str) -> str:
    """A team leader holds the case's payment, or releases it, with a reason."""
    organisation_ids = payments_selectors.payment_organisations(context=request.staff)
    if not organisation_ids:
        raise PermissionDenied("Only team leaders hold or release payments")
    payment = payments_selectors.payment_for_case(case_id=case.pk)
    if payment is None or str(payment.pk) != request.POST.get("payment", ""):
        raise cases_services.CaseActionRefused(_("This payment is not on this case."))
    change = (
        payments_services.payment_hold
        if action == "payment-hold"
        else payments_services.payment_release
    )
    try:
        change(
            instruction_id=payment.pk,
            reason=request.POST.get("reason", ""),
            by=request.user,
            organisation_ids=organisation_ids,
        )
    except payments_services.PaymentRefused as refused:
        raise cases_services.CaseActionRefused(refused.message, field="reason") from None
    return _("Payment held.") if action == "payment-hold" else _("Payment released.")


def _refused(request, reference, message: str, anchor: str, stale: bool = False):
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
