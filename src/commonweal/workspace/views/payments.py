"""Staff pages for payments: the day's batches and their files, reconciliation uploads,
and the payments waiting for the next batch. For team leaders and above, for the
organisations they lead in; a batch of any other organisation answers 404."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.payments import selectors, services
from commonweal.privacy import services as privacy

from .common import record_people_read, staff_page, staff_required


def _record(request, instructions) -> None:
    """The payees shown (names, and the last digits of their accounts): one INSERT."""
    record_people_read(
        request,
        {row.person_id: row.case_id for row in reversed(list(instructions))},
        purpose=privacy.Purpose.PAYMENT,
        categories=[privacy.Category.PERSON, privacy.Category.PAYMENTS],
        via=privacy.Via.PAYMENTS,
    )


def payments_staff(view):
    """Signed in, staff, and leading a team somewhere; otherwise sign in, or 403."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        organisation_ids = selectors.payment_organisations(context=request.staff)
        if not organisation_ids:
            raise PermissionDenied("Payments are for team leaders and above")
        request.payment_organisations = organisation_ids
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, template: str, status: int = 200, **context):
    context.setdefault("nav", "payments")
    return staff_page(request, template, status=status, **context)


@require_http_methods(["GET", "HEAD"])
@payments_staff
def batch_list(request):
    return _page(
        request,
        "workspace/payments/batches.html",
        batches=selectors.batches(organisation_ids=request.payment_organisations),
        page_title=_("Payments"),
    )


@require_http_methods(["GET", "HEAD"])
@payments_staff
def pending_list(request):
    page = selectors.pending(organisation_ids=request.payment_organisations)
    _record(request, [*page.instructions, *page.held, *page.awaiting])
    return _page(
        request,
        "workspace/payments/pending.html",
        page=page,
        page_title=_("Payments waiting for the next batch"),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@payments_staff
def instruction_detail(request, instruction_id: int):
    """One payment: where it is, its history, and holding or releasing it with a reason."""
    instruction = selectors.instruction_for_staff(
        organisation_ids=request.payment_organisations, instruction_id=instruction_id
    )
    if instruction is None:
        raise Http404("No such payment")
    errors = []
    reason = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")[:5000]
        change = {"hold": services.payment_hold, "release": services.payment_release}.get(action)
        if change is None:
            errors.append({"text": _("Choose to hold or release the payment"), "href": "#reason"})
        else:
            try:
                change(
                    instruction_id=instruction.pk,
                    reason=reason,
                    by=request.user,
                    organisation_ids=request.payment_organisations,
                )
            except services.PaymentRefused as refused:
                errors.append({"text": refused.message, "href": "#reason"})
            else:
                messages.success(
                    request, _("Payment held.") if action == "hold" else _("Payment released.")
                )
                return redirect("workspace:payment", instruction_id=instruction.pk)
        instruction = selectors.instruction_for_staff(
            organisation_ids=request.payment_organisations, instruction_id=instruction_id
        )
    _record(request, [instruction])
    return _page(
        request,
        "workspace/payments/instruction.html",
        status=400 if errors else 200,
        errors=errors,
        reason=reason,
        instruction=instruction,
        history=selectors.payment_history(instruction_id=instruction.pk),
        page_title=_("Payment for %(reference)s") % {"reference": instruction.reference},
    )


def _batch_or_404(request, batch_id: int):
    batch = selectors.batch_for_staff(
        organisation_ids=request.payment_organisations, batch_id=batch_id
    )
    if batch is None:
        raise Http404("No such batch")
    return batch


@require_http_methods(["GET", "HEAD", "POST"])
@payments_staff
def batch_detail(request, batch_id: int):
    batch = _batch_or_404(request, batch_id)
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("reconciliation")
        if upload is None or not upload.size:
            errors.append(
                {
                    "text": _("Choose the bank's reconciliation file (CSV)"),
                    "href": "#reconciliation",
                }
            )
        elif upload.size > services.MAX_RECONCILIATION_BYTES:
            errors.append(
                {"text": _("The file must be smaller than 20MB"), "href": "#reconciliation"}
            )
        else:
            try:
                result = services.payment_batch_reconcile(
                    content=upload.read(),
                    by=request.user,
                    organisation_ids={batch.organisation_id},
                    batch_id=batch.pk,
                )
            except services.ReconciliationRefused as refused:
                shown = refused.problems[:50]
                errors = [{"text": str(problem), "href": "#reconciliation"} for problem in shown]
                if len(refused.problems) > len(shown):
                    errors.append(
                        {
                            "text": _("and %(count)s more problems")
                            % {"count": len(refused.problems) - len(shown)},
                            "href": "#reconciliation",
                        }
                    )
            else:
                messages.success(
                    request,
                    _("Batch reconciled: %(paid)s paid, %(failed)s failed.")
                    % {"paid": result.paid, "failed": result.failed},
                )
                return redirect("workspace:payment-batch", batch_id=batch.pk)
    instructions = selectors.batch_instructions(batch=batch)
    _record(request, instructions)
    return _page(
        request,
        "workspace/payments/batch.html",
        status=400 if errors else 200,
        errors=errors,
        batch=batch,
        instructions=instructions,
        header=",".join(services.RECONCILIATION_HEADER),
        page_title=_("Payment batch %(id)s") % {"id": batch.pk},
    )


@require_http_methods(["GET", "HEAD"])
@payments_staff
def batch_download(request, batch_id: int):
    batch = _batch_or_404(request, batch_id)
    path = selectors.batch_file_path(batch=batch)
    if path is None:
        raise Http404("The file is not in the payments directory")
    content_type = selectors.batch_file_content_type(batch=batch)
    # Everyone paid in the file: their names and bank details.
    _record(request, selectors.batch_instructions(batch=batch))
    # FileResponse closes the file when the response is sent.
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115
        as_attachment=True,
        filename=batch.file_name,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
