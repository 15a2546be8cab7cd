"""Every write for payments, one transaction each, with the history row of every change.

approved case ──payment_instruction_create──▶ PaymentInstruction (pending, or awaiting
                                                 the person's acceptance of an offer)
offer accepted ──payment_for_offer──▶ pending; declined, ended, withdrawn ──▶ cancelled
a team leader ──payment_hold / payment_release──▶ held / back where it was
daily, after the cut-off ──payment_batches_run──▶ PaymentBatch, file written, batched
the bank's report ──payment_batch_reconcile──▶ paid / failed (+ a Task on a failure)
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.core import uk
from commonweal.core.jinja import date_long
from commonweal.core.working_days import add_working_days, is_working_day
from commonweal.organisations import selectors as organisations

from . import formats, sealing
from .holds import _change
from .holds import payment_for_offer as payment_for_offer
from .holds import payment_hold as payment_hold
from .holds import payment_release as payment_release
from .models import (
    LIVE_STATUSES,
    UNBATCHED_STATUSES,
    PaymentBatch,
    PaymentChange,
    PaymentInstruction,
)
from .reconciliation import MAX_RECONCILIATION_BYTES as MAX_RECONCILIATION_BYTES
from .reconciliation import RECONCILIATION_HEADER as RECONCILIATION_HEADER
from .reconciliation import Problem as Problem
from .reconciliation import ReconciliationRefused as ReconciliationRefused
from .reconciliation import ReconciliationResult as ReconciliationResult
from .reconciliation import payment_batch_reconcile as payment_batch_reconcile

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import Case, Decision

logger = logging.getLogger("commonweal.payments")

# What fits the Bacs amount field (11 digits of pence).
MAX_AMOUNT_PENCE = 99_999_999_999


class PaymentRefused(Exception):
    """The payment cannot be made; the message says why, in words for the person who asked."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(str(message))
        self.message = str(message)


# Instructions


def _bank_details(case: Case) -> dict[str, str] | None:
    """The bank details the person gave in the application, checked again as the answer
    type checks them (a definition can change; the snapshot is what they sent)."""
    definition = catalogue.definition_for(case.version)
    answers = case.application.answers or {}
    for page in definition.pages:
        for question in page.questions:
            if question.type != "bank_details":
                continue
            value = answers.get(question.id)
            if not isinstance(value, dict):
                continue
            name = str(value.get("name") or "").strip()
            sort_code = uk.normalise_sort_code(str(value.get("sort_code") or ""))
            account = uk.normalise_account_number(str(value.get("account_number") or ""))
            if name and len(name) <= 100 and sort_code and account:
                return {"name": name, "sort_code": sort_code, "account_number": account}
    return None


def payment_for_decision(*, decision: Decision, case: Case, by: User) -> PaymentInstruction | None:
    """The one place a decision turns into money, in the decision's own transaction.

    An approval with an amount becomes a payment instruction for that amount: pending, or
    awaiting while the approval's offer waits for the person. A decision that replaces an
    earlier one (a correction, or the answer to a reconsideration) first cancels the
    earlier decision's payment while it is not yet in a batch, unless it is for the same
    amount and no new offer was made; once in a batch or paid it cannot be taken back, so
    a different amount is never paid on top of it: the team gets a task instead. A payment
    a team leader held stays held through the change: the one replacing it is held too,
    until they release it. When a payment cannot be made (the bank details do not pass
    the checks) the team is given a task, and the decision stands."""
    amount = decision.amount_pence if decision.outcome == "approved" else None
    if decision.reconsiders_id or decision.supersedes_id:
        live = PaymentInstruction.objects.filter(case_id=case.pk, status__in=LIVE_STATUSES).first()
        new_offer = cases_selectors.offer_for_decision(decision_id=decision.pk)
        if live is not None and (live.amount_pence != amount or new_offer is not None):
            if live.status in UNBATCHED_STATUSES:
                payment_instruction_cancel(
                    instruction_id=live.pk,
                    by=by,
                    reason=_("The decision it was made for was replaced on %(date)s")
                    % {"date": date_long(decision.decided_at)},
                )
            else:
                _payment_task(
                    case,
                    by,
                    _(
                        "Put the payment right by hand: %(paid)s was already sent to the bank "
                        "for the earlier decision, and the new decision gives %(amount)s"
                    )
                    % {"paid": pounds(live.amount_pence), "amount": pounds(amount or 0)},
                )
                return None
    if not amount:
        return None
    try:
        instruction = payment_instruction_create(
            case_id=case.pk,
            amount_pence=amount,
            by=by,
            reason=_("Approved amount of %(amount)s") % {"amount": pounds(amount)},
        )
    except PaymentRefused as refused:
        _payment_task(
            case, by, _("Set up the payment by hand: %(reason)s") % {"reason": refused.message}
        )
        return None
    if instruction.created_at >= decision.decided_at:  # made now, not handed back
        hold = _hold_not_released(case.pk, instruction.pk)
        if hold is not None:
            _change(
                instruction,
                PaymentInstruction.Status.HELD,
                by,
                _("Held, as the payment it replaces was: %(reason)s") % {"reason": hold},
                "payment_held",
            )
    return instruction


def _hold_not_released(case_id: int, new_id: int) -> str | None:
    """Why the case's payment before `new_id` was held, when it was cancelled while held
    (replaced by a new decision, or its offer withdrawn) and so never released; else None.
    A team leader's hold is about the case, so its next payment waits for them too."""
    previous = (
        PaymentInstruction.objects.filter(case_id=case_id)
        .exclude(pk=new_id)
        .order_by("-created_at", "-id")
        .only("id", "status")
        .first()
    )
    if previous is None or previous.status != PaymentInstruction.Status.CANCELLED:
        return None
    last = PaymentChange.objects.filter(instruction_id=previous.pk).order_by("-at", "-id").first()
    if last is None or last.from_status != PaymentInstruction.Status.HELD:
        return None
    held = (
        PaymentChange.objects.filter(instruction_id=previous.pk, to_status="held")
        .order_by("-at", "-id")
        .first()
    )
    return held.reason if held is not None else ""


def _payment_task(case: Case, by: User, title: str) -> None:
    cases_services.task_add(
        case_id=case.pk,
        title=title,
        due_date=None,
        assignee_id=None,
        by=by,
        within_transaction=True,
    )


def payment_instruction_create(
    *, case_id: int, amount_pence: int, by: User, reason: str
) -> PaymentInstruction:
    """A payment for an approved case into the account given in its application.

    When the approval is an offer the person must accept (a loan), the instruction waits
    for their answer ("awaiting"; no batch takes it) until they accept; once accepted it is
    pending. Safe to call twice (a double click, two workers, a retried task): the case's
    row is locked, and a live instruction for the same amount is handed back rather than
    made again; the database's unique index is the backstop. Refused (PaymentRefused) when
    the case is not approved, has no valid bank details, already has a live instruction
    for a different amount, or its offer was for another amount or was not accepted."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise PaymentRefused(_("The amount must be a whole number of pence."))
    if not 0 < amount_pence <= MAX_AMOUNT_PENCE:
        raise PaymentRefused(_("The amount must be more than nothing and less than £1 billion."))
    reason = (reason or "").strip()
    with transaction.atomic():
        cases_services.case_lock(case_id=case_id)
        case = cases_services.case_get(case_id=case_id)
        existing = PaymentInstruction.objects.filter(
            case_id=case_id, status__in=LIVE_STATUSES
        ).first()
        if existing is not None:
            if existing.amount_pence == amount_pence:
                return existing
            raise PaymentRefused(
                _("Case %(reference)s already has a payment of %(amount)s: cancel it first.")
                % {"reference": case.reference, "amount": pounds(existing.amount_pence)}
            )
        decision = case.decisions.order_by("-decided_at", "-id").first()
        if case.closed_at is None or decision is None or decision.outcome != "approved":
            raise PaymentRefused(
                _("Case %(reference)s is not approved, so nothing can be paid.")
                % {"reference": case.reference}
            )
        status = _status_for_offer(case, decision, amount_pence)
        if case.team_id is None:
            raise PaymentRefused(
                _("Case %(reference)s is in no team's queue, so no organisation can pay it.")
                % {"reference": case.reference}
            )
        bank = _bank_details(case)
        if bank is None:
            raise PaymentRefused(
                _("Case %(reference)s has no valid bank details to pay into.")
                % {"reference": case.reference}
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                instruction = PaymentInstruction.objects.create(
                    organisation_id=organisations.organisation_of_team(team_id=case.team_id),
                    case_id=case.pk,
                    decision=decision,
                    person_id=case.person_id,
                    amount_pence=amount_pence,
                    payee_name=bank["name"],
                    sort_code=bank["sort_code"],
                    account_number_sealed=sealing.seal(bank["account_number"]),
                    account_last_four=bank["account_number"][-4:],
                    reference=case.reference,
                    created_at=now,
                    created_by=by,
                    reason=reason,
                    status=status,
                    status_changed_at=now,
                )
        except IntegrityError:
            # Someone else's instruction won (only possible without the case lock).
            existing = PaymentInstruction.objects.filter(
                case_id=case_id, status__in=LIVE_STATUSES
            ).first()
            if existing is not None and existing.amount_pence == amount_pence:
                return existing
            raise PaymentRefused(
                _("Case %(reference)s already has a payment.") % {"reference": case.reference}
            ) from None
        PaymentChange.objects.create(
            instruction=instruction, to_status=status, at=now, by=by, reason=reason
        )
        cases_services.case_event_record(
            case=case,
            kind="payment_instructed",
            by=by,
            visible_to_person=False,
            data={
                "payment": instruction.pk,
                "amount_pence": amount_pence,
                "amount": pounds(amount_pence),
                "reason": reason,
                "status": status,
            },
        )
    return instruction


def _status_for_offer(case: Case, decision: Decision, amount_pence: int) -> str:
    """Pending, or awaiting while the approval's offer waits for the person's answer;
    refused when the offer was for another amount or is not going to be accepted."""
    offer = cases_selectors.offer_for_decision(decision_id=decision.pk)
    if offer is None:
        return PaymentInstruction.Status.PENDING
    if offer.amount_pence and offer.amount_pence != amount_pence:
        raise PaymentRefused(
            _("The offer on case %(reference)s was for %(amount)s.")
            % {"reference": case.reference, "amount": pounds(offer.amount_pence)}
        )
    if offer.status == "waiting":
        return PaymentInstruction.Status.AWAITING
    if offer.status == "accepted":
        return PaymentInstruction.Status.PENDING
    raise PaymentRefused(
        _("The offer on case %(reference)s was not accepted, so nothing can be paid.")
        % {"reference": case.reference}
    )


def payment_instruction_cancel(*, instruction_id: int, by: User, reason: str) -> PaymentInstruction:
    """Stop a payment that is not yet in a batch (once in a file, the bank has it)."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused(_("Say why the payment is cancelled."))
    with transaction.atomic():
        instruction = (
            PaymentInstruction.objects.select_for_update().filter(pk=instruction_id).first()
        )
        if instruction is None:
            raise PaymentRefused(_("This payment does not exist."))
        if instruction.status not in UNBATCHED_STATUSES:
            raise PaymentRefused(_("Only a payment that is not yet in a batch can be cancelled."))
        _change(instruction, PaymentInstruction.Status.CANCELLED, by, reason, "payment_cancelled")
    return instruction


def payment_decisions_unlink(case_ids: list[int]) -> int:
    """For the retention job, inside its transaction: these cases' decisions are about to
    be deleted; their payments are kept, without the link to the decision."""
    return PaymentInstruction.objects.filter(case_id__in=case_ids, decision__isnull=False).update(
        decision=None
    )


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


# Batches


def _cutoff_time() -> datetime.time:
    text = settings.COMMONWEAL_PAYMENTS_CUTOFF
    assert text is not None  # settings.py gives a default  # nosec B101
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"COMMONWEAL_PAYMENTS_CUTOFF must be a time like 15:00, not {text!r}"
        ) from None


def cutoff_for(day: datetime.date) -> datetime.datetime:
    """The moment a day's batch closes: instructions made by then go in it."""
    return timezone.make_aware(datetime.datetime.combine(day, _cutoff_time()))


def _originator() -> formats.Originator:
    # settings.py gives every value a default, but its env() is typed str | None.
    return formats.Originator(**settings.COMMONWEAL_PAYMENTS_ORIGINATOR)  # type: ignore[arg-type]


def _write(path: Path, content: bytes) -> None:
    """Whole or not at all: a temporary file, flushed to disk, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


@dataclass
class BatchRun:
    made: list[PaymentBatch] = field(default_factory=list)
    existing: list[PaymentBatch] = field(default_factory=list)


def payment_batches_run(
    *, day: datetime.date | None = None, format_name: str | None = None, by: User | None = None
) -> BatchRun:
    """The day's batch for every organisation with pending instructions made by the
    cut-off. Running it again the same day makes nothing new: an organisation has one batch
    a day (a unique constraint), and instructions are claimed with one UPDATE of pending
    rows, so none can be in two batches."""
    day = day or timezone.localdate()
    format_name = format_name or settings.COMMONWEAL_PAYMENTS_FORMAT
    assert format_name is not None  # settings.py gives a default  # nosec B101
    file_format = formats.get_format(format_name)
    cutoff = min(cutoff_for(day), timezone.now())
    due = set(
        PaymentInstruction.objects.filter(status="pending", created_at__lte=cutoff)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    already = {batch.organisation_id: batch for batch in PaymentBatch.objects.filter(day=day)}
    run = BatchRun(existing=list(already.values()))
    for organisation_id in sorted(due - set(already)):
        try:
            batch = _batch_make(
                organisation_id=organisation_id,
                day=day,
                file_format=file_format,
                cutoff=cutoff,
                by=by,
            )
        except IntegrityError:
            # Another worker made this organisation's batch for the day at the same moment.
            run.existing.append(PaymentBatch.objects.get(organisation_id=organisation_id, day=day))
            continue
        if batch is not None:
            run.made.append(batch)
    return run


def _batch_make(
    *,
    organisation_id: int,
    day: datetime.date,
    file_format: formats.PaymentFormat,
    cutoff: datetime.datetime,
    by: User | None,
) -> PaymentBatch | None:
    with transaction.atomic():
        now = timezone.now()
        batch = PaymentBatch.objects.create(
            organisation_id=organisation_id,
            day=day,
            format=file_format.name,
            created_at=now,
            created_by=by,
        )
        claimed = PaymentInstruction.objects.filter(
            organisation_id=organisation_id,
            status="pending",
            batch__isnull=True,
            created_at__lte=cutoff,
        ).update(status="batched", batch=batch, status_changed_at=now)
        if not claimed:
            transaction.set_rollback(True)
            return None
        rows = list(
            PaymentInstruction.objects.filter(batch=batch)
            .order_by("id")
            .values_list(
                "id",
                "reference",
                "payee_name",
                "sort_code",
                "account_number_sealed",
                "amount_pence",
            )
        )
        payments = [
            formats.Payment(
                reference=reference,
                payee_name=name,
                sort_code=sort_code,
                account_number=sealing.unseal(sealed),
                amount_pence=amount,
            )
            for _id, reference, name, sort_code, sealed, amount in rows
        ]
        content = file_format.render(
            formats.BatchFile(
                batch_id=batch.pk,
                day=day,
                processing_day=add_working_days(day, 1),
                originator=_originator(),
                payments=payments,
            )
        )
        organisation = organisations.organisation(organisation_id=organisation_id)
        assert organisation is not None  # its pending instructions point at it  # nosec B101
        slug = organisation.slug
        batch.file_name = f"payments-{slug}-{day:%Y-%m-%d}-{batch.pk}.{file_format.extension}"
        batch.row_count = len(payments)
        batch.total_pence = sum(payment.amount_pence for payment in payments)
        batch.sha256 = hashlib.sha256(content).hexdigest()
        batch.save(update_fields=["file_name", "row_count", "total_pence", "sha256"])
        PaymentChange.objects.bulk_create(
            [
                PaymentChange(
                    instruction_id=row[0],
                    from_status="pending",
                    to_status="batched",
                    batch=batch,
                    at=now,
                    by=by,
                    reason=f"Daily batch {day.isoformat()}",
                )
                for row in rows
            ],
            batch_size=500,
        )
        # Written last, inside the transaction: if writing fails nothing is batched; if the
        # commit fails after it, the file is left unreferenced and the next run writes anew.
        _write(payments_dir() / batch.file_name, content)
    logger.info(
        "Payment batch %s: %s payments, %s pence, sha256 %s",
        batch.pk,
        batch.row_count,
        batch.total_pence,
        batch.sha256,
    )
    return batch


def payments_dir() -> Path:
    return Path(settings.COMMONWEAL_PAYMENTS_DIR)


def payment_batches_run_due(*, now: datetime.datetime | None = None) -> int:
    """For the worker: after the cut-off on a working day, make the day's batches (once)."""
    now = timezone.localtime(now or timezone.now())
    day = now.date()
    if not is_working_day(day) or now < cutoff_for(day):
        return 0
    return len(payment_batches_run(day=day).made)
