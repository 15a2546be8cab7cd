"""Every change made from the case page, behind one URL (`cases/<reference>/do/<action>/`).

Each action is one small function registered in `ACTIONS`: it reads its fields from the
form, makes one service call and returns the words to show (or a response of its own), then
goes back to the section of the case page that shows the change (`case.ACTION_SECTIONS`). A
refusal brings that section back with why and what was typed, anchored at the field.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.cases.selectors import CasePage
from commonweal.checks import services as checks_services
from commonweal.messaging import services as messaging
from commonweal.payments import selectors as payments_selectors
from commonweal.payments import services as payments_services
from commonweal.people import services as people_services
from commonweal.rights import services as rights_services

from .. import presenters
from .case import ACTION_SECTIONS, refused_page, section_url
from .common import case_or_404, posted_date, posted_revision, staff_required

# An action: (the request, the case page) -> the words to flash, or a response.
Handler = Callable[..., "str | HttpResponse"]
ACTIONS: dict[str, Handler] = {}
# Actions open to those who only see a referred case (read-only otherwise).
READ_ONLY_ACTIONS = ("note",)
STAFF_ANSWER_WAYS = ("phone", "in_person", "letter")


def action(name: str):
    def register(handler: Handler) -> Handler:
        ACTIONS[name] = handler
        return handler

    return register


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@require_POST
@staff_required
def case_action(request, reference, action):
    """One change to the case: one service call, then back to the page (or the page again
    with the reason it was refused)."""
    page = case_or_404(request, reference)
    if not page.can_act and action not in READ_ONLY_ACTIONS:
        raise PermissionDenied("Referral access is read-only")
    if action == "note" and not page.sees("timeline"):
        raise PermissionDenied("No access to notes")
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action")
    try:
        done = handler(request, page)
    except cases_services.CaseActionRefused as refused:
        return refused_page(
            request,
            reference,
            refused.message,
            f"{action}-{refused.field or 'form'}",
            stale=isinstance(refused, cases_services.StaleCase),
        )
    except messaging.ThreadMessageRefused as refused:
        return refused_page(request, reference, refused.message, f"message-{refused.field}")
    except people_services.RepresentativeRefused as refused:
        return refused_page(request, reference, refused.message, f"representative-{refused.field}")
    except rights_services.RightsRefused as refused:
        return refused_page(request, reference, refused.message, f"refer-{refused.field}")
    if isinstance(done, HttpResponse):
        return done
    presenters.flash(request, done)
    # Back to the section of the case page that shows what changed (flash at the top).
    section, _anchor = ACTION_SECTIONS.get(action, ("", ""))
    return redirect(section_url(page.case.reference, section))


@action("assign")
def _assign(request, page: CasePage) -> str:
    assignee = request.POST.get("assignee", "")
    if assignee == "me":
        assignee = str(request.user.pk)
    cases_services.case_assign(
        case_id=page.case.pk,
        assignee_id=_number(assignee),
        by=request.user,
        revision=posted_revision(request),
    )
    return _("Case assigned.")


@action("move")
def _move(request, page: CasePage) -> str:
    cases_services.case_move(
        case_id=page.case.pk,
        stage_id=request.POST.get("stage", ""),
        by=request.user,
        revision=posted_revision(request),
    )
    return _("Stage changed.")


@action("ask-information")
def _ask_information(request, page: CasePage) -> str:
    """Ask the person for documents or answers: a row of fields for each thing asked."""
    from .case import INFORMATION_ROWS

    post = request.POST
    items = [
        {"kind": post.get(f"item-{row}-kind", ""), "text": post.get(f"item-{row}-text", "")}
        for row in range(1, INFORMATION_ROWS + 1)
    ]
    cases_services.case_information_request(
        case_id=page.case.pk,
        items=items,
        reason=post.get("reason", ""),
        by=request.user,
        revision=posted_revision(request),
    )
    return _("Request sent. The time limit is paused until they answer.")


@action("expected-date")
def _expected_date(request, page: CasePage) -> str:
    """A new date the person can expect a decision by, and why: they are told, at most
    once a week."""
    on, error = posted_date(request.POST, "expected")
    if error or on is None:
        raise cases_services.CaseActionRefused(
            error or _("Enter the new expected date"), field="date"
        )
    told = cases_services.case_expected_date_set(
        case_id=page.case.pk,
        on=on,
        reason=request.POST.get("reason", ""),
        by=request.user,
        revision=posted_revision(request),
    )
    if told:
        return _("New expected date recorded. The person has been told.")
    return _(
        "New expected date recorded. The person was told of a delay in the last 7 days, "
        "so they have not been told again: they see the new date when they check."
    )


@action("note")
def _note(request, page: CasePage) -> str:
    cases_services.case_note_add(
        case_id=page.case.pk,
        text=request.POST.get("text", ""),
        for_person=request.POST.get("for_person") == "yes" and page.can_act,
        by=request.user,
    )
    return _("Note added.")


@action("task")
def _task(request, page: CasePage) -> str:
    due, error = posted_date(request.POST, "task-due")
    if error:
        raise cases_services.CaseActionRefused(error, field="due-day")
    cases_services.task_add(
        case_id=page.case.pk,
        title=request.POST.get("title", ""),
        due_date=due,
        assignee_id=_number(request.POST.get("assignee", "")),
        by=request.user,
    )
    return _("Task added.")


@action("call-outcome")
def _call_outcome(request, page: CasePage) -> str:
    """The outcome of a phone call a message asked for (a task on the case)."""
    task_id = request.POST.get("task", "")
    task = next((t for t in page.tasks if str(t.pk) == task_id and t.message_id), None)
    if task is None:
        raise cases_services.CaseActionRefused(_("This call is not on this case."))
    reached = request.POST.get("reached") == "yes"
    cases_services.task_complete(
        task_id=task.pk,
        outcome=_("Reached them") if reached else _("Could not reach them"),
        by=request.user,
    )
    messaging.phone_call_outcome(message_id=task.message_id, reached=reached, by=request.user)
    return _("Call recorded.")


@action("letter-returned")
def _letter_returned(request, page: CasePage) -> str:
    message_id = request.POST.get("message", "")
    if not any(str(m.pk) == message_id and m.channel == "letter" for m in page.messages):
        raise cases_services.CaseActionRefused(_("This letter is not on this case."))
    messaging.letter_returned(message_id=message_id, by=request.user)
    return _("Letter recorded as returned. The address is marked as not working.")


@action("task-done")
def _task_done(request, page: CasePage) -> str:
    task_id = request.POST.get("task", "")
    if not any(str(task.pk) == task_id for task in page.tasks):
        raise cases_services.CaseActionRefused(_("This task is not on this case."))
    cases_services.task_complete(
        task_id=int(task_id), outcome=request.POST.get("outcome", ""), by=request.user
    )
    return _("Task done.")


@action("run-checks")
def _run_checks(request, page: CasePage) -> str:
    _run, queued = checks_services.checks_rerun_request(case_id=page.case.pk, by=request.user)
    if queued:
        return _("The checks will run again in a moment. Refresh the page to see the results.")
    return _("The checks are already waiting to run.")


@action("flag")
def _flag(request, page: CasePage) -> str:
    code, _sep, on = request.POST.get("flag", "").partition(":")
    cases_services.case_flag_set(case_id=page.case.pk, code=code, on=on == "yes", by=request.user)
    return _("Flags updated.")


@action("transfer")
def _transfer(request, page: CasePage) -> HttpResponse:
    cases_services.case_transfer(
        case_id=page.case.pk,
        team_id=_number(request.POST.get("team", "")) or 0,
        reason=request.POST.get("reason", ""),
        by=request.user,
        context=request.staff,
        revision=posted_revision(request),
    )
    presenters.flash(request, _("Case moved to another team."))
    return redirect("workspace:queue")


@action("refer")
def _refer(request, page: CasePage) -> str:
    post = request.POST
    if post.get("then") == "ask":
        return _refer_when_they_agree(request, page)
    cases_services.case_refer(
        case_id=page.case.pk,
        organisation_id=_number(post.get("organisation", "")) or 0,
        scope=post.getlist("scope"),
        reason=post.get("reason", ""),
        by=request.user,
        context=request.staff,
        revision=posted_revision(request),
    )
    return _("Case referred.")


def _refer_when_they_agree(request, page: CasePage) -> str:
    """Sharing the person's details with a provider waits for their yes."""
    post = request.POST
    asked = rights_services.consent_ask(
        case=page.case,
        organisation_id=_number(post.get("organisation", "")) or 0,
        scope=post.getlist("scope"),
        reason=post.get("reason", ""),
        by=request.user,
        context=request.staff,
    )
    return _(
        "We have asked them. The case will be referred to %(organisation)s when they say yes."
    ) % {"organisation": asked.organisation.name}


@action("end-referral")
def _end_referral(request, page: CasePage) -> str:
    referral = request.POST.get("referral", "")
    if not any(str(r.pk) == referral for r in page.referrals):
        raise cases_services.CaseActionRefused(_("This referral is not on this case."))
    cases_services.referral_end(
        referral_id=int(referral), by=request.user, revision=posted_revision(request)
    )
    return _("Referral ended.")


@action("message")
def _message(request, page: CasePage) -> str:
    messaging.thread_message_post(
        case=page.case,
        by=request.user,
        from_staff=True,
        body=request.POST.get("body", ""),
        files=request.FILES.getlist("attachments"),
    )
    return _("Message sent.")


@action("offer-answer")
def _offer_answer(request, page: CasePage) -> str:
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
            case_id=page.case.pk,
            accept=accept,
            by=request.user,
            how=how,
            told_by=post.get("told_by", "")[:1000],
            words=post.get("words", "")[:10_000],
        )
    except cases_services.CaseActionRefused:
        offer = cases_selectors.offer_for_case(case_id=page.case.pk)
        repeated = (
            offer is not None
            and offer.status == ("accepted" if accept else "declined")
            and offer.answered_by_id == request.user.pk
        )
        if not repeated:  # not a double click: say why
            raise
    if accept:
        return _("Answer recorded: the offer was accepted.")
    return _("Answer recorded: the offer was declined.")


def _payment_change(request, page: CasePage, change) -> None:
    """A team leader holds the case's payment, or releases it, with a reason."""
    organisation_ids = payments_selectors.payment_organisations(context=request.staff)
    if not organisation_ids:
        raise PermissionDenied("Only team leaders hold or release payments")
    payment = payments_selectors.payment_for_case(case_id=page.case.pk)
    if payment is None or str(payment.pk) != request.POST.get("payment", ""):
        raise cases_services.CaseActionRefused(_("This payment is not on this case."))
    try:
        change(
            instruction_id=payment.pk,
            reason=request.POST.get("reason", ""),
            by=request.user,
            organisation_ids=organisation_ids,
        )
    except payments_services.PaymentRefused as refused:
        raise cases_services.CaseActionRefused(refused.message, field="reason") from None


@action("payment-hold")
def _payment_hold(request, page: CasePage) -> str:
    _payment_change(request, page, payments_services.payment_hold)
    return _("Payment held.")


@action("payment-release")
def _payment_release(request, page: CasePage) -> str:
    _payment_change(request, page, payments_services.payment_release)
    return _("Payment released.")


@action("representative")
def _representative(request, page: CasePage) -> str:
    post = request.POST
    ends_on, error = posted_date(post, "rep-ends")
    if error:
        raise cases_services.CaseActionRefused(error, field="rep-ends-day")
    people_services.representative_add(
        person=page.case.person,
        name=post.get("name", ""),
        email=post.get("email", ""),
        relationship=post.get("relationship", ""),
        scope=post.getlist("rep_scope"),
        ends_on=ends_on,
        legal_authority=post.get("legal_authority", "") or _("Recorded by staff"),
        by=request.user,
    )
    return _("Representative recorded.")


@action("end-representative")
def _end_representative(request, page: CasePage) -> str:
    representative = request.POST.get("representative", "")
    if not any(str(r.pk) == representative for r in page.representatives):
        raise cases_services.CaseActionRefused(_("This representative is not on this case."))
    people_services.representative_revoke(
        representative_id=int(representative), person=page.case.person, by=request.user
    )
    return _("Representative's authority ended.")
