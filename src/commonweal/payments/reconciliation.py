"""Reconciliation: the bank's report of a batch marks each payment paid or failed, checked
whole first (public through `payments.services`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import services as cases_services
from commonweal.core.working_days import add_working_days

from .models import PaymentBatch, PaymentChange, PaymentInstruction

RECONCILIATION_HEADER = [
    "batch_id",
    "batch_sha256",
    "reference",
    "amount_pence",
    "status",
    "failure_reason",
]
MAX_RECONCILIATION_BYTES = 20 * 1024 * 1024


@dataclass
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(problem)s") % {"line": self.line, "problem": self.message}


class ReconciliationRefused(Exception):
    """The file does not match its batch; nothing was changed. `problems` lists why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems[:5]))
        self.problems = problems


@dataclass
class ReconciliationResult:
    batch: PaymentBatch
    paid: int
    failed: int


@dataclass
class _Line:
    line: int
    reference: str
    status: str
    failure_reason: str
    amount_pence: int


def _parse(content: bytes) -> tuple[int | None, str, list[_Line], list[Problem]]:
    problems: list[Problem] = []
    if len(content) > MAX_RECONCILIATION_BYTES:
        return None, "", [], [Problem(None, _("The file is too big to be a reconciliation."))]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "", [], [Problem(None, _("The file must be a CSV file saved as UTF-8."))]
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return None, "", [], [Problem(None, _("The file is not valid CSV: %s") % error)]
    if not rows or [cell.strip().lower() for cell in rows[0]] != RECONCILIATION_HEADER:
        return (
            None,
            "",
            [],
            [
                Problem(
                    1,
                    _("the first line must be the header %(header)s")
                    % {"header": ",".join(RECONCILIATION_HEADER)},
                )
            ],
        )
    batch_ids, hashes, lines = set(), set(), []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(RECONCILIATION_HEADER):
            problems.append(
                Problem(
                    number,
                    _("expected %(expected)s values, found %(found)s")
                    % {"expected": len(RECONCILIATION_HEADER), "found": len(row)},
                )
            )
            continue
        batch_id, digest, reference, amount, status, reason = (cell.strip() for cell in row)
        if not batch_id.isdigit():
            problems.append(Problem(number, _("the batch id must be a number")))
            continue
        batch_ids.add(int(batch_id))
        hashes.add(digest.lower())
        if not amount.isdigit():
            problems.append(Problem(number, _("the amount must be a whole number of pence")))
            continue
        status = status.lower()
        if status not in ("paid", "failed"):
            problems.append(Problem(number, _("the status must be paid or failed")))
            continue
        if status == "failed" and not reason:
            problems.append(Problem(number, _("a failed payment must give the reason")))
            continue
        lines.append(_Line(number, reference.upper(), status, reason[:1000], int(amount)))
    if len(batch_ids) > 1 or len(hashes) > 1:
        problems.append(Problem(None, _("Every line must be for the same batch and hash.")))
    if not lines and not problems:
        problems.append(Problem(None, _("The file has no payments in it.")))
    batch_id = next(iter(batch_ids)) if len(batch_ids) == 1 else None
    digest = next(iter(hashes)) if len(hashes) == 1 else ""
    return batch_id, digest, lines, problems


def payment_batch_reconcile(
    *, content: bytes, by, organisation_ids: set[int] | None = None, batch_id: int | None = None
) -> ReconciliationResult:
    """Mark each payment of a batch paid or failed from the bank's report (a CSV, see
    RECONCILIATION_HEADER). The whole file is checked first; any problem refuses it whole
    (ReconciliationRefused, with line numbers) and nothing changes. A failed payment gets a
    task on its case for the case's team. `organisation_ids` limits the batches a member
    of staff may reconcile (a batch outside them is "unknown"); `batch_id`, the batch the
    file is meant for (a file for another batch is refused)."""
    file_batch_id, digest, lines, problems = _parse(content)
    if problems:
        raise ReconciliationRefused(problems)
    if batch_id is not None and file_batch_id != batch_id:
        raise ReconciliationRefused(
            [
                Problem(
                    None,
                    _("This file is for batch %(file)s, not batch %(batch)s.")
                    % {"file": file_batch_id, "batch": batch_id},
                )
            ]
        )
    batch_id = file_batch_id
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or (
            organisation_ids is not None and batch.organisation_id not in organisation_ids
        ):
            raise ReconciliationRefused([Problem(None, _("There is no batch %s.") % batch_id)])
        instructions = {
            instruction.reference: instruction
            for instruction in PaymentInstruction.objects.filter(batch=batch).only(
                "id", "reference", "amount_pence", "status", "case_id"
            )
        }
        problems = _reconciliation_problems(batch, digest, lines, instructions)
        if problems:
            raise ReconciliationRefused(problems)
        paid, failed_rows = _reconciliation_write(batch, lines, instructions, by)
    return ReconciliationResult(batch=batch, paid=len(paid), failed=len(failed_rows))


def _reconciliation_problems(batch, digest: str, lines: list, instructions: dict) -> list:
    """What in the file does not match the batch: its hash, a batch already reconciled,
    payments repeated, unknown or of another amount, payments left out, the totals."""
    problems = []
    if digest != batch.sha256:
        problems.append(Problem(None, _("The hash does not match batch %s's file.") % batch.pk))
    if batch.status == PaymentBatch.Status.RECONCILED:
        problems.append(Problem(None, _("Batch %s is already reconciled.") % batch.pk))
    seen: dict[str, int] = {}
    for line in lines:
        instruction = instructions.get(line.reference)
        if line.reference in seen:
            problems.append(
                Problem(
                    line.line,
                    _("%(reference)s is already on line %(first)s")
                    % {"reference": line.reference, "first": seen[line.reference]},
                )
            )
            continue
        seen[line.reference] = line.line
        if instruction is None:
            problems.append(
                Problem(line.line, _("%s is not in this batch") % (line.reference or "-"))
            )
        elif instruction.amount_pence != line.amount_pence:
            problems.append(
                Problem(
                    line.line,
                    _("the amount for %(reference)s is %(given)s, the batch says %(paid)s")
                    % {
                        "reference": line.reference,
                        "given": line.amount_pence,
                        "paid": instruction.amount_pence,
                    },
                )
            )
    missing = sorted(set(instructions) - set(seen))
    if missing:
        problems.append(
            Problem(
                None,
                _("The file leaves out %(count)s payments of the batch: %(references)s")
                % {"count": len(missing), "references": ", ".join(missing[:20])},
            )
        )
    total = sum(line.amount_pence for line in lines)
    if not problems and (total != batch.total_pence or len(lines) != batch.row_count):
        problems.append(
            Problem(
                None,
                _("The totals do not match the batch: %(count)s payments of %(total)s pence")
                % {"count": batch.row_count, "total": batch.total_pence},
            )
        )
    return problems


def _reconciliation_write(batch, lines: list, instructions: dict, by) -> tuple[list, list]:
    """Mark the payments paid or failed, with their history, and the batch reconciled, in
    the caller's transaction. Returns the paid and the failed payments."""
    now = timezone.now()
    paid = [instructions[line.reference] for line in lines if line.status == "paid"]
    failed = [line for line in lines if line.status == "failed"]
    PaymentInstruction.objects.filter(
        pk__in=[instruction.pk for instruction in paid], status="batched"
    ).update(status="paid", status_changed_at=now)
    failed_rows = []
    for line in failed:
        instruction = instructions[line.reference]
        instruction.status = "failed"
        instruction.failure_reason = line.failure_reason
        instruction.status_changed_at = now
        failed_rows.append(instruction)
    PaymentInstruction.objects.bulk_update(
        failed_rows, ["status", "failure_reason", "status_changed_at"], batch_size=500
    )
    why = f"Reconciliation of batch {batch.pk}"
    PaymentChange.objects.bulk_create(
        [
            PaymentChange(
                instruction=instruction,
                from_status="batched",
                to_status="paid",
                batch=batch,
                at=now,
                by=by,
                reason=why,
            )
            for instruction in paid
        ]
        + [
            PaymentChange(
                instruction=instruction,
                from_status="batched",
                to_status="failed",
                batch=batch,
                at=now,
                by=by,
                reason=f"{why}: {instruction.failure_reason}",
            )
            for instruction in failed_rows
        ],
        batch_size=500,
    )
    _reconciliation_record(batch, paid, failed_rows, by, now)
    batch.status = PaymentBatch.Status.RECONCILED
    batch.reconciled_at = now
    batch.reconciled_by = by
    batch.paid_count = len(paid)
    batch.failed_count = len(failed_rows)
    batch.save(
        update_fields=["status", "reconciled_at", "reconciled_by", "paid_count", "failed_count"]
    )
    return paid, failed_rows


def _reconciliation_record(batch, paid: list, failed_rows: list, by, now) -> None:
    """Each outcome on its case's history, and a task for the team of each failed one."""
    from .services import pounds

    cases_services.case_events_record_many(
        kind="payment_paid",
        visible_to_person=False,
        items=[
            (i.case_id, {"payment": i.pk, "batch": batch.pk, "amount": pounds(i.amount_pence)})
            for i in paid
        ],
    )
    cases_services.case_events_record_many(
        kind="payment_failed",
        visible_to_person=False,
        items=[
            (
                i.case_id,
                {
                    "payment": i.pk,
                    "batch": batch.pk,
                    "amount": pounds(i.amount_pence),
                    "reason": i.failure_reason,
                },
            )
            for i in failed_rows
        ],
    )
    due = add_working_days(timezone.localdate(now), 1)
    for instruction in failed_rows:
        # Through the cases service, so the task has its event and lands in the
        # case's team, as any other task does.
        cases_services.task_add(
            case_id=instruction.case_id,
            title=_("Payment of %(amount)s failed: %(reason)s. Check the bank details.")
            % {
                "amount": pounds(instruction.amount_pence),
                "reason": instruction.failure_reason,
            },
            due_date=due,
            assignee_id=None,
            by=by,
            within_transaction=True,
        )
