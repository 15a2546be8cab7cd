"""Letters for the print house: each day's batch, built into a zip on request."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.core.files import private_file_response
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging
from commonweal.privacy import services as privacy

from . import presenters
from .views import _page, staff_required


def _council_staff(request) -> None:
    # Provider staff see referred cases only, never the post for everyone.
    if not request.staff.work_team_ids:
        raise PermissionDenied("Only the organisation's own staff handle letters")


@require_http_methods(["GET", "HEAD"])
@staff_required
def print_batches(request):
    _council_staff(request)
    return _page(
        request,
        "workspace/letters.html",
        batches=messaging_selectors.print_batches(),
        page_title=_("Letters to print"),
        nav="letters",
    )


def _batch_or_404(day: str):
    try:
        when = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day") from None
    batch = messaging_selectors.print_batch(day=when)
    if batch is None:
        raise Http404("No letters that day")
    return batch


@require_POST
@staff_required
def print_batch_build(request, day):
    _council_staff(request)
    batch = messaging.print_batch_build(batch=_batch_or_404(day), by=request.user)
    presenters.flash(
        request,
        _("The batch for %(day)s holds %(count)s letters. Download it below.")
        % {"day": batch.day.isoformat(), "count": batch.letters},
    )
    return redirect("workspace:letters")


@require_http_methods(["GET", "HEAD"])
@staff_required
def print_batch_download(request, day):
    _council_staff(request)
    batch = _batch_or_404(day)
    if not batch.file:
        raise Http404("Not built yet")

    class Stored:
        file = batch.file
        original_name = f"letters-{batch.day:%Y-%m-%d}.zip"
        content_type = "application/zip"

    # Every person with a letter in the batch: one access record each (one bulk INSERT).
    recipients = messaging_selectors.print_batch_recipients(batch=batch)
    privacy.access_record_many(
        person_ids=list(recipients),
        case_ids={person: case for person, case in recipients.items() if case},
        purpose=privacy.Purpose.EXPORT,
        categories=[privacy.Category.PERSON, privacy.Category.MESSAGES],
        via=privacy.Via.EXPORT,
        actor=request.user,
        context=request.staff,
    )
    return private_file_response(Stored)
