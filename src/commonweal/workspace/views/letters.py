"""Letters for the print house: each organisation's batch of each day, built into a zip on
request. Staff see, build and download only the batches of organisations where they work in
a team; another organisation's batch answers 404, as if it did not exist."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.core.files import private_file_response
from commonweal.messaging import selectors as messaging_selectors
from commonweal.messaging import services as messaging
from commonweal.privacy import services as privacy

from .. import presenters
from .common import page as _page
from .common import staff_required


def _organisations(request) -> set[int]:
    # Provider staff see referred cases only, never the post.
    organisation_ids = messaging_selectors.print_batch_organisations(context=request.staff)
    if not organisation_ids:
        raise PermissionDenied("Only the organisation's own staff handle letters")
    return organisation_ids


@require_http_methods(["GET", "HEAD"])
@staff_required
def print_batches(request):
    organisation_ids = _organisations(request)
    return _page(
        request,
        "workspace/letters.html",
        batches=messaging_selectors.print_batches(organisation_ids=organisation_ids),
        several_organisations=len(organisation_ids) > 1,
        page_title=_("Letters to print"),
        nav="letters",
    )


def _batch_or_404(request, batch_id: int):
    batch = messaging_selectors.print_batch(
        organisation_ids=_organisations(request), batch_id=batch_id
    )
    if batch is None:
        raise Http404("No such batch")
    return batch


@require_POST
@staff_required
def print_batch_build(request, batch_id):
    batch = messaging.print_batch_build(batch=_batch_or_404(request, batch_id), by=request.user)
    presenters.flash(
        request,
        _("The batch for %(day)s holds %(count)s letters. Download it below.")
        % {"day": batch.day.isoformat(), "count": batch.letters},
    )
    return redirect("workspace:letters")


@require_http_methods(["GET", "HEAD"])
@staff_required
def print_batch_download(request, batch_id):
    batch = _batch_or_404(request, batch_id)
    if not batch.file:
        raise Http404("Not built yet")

    class Stored:
        file = batch.file
        original_name = f"letters-{batch.organisation.slug}-{batch.day:%Y-%m-%d}.zip"
        content_type = "application/zip"

    # Every person with a letter in the batch: one access record each (one bulk INSERT).
    recipients = messaging_selectors.print_batch_recipients(batch=batch)
    privacy.access_record_many(
        person_ids=list(recipients),
        case_ids={person: case for person, case in recipients.items() if case},
        purpose=privacy.Purpose.EXPORT,
        categories=[privacy.Category.PERSON, privacy.Category.MESSAGES],
        via=privacy.Via.EXPORT,
        by=request.user,
        context=request.staff,
    )
    return private_file_response(Stored)
