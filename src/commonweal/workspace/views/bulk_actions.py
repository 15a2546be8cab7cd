"""Bulk actions on the team queue: the ticked cases assigned to someone, moved to a stage,
or sent a saved message, after a page that lists what will change on each.

The queue's form posts here (with the queue's filters in the address). Something missing
(no case ticked, no action, no choice) brings the queue back with why; otherwise the
confirmation page lists the changes, and its Confirm posts here again, with a one-time
token the services record on the history they write, so a second click does nothing
again. Every posted case id is checked against what the member of staff may change: any
other is left out and only counted, never shown.
"""

import re
import uuid

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.messaging import services as messaging
from commonweal.privacy import services as privacy

from .. import presenters
from ..bulk_choices import BulkChoice, Preview, preview, queue_url
from .common import page as _page
from .common import record_people_read, staff_required
from .queues import queue_response

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def confirm(request):
    """POST from the queue: the confirmation page (or the queue with what is missing).
    POST from the confirmation page with its token: do it, then back to the queue. A GET
    (the queue's own links, followed from a page shown here) goes back to the queue."""
    if request.method != "POST":
        return redirect(queue_url(request.GET, request.GET.getlist("cases")))
    choice = BulkChoice.from_data(request.POST)
    shown = preview(context=request.staff, choice=choice)
    if not isinstance(shown, Preview):
        return queue_response(request, errors=shown, values=request.POST)
    token = request.POST.get("batch", "")
    if request.POST.get("step") == "confirm" and _TOKEN.match(token):
        return _do(request, shown, token)
    return _confirmation(request, shown)


def _confirmation(request, shown: Preview, errors=None, status: int = 200) -> HttpResponse:
    action = shown.choice.action
    # Everyone named on the page (the cases it changes and those it leaves): one INSERT.
    record_people_read(
        request,
        {row["person_id"]: row["id"] for row in reversed(shown.changing + shown.staying)},
        purpose=privacy.Purpose.TEAM_QUEUE,
        categories=[privacy.Category.PERSON],
        via=privacy.Via.WORK_LIST,
    )
    titles = {
        "assign": _("Check before you assign these cases"),
        "move": _("Check before you move these cases"),
        "message": _("Check before you send this message"),
    }
    return _page(
        request,
        "workspace/bulk_confirm.html",
        status=status,
        errors=errors or [],
        preview=shown,
        action=action,
        fields=shown.choice.fields(),
        token=uuid.uuid4().hex,
        message_text=_message_words(shown),
        form_url=request.get_full_path(),
        cancel_url=queue_url(request.GET, shown.shown_ids),
        page_title=titles[action],
        nav="queue",
    )


def _message_words(shown: Preview) -> list[tuple[str, str]]:
    """The saved message's words, once: in English, and in Welsh when it has them."""
    if shown.reply is None:
        return []
    words = [(_("In English"), shown.reply.body_en)]
    if shown.reply.body_cy:
        words.append((_("In Welsh, to those who asked for Welsh"), shown.reply.body_cy))
    return words


def _do(request, shown: Preview, token: str) -> HttpResponse:
    choice = shown.choice
    context, user = request.staff, request.user
    if cases_selectors.bulk_batch_done(case_ids=choice.case_ids, batch=token):
        presenters.flash(request, _("These changes were already made: nothing was done again."))
        return redirect(queue_url(request.GET))
    if not shown.changing:
        presenters.flash(request, _("Nothing was changed."))
        return redirect(queue_url(request.GET))
    try:
        if choice.action == "assign":
            done = cases_services.cases_bulk_assign(
                case_ids=shown.changing_ids,
                assignee_id=int(choice.assignee),
                by=user,
                context=context,
                batch=token,
            )
        elif choice.action == "move":
            done = cases_services.cases_bulk_move(
                case_ids=shown.changing_ids,
                stage_id=choice.stage,
                by=user,
                context=context,
                batch=token,
            )
        else:
            done = messaging.thread_messages_post_many(
                case_ids=shown.changing_ids,
                reply_id=int(choice.reply),
                by=user,
                context=context,
                batch=token,
            )
    except (cases_services.CaseActionRefused, messaging.ThreadMessageRefused) as refused:
        # Something changed since the page was shown: nothing was done; show it as it is now.
        errors = [{"text": refused.message, "href": "#changes"}]
        return _confirmation(request, shown, errors=errors, status=409)
    presenters.flash(request, _done_words(shown, done))
    return redirect(queue_url(request.GET))


def _done_words(shown: Preview, done: cases_services.BulkOutcome) -> str:
    if done.repeated:
        return _("These changes were already made: nothing was done again.")
    count = len(done.changed)
    words = {
        "assign": ngettext(
            "%(count)s case assigned to %(target)s.",
            "%(count)s cases assigned to %(target)s.",
            count,
        ),
        "move": ngettext(
            "%(count)s case moved to %(target)s.", "%(count)s cases moved to %(target)s.", count
        ),
        "message": ngettext(
            "“%(target)s” sent on %(count)s case.", "“%(target)s” sent on %(count)s cases.", count
        ),
    }[shown.choice.action] % {"count": count, "target": shown.target}
    # Listed as changing on the page, but not changed: by the service's own look, or changed,
    # closed or moved away since (the look before Confirm).
    missed = len(done.unchanged) + len(shown.staying) + shown.refused
    if missed:
        words += " " + ngettext(
            "%(count)s case did not change.", "%(count)s cases did not change.", missed
        ) % {"count": missed}
    return words
