"""Holds and offers: what keeps a payment out of the batches until it may go.

A team leader holds a payment (not yet in a batch) with a reason and releases it with a
reason; while the person has not accepted an offer (a loan) its payment waits for them, and
their answer releases or cancels it. Every change is a `PaymentChange` row and an internal
event on the case. These functions are part of `payments.services` (call them from there).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.core.working_days import add_working_days

from .models import LIVE_STATUSES, UNBATCHED_STATUSES, PaymentChange, PaymentInstruction


def _refused(message):
    from .services import PaymentRefused

    return PaymentRefused(message)


def _pounds(pence: int) -> str:
    from .services import pounds

    return pounds(pence)


def _change(instruction, to_status: str, by, reason: str, event_kind: str) -> None:
    """Inside a transaction holding the instruction's row: move it to `to_status`, with its
    history row and an internal event on the case."""
    now = timezone.now()
    from_status = instruction.status
    instruction.status = to_status
    instruction.status_changed_at = now
    instruction.save(update_fields=["status", "status_changed_at"])
    PaymentChange.objects.create(
        instruction=instruction,
        from_status=from_status,
        to_status=to_status,
        at=now,
        by=by,
        reason=reason,
    )
    cases_services.case_event_record(
        case=cases_services.case_get(case_id=instruction.case_id),
        kind=event_kind,
        by=by,
        visible_to_person=False,
        data={
            "payment": instruction.pk,
            "amount": _pounds(instruction.amount_pence),
            "from": from_status,
            "to": to_status,
            "reason": reason,
        },
    )


# Offers: the payment waits for the person's answer


def payment_for_offer(*, offer, case, by) -> None:
    """Inside the offer's transaction (a listener of cases): an accepted offer's payment is
    released to the next batch (one a team leader holds stays held until they release it);
    a declined, ended or withdrawn offer's payment is cancelled. An accepted offer with no
    payment set up (the bank details did not pass) gives the team a task."""
    instruction = (
        PaymentInstruction.objects.select_for_update()
        .filter(case_id=case.pk, status__in=("awaiting", "held"))
        .first()
    )
    if offer.status == "accepted":
        if instruction is not None and instruction.status == "awaiting":
            _change(
                instruction, "pending", by, _("The person accepted the offer"), "payment_released"
            )
        elif (
            instruction is None
            and offer.amount_pence
            and not PaymentInstruction.objects.filter(
                case_id=case.pk, status__in=LIVE_STATUSES
            ).exists()
        ):
            cases_services.task_add(
                case_id=case.pk,
                title=_("The person accepted the offer of %(amount)s: set up the payment by hand")
                % {"amount": _pounds(offer.amount_pence)},
                due_date=add_working_days(timezone.localdate(), 1),
                assignee_id=None,
                by=by,
                within_transaction=True,
            )
        return
    if instruction is None:
        return
    reasons = {
        "declined": _("The person declined the offer"),
        "expired": _("The offer ended without an answer"),
        "withdrawn": _("The offer was withdrawn: the decision was corrected")
        if cases_selectors.offer_withdrawn_for_correction(offer)
        else _("The offer was withdrawn: the decision is being looked at again"),
    }
    _change(
        instruction, "cancelled", by, reasons.get(offer.status, offer.status), "payment_cancelled"
    )


# Holds: a team leader stops a payment from going in a batch, then releases it


def _for_leader(instruction_id: int, organisation_ids) -> PaymentInstruction:
    instruction = (
        PaymentInstruction.objects.select_for_update()
        .filter(pk=instruction_id, organisation_id__in=organisation_ids)
        .first()
    )
    if instruction is None:
        raise _refused(_("This payment does not exist."))
    return instruction


def payment_hold(*, instruction_id: int, reason: str, by, organisation_ids) -> PaymentInstruction:
    """A team leader stops a payment that is not yet in a batch, saying why: no batch takes
    it until it is released. `organisation_ids` are those the leader handles payments for
    (any other payment "does not exist"). Holding a held payment again changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise _refused(_("Say why the payment is held."))
    if len(reason) > 2000:
        raise _refused(_("The reason must be 2,000 characters or fewer."))
    with transaction.atomic():
        instruction = _for_leader(instruction_id, organisation_ids)
        if instruction.status == PaymentInstruction.Status.HELD:
            return instruction
        if instruction.status not in UNBATCHED_STATUSES:
            raise _refused(
                _("This payment is %(status)s, so it can no longer be held.")
                % {"status": _status_words(instruction.status)}
            )
        _change(instruction, PaymentInstruction.Status.HELD, by, reason, "payment_held")
    return instruction


def payment_release(
    *, instruction_id: int, reason: str, by, organisation_ids
) -> PaymentInstruction:
    """A team leader releases a held payment, saying why: it goes back to waiting for the
    next batch, or, while the person has not yet accepted its offer, to waiting for them.
    Releasing a payment that is not held changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise _refused(_("Say why the payment is released."))
    if len(reason) > 2000:
        raise _refused(_("The reason must be 2,000 characters or fewer."))
    with transaction.atomic():
        instruction = _for_leader(instruction_id, organisation_ids)
        if instruction.status != PaymentInstruction.Status.HELD:
            if instruction.status in UNBATCHED_STATUSES:
                return instruction
            raise _refused(
                _("This payment is %(status)s, so there is nothing to release.")
                % {"status": _status_words(instruction.status)}
            )
        offer = (
            cases_selectors.offer_for_decision(decision_id=instruction.decision_id)
            if instruction.decision_id
            else None
        )
        back_to = (
            PaymentInstruction.Status.AWAITING
            if offer is not None and offer.status == "waiting"
            else PaymentInstruction.Status.PENDING
        )
        _change(instruction, back_to, by, reason, "payment_released")
    return instruction


def _status_words(status: str) -> str:
    return {
        "batched": _("in a batch"),
        "paid": _("paid"),
        "failed": _("failed"),
        "cancelled": _("cancelled"),
    }.get(status, status)
