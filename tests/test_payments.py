"""Payment instructions, the daily batch and its file, and reconciliation."""

import datetime
import hashlib
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from commonweal.cases.models import CaseEvent, Task
from commonweal.intake.models import Application
from commonweal.payments import formats, sealing
from commonweal.payments import services as payments
from commonweal.payments.models import PaymentBatch, PaymentChange, PaymentInstruction
from tests.payments import approved_case, approved_case_unpaid, paid_case, reconciliation_csv
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def payment_settings(settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    # Whatever the time the tests run, everything made so far is before the cut-off.
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "23:59:59"
    settings.COMMONWEAL_PAYMENTS_ORIGINATOR = {
        "sort_code": "401276",
        "account_number": "12345678",
        "account_name": "Demo Council Loans",
        "service_user_number": "123456",
    }
    return settings


@pytest.fixture
def staff(db):
    return make_staff()


def today():
    return timezone.localdate()


# Instructions


def test_an_approved_case_becomes_a_pending_instruction(staff):
    case = approved_case(staff.leader, amount_pence=81_200)
    # The decision made it, for the decision's amount; asking again hands the same one back.
    instruction = PaymentInstruction.objects.get(case=case)
    assert instruction.amount_pence == 81_200
    assert instruction.decision == case.decisions.get()
    assert (
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=81_200, by=staff.leader, reason="Loan approved"
        ).pk
        == instruction.pk
    )
    assert instruction.status == "pending"
    assert instruction.batch is None
    assert instruction.reference == case.reference
    assert instruction.person_id == case.person_id
    assert instruction.organisation_id == staff.teams["financial-support"].organisation_id
    assert (instruction.payee_name, instruction.sort_code) == ("S Evans", "309430")
    # The account number is sealed at rest; only its last four digits are kept in the clear.
    assert "00733445" not in instruction.account_number_sealed
    assert sealing.unseal(instruction.account_number_sealed) == "00733445"
    assert instruction.account_last_four == "3445"
    # The Budgeting Loan's approval is an offer: the payment waited for the person's answer
    # and became pending when they accepted it.
    made, accepted = PaymentChange.objects.filter(instruction=instruction)
    assert (made.from_status, made.to_status, made.by) == ("", "awaiting", staff.leader)
    assert (accepted.from_status, accepted.to_status) == ("awaiting", "pending")
    assert accepted.by == case.person.account
    event = CaseEvent.objects.get(case=case, kind="payment_instructed")
    assert event.data["amount"] == "£812.00"
    assert not event.visible_to_person


def test_a_double_click_makes_one_instruction(staff):
    case = approved_case_unpaid(staff.leader)
    # The amount of the loan offer the person accepted (£400): no other can be paid.
    first = payments.payment_instruction_create(
        case_id=case.pk, amount_pence=40_000, by=staff.leader, reason="Loan approved"
    )
    again = payments.payment_instruction_create(
        case_id=case.pk, amount_pence=40_000, by=staff.leader, reason="Loan approved"
    )
    assert again.pk == first.pk
    assert PaymentInstruction.objects.filter(case=case, status="pending").count() == 1
    with pytest.raises(payments.PaymentRefused, match="already has a payment"):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=60_000, by=staff.leader, reason="Changed my mind"
        )


def test_refused_when_the_case_is_not_approved(staff, citizen):
    case = submit_case(citizen)
    with pytest.raises(payments.PaymentRefused, match="not approved"):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=10_000, by=staff.leader, reason=""
        )
    from commonweal.cases import services as cases_services
    from commonweal.organisations.selectors import staff_context

    cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Your savings are over the limit.",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=case.revision,
    )
    with pytest.raises(payments.PaymentRefused, match="not approved"):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=10_000, by=staff.leader, reason=""
        )
    assert not PaymentInstruction.objects.exists()


@pytest.mark.parametrize(
    "bank",
    [
        None,
        {"name": "", "sort_code": "309430", "account_number": "00733445"},
        {"name": "S Evans", "sort_code": "3094", "account_number": "00733445"},
        {"name": "S Evans", "sort_code": "309430", "account_number": "12ab"},
        "not a dictionary",
    ],
)
def test_refused_without_valid_bank_details(staff, bank):
    case = approved_case_unpaid(staff.leader)
    answers = dict(case.application.answers)
    if bank is None:
        answers.pop("bank-details")
    else:
        answers["bank-details"] = bank
    Application.objects.filter(pk=case.application_id).update(answers=answers)
    with pytest.raises(payments.PaymentRefused, match="no valid bank details"):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=40_000, by=staff.leader, reason=""
        )
    assert not PaymentInstruction.objects.filter(status="pending").exists()


@pytest.mark.parametrize("amount", [0, -5, 12.5, "100", True, 100_000_000_000])
def test_refused_amounts(staff, amount):
    case = approved_case_unpaid(staff.leader)
    with pytest.raises(payments.PaymentRefused):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=amount, by=staff.leader, reason=""
        )
    assert not PaymentInstruction.objects.filter(status="pending").exists()


def test_cancelling_a_pending_payment_allows_a_new_one(staff):
    case, instruction = paid_case(staff.leader)
    payments.payment_instruction_cancel(
        instruction_id=instruction.pk, by=staff.leader, reason="Wrong amount"
    )
    instruction.refresh_from_db()
    assert instruction.status == "cancelled"
    # Made again (for the amount of the loan offer the person accepted).
    again = payments.payment_instruction_create(
        case_id=case.pk, amount_pence=50_000, by=staff.leader, reason="Set up again"
    )
    assert again.pk != instruction.pk
    assert CaseEvent.objects.filter(case=case, kind="payment_cancelled").count() == 1


# The database, whatever the code does


def _copy(instruction, **changes):
    fields = {
        field.attname: getattr(instruction, field.attname)
        for field in PaymentInstruction._meta.concrete_fields
        if field.attname != "id"
    }
    fields.update(changes)
    return PaymentInstruction(**fields)


def test_the_database_refuses_a_second_live_instruction_for_a_case(staff):
    _case, instruction = paid_case(staff.leader)
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(instruction).save()
    # A failed or cancelled one does not count: it was never paid.
    _copy(instruction, status="cancelled").save()
    batch = PaymentBatch.objects.create(
        organisation_id=instruction.organisation_id,
        day=today(),
        format="csv",
        created_at=timezone.now(),
    )
    _copy(instruction, status="failed", batch_id=batch.pk).save()
    for status in ("batched", "paid"):
        with pytest.raises(IntegrityError), transaction.atomic():
            _copy(instruction, status=status, batch_id=batch.pk).save()


def test_the_database_ties_status_to_a_batch(staff):
    _case, instruction = paid_case(staff.leader)
    batch = PaymentBatch.objects.create(
        organisation_id=instruction.organisation_id,
        day=today(),
        format="csv",
        created_at=timezone.now(),
    )
    for changes in ({"batch": batch}, {"status": "batched"}, {"status": "paid"}, {"status": "x"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentInstruction.objects.filter(pk=instruction.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentInstruction.objects.filter(pk=instruction.pk).update(amount_pence=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.create(
            organisation_id=instruction.organisation_id,
            day=today(),
            format="bacs18",
            created_at=timezone.now(),
        )


def test_payment_history_is_append_only(staff):
    _case, instruction = paid_case(staff.leader)
    change = PaymentChange.objects.filter(instruction=instruction).first()
    with pytest.raises(ValueError):
        change.save()
    for statement in (
        "UPDATE payments_paymentchange SET reason = 'x' WHERE id = %s",
        "DELETE FROM payments_paymentchange WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [change.pk])
    assert PaymentChange.objects.get(pk=change.pk).reason == change.reason != "x"


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so the race cannot happen")


def _in_threads(*targets):
    errors = []

    def run(target):
        try:
            target()
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_instruction(demo_services):
    _postgresql_only()
    staff = make_staff()
    case = approved_case_unpaid(staff.leader)
    start = threading.Barrier(4)
    made = []

    def create():
        start.wait()
        # The amount of the loan offer the person accepted (£400).
        made.append(
            payments.payment_instruction_create(
                case_id=case.pk, amount_pence=40_000, by=None, reason="Rules approved"
            ).pk
        )

    assert _in_threads(*[create] * 4) == []
    assert len(made) == 4 and len(set(made)) == 1
    assert PaymentInstruction.objects.filter(case=case, status="pending").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_index_stops_two_transactions_that_skip_the_lock(demo_services):
    """Two transactions insert a live instruction for one case without locking the case:
    the second waits on the first's uncommitted row and fails when it commits."""
    _postgresql_only()
    staff = make_staff()
    _case, instruction = paid_case(staff.leader)
    PaymentInstruction.objects.filter(pk=instruction.pk).update(status="cancelled")
    first_inserted = threading.Event()
    second_trying = threading.Event()

    def first():
        with transaction.atomic():
            _copy(instruction, status="pending").save()
            first_inserted.set()
            second_trying.wait(timeout=10)
            threading.Event().wait(0.3)  # the second is now blocked on our row

    def second():
        first_inserted.wait(timeout=10)
        second_trying.set()
        with transaction.atomic():
            _copy(instruction, status="pending").save()

    errors = _in_threads(first, second)
    assert len(errors) == 1 and isinstance(errors[0], IntegrityError)
    assert (
        PaymentInstruction.objects.filter(case_id=instruction.case_id, status="pending").count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_two_batch_runs_at_once_batch_each_payment_once(demo_services, tmp_path, settings):
    _postgresql_only()
    staff = make_staff()
    for _ in range(3):
        paid_case(staff.leader)
    start = threading.Barrier(2)
    runs = []

    def run():
        start.wait()
        runs.append(payments.payment_batches_run(day=today()))

    assert _in_threads(run, run) == []
    assert sum(len(r.made) for r in runs) == 1
    assert PaymentBatch.objects.count() == 1
    assert PaymentInstruction.objects.filter(status="batched").count() == 3
    assert PaymentChange.objects.filter(to_status="batched").count() == 3


# The daily batch


def test_the_daily_batch_takes_every_pending_payment_once(staff):
    made = [paid_case(staff.leader, amount_pence=amount)[1] for amount in (10_000, 20_050, 81_200)]
    run = payments.payment_batches_run(day=today(), format_name="csv")
    assert len(run.made) == 1
    batch = run.made[0]
    assert batch.row_count == 3
    assert batch.total_pence == 111_250
    assert batch.format == "csv"
    path = payments.payments_dir() / batch.file_name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == batch.sha256
    for instruction in made:
        instruction.refresh_from_db()
        assert (instruction.status, instruction.batch_id) == ("batched", batch.pk)
    assert PaymentChange.objects.filter(to_status="batched", batch=batch).count() == 3

    # Again the same day: nothing new, even with a payment approved since.
    late = paid_case(staff.leader)[1]
    again = payments.payment_batches_run(day=today())
    assert again.made == [] and [b.pk for b in again.existing] == [batch.pk]
    late.refresh_from_db()
    assert late.status == "pending"
    assert PaymentBatch.objects.count() == 1
    # The next day's batch takes it.
    tomorrow = payments.payment_batches_run(day=today() + datetime.timedelta(days=1))
    assert [b.row_count for b in tomorrow.made] == [1]


def test_the_batch_leaves_payments_made_after_the_cut_off(staff, settings):
    early = paid_case(staff.leader)[1]
    late = paid_case(staff.leader)[1]
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "15:00"
    cutoff = payments.cutoff_for(today())
    PaymentInstruction.objects.filter(pk=early.pk).update(
        created_at=cutoff - datetime.timedelta(minutes=1)
    )
    PaymentInstruction.objects.filter(pk=late.pk).update(
        created_at=cutoff + datetime.timedelta(minutes=1)
    )
    with _frozen(cutoff + datetime.timedelta(hours=2)):
        run = payments.payment_batches_run(day=today())
    assert [b.row_count for b in run.made] == [1]
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.status, late.status) == ("batched", "pending")


def test_no_batch_when_nothing_is_due(staff):
    assert payments.payment_batches_run(day=today()).made == []
    assert not PaymentBatch.objects.exists()


def test_the_worker_makes_the_batch_after_the_cut_off_on_working_days(staff, settings):
    paid_case(staff.leader)
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "15:00"
    monday = datetime.date(2026, 11, 23)
    PaymentInstruction.objects.update(
        created_at=timezone.make_aware(datetime.datetime(2026, 11, 21, 12, 0))
    )
    saturday_evening = timezone.make_aware(datetime.datetime(2026, 11, 21, 18, 0))
    monday_morning = timezone.make_aware(datetime.datetime(2026, 11, 23, 9, 0))
    monday_evening = timezone.make_aware(datetime.datetime(2026, 11, 23, 15, 5))
    assert payments.payment_batches_run_due(now=saturday_evening) == 0
    assert payments.payment_batches_run_due(now=monday_morning) == 0
    with _frozen(monday_evening):
        assert payments.payment_batches_run_due(now=monday_evening) == 1
        assert payments.payment_batches_run_due(now=monday_evening) == 0
    assert PaymentBatch.objects.get().day == monday


class _frozen:
    """timezone.now() at a fixed moment (the batch never takes what is made after now)."""

    def __init__(self, moment):
        self.moment = moment

    def __enter__(self):
        self.patch = pytest.MonkeyPatch()
        self.patch.setattr(payments.timezone, "now", lambda: self.moment)

    def __exit__(self, *exc):
        self.patch.undo()


def test_an_unknown_format_is_refused(staff):
    paid_case(staff.leader)
    with pytest.raises(formats.UnknownFormat):
        payments.payment_batches_run(day=today(), format_name="swift")
    assert not PaymentBatch.objects.exists()
    assert PaymentInstruction.objects.get().status == "pending"


def test_a_format_can_be_added(staff):
    @formats.register_format("test-lines")
    class Lines(formats.PaymentFormat):
        extension = "lines"

        def render(self, batch):
            return "".join(f"{p.reference} {p.amount_pence}\n" for p in batch.payments).encode()

    try:
        case, _instruction = paid_case(staff.leader, amount_pence=1234)
        batch = payments.payment_batches_run(day=today(), format_name="test-lines").made[0]
        path = payments.payments_dir() / batch.file_name
        assert path.read_text() == f"{case.reference} 1234\n"
        assert batch.file_name.endswith(".lines")
    finally:
        formats.FORMATS.unregister("test-lines")


# File layouts


def _bacs_batch(payment_list):
    return formats.BatchFile(
        batch_id=42,
        day=datetime.date(2026, 11, 26),
        processing_day=datetime.date(2026, 11, 27),
        originator=formats.Originator("401276", "12345678", "Demo Council Loans", "123456"),
        payments=payment_list,
    )


def test_bacs18_layout():
    content = formats.get_format("bacs18").render(
        _bacs_batch(
            [
                formats.Payment("BL-ABCD-2345", "S Evans", "309430", "00733445", 81_200),
                formats.Payment(
                    "BL-EFGH-6789", "Siân O'Brien-Jones & Co £", "200000", "55779911", 5
                ),
            ]
        )
    )
    assert content.endswith(b"\r\n")
    lines = content.decode("ascii").split("\r\n")[:-1]
    kinds = [line[:4] for line in lines]
    assert kinds[:4] == ["VOL1", "HDR1", "HDR2", "UHL1"]
    assert kinds[-3:] == ["EOF1", "EOF2", "UTL1"]
    labels = lines[:4] + lines[-3:]
    records = lines[4:-3]
    assert all(len(line) == 80 for line in labels)
    assert len(records) == 3 and all(len(line) == 100 for line in records)
    first, second, contra = records
    assert first[0:6] == "309430" and first[6:14] == "00733445" and first[14] == "0"
    assert first[15:17] == "99"
    assert first[17:23] == "401276" and first[23:31] == "12345678"
    assert first[35:46] == "00000081200"
    assert first[46:64] == "DEMO COUNCIL LOANS"
    assert first[64:82] == "BL-ABCD-2345      "
    assert first[82:100] == "S EVANS           "
    # Only the characters Bacs accepts, cut to 18.
    assert second[82:100] == "SIAN O BRIEN-JONES"
    assert second[35:46] == "00000000005"
    assert contra[0:6] == "401276" and contra[6:14] == "12345678" and contra[15:17] == "17"
    assert contra[35:46] == "00000081205"
    assert contra[64:82].strip() == "CONTRA"
    utl = lines[-1]
    assert utl[4:17] == "0000000081205" and utl[17:30] == "0000000081205"
    assert utl[30:37] == "0000001" and utl[37:44] == "0000002"
    vol = lines[0]
    assert vol[4:10] == "000042" and vol[41:47] == "123456" and vol[79] == "1"
    assert lines[3][4:10] == " 26331"  # processing day 27 Nov 2026, day 331
    assert lines[1][4:21] == "A123456S  1123456"
    assert lines[1][4:] == lines[-3][4:] and lines[2][4:] == lines[-2][4:]


def test_csv_layout_has_totals_and_keeps_formulas_out():
    content = formats.get_format("csv").render(
        _bacs_batch(
            [
                formats.Payment("BL-ABCD-2345", "S Evans", "309430", "00733445", 81_200),
                formats.Payment("BL-EFGH-6789", "=HYPERLINK(1)", "200000", "55779911", 5),
            ]
        )
    )
    assert content.decode().split("\r\n") == [
        "reference,payee_name,sort_code,account_number,amount_pence",
        "BL-ABCD-2345,S Evans,309430,00733445,81200",
        "BL-EFGH-6789,'=HYPERLINK(1),200000,55779911,5",
        "TOTAL,2,,,81205",
        "",
    ]


def test_the_bacs_file_on_disk_matches_its_batch(staff):
    made = [paid_case(staff.leader, amount_pence=a)[1] for a in (10_000, 25_000)]
    batch = payments.payment_batches_run(day=today(), format_name="bacs18").made[0]
    content = (payments.payments_dir() / batch.file_name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == batch.sha256
    lines = content.decode("ascii").split("\r\n")[:-1]
    credits = [line for line in lines if len(line) == 100 and line[15:17] == "99"]
    assert sorted(line[64:82].strip() for line in credits) == sorted(i.reference for i in made)
    assert int(lines[-1][17:30]) == batch.total_pence == 35_000


# Reconciliation


@pytest.fixture
def batch(staff):
    cases = [paid_case(staff.leader, amount_pence=a) for a in (10_000, 20_000, 30_000)]
    made = payments.payment_batches_run(day=today()).made[0]
    return made, [instruction for _case, instruction in cases]


def test_reconciliation_marks_paid_and_failed_and_raises_a_task(staff, batch):
    batch, (one, two, three) = batch
    content = reconciliation_csv(
        batch,
        [
            (one.reference, 10_000, "paid", ""),
            (two.reference, 20_000, "failed", "Account closed"),
            (three.reference, 30_000, "PAID", ""),
        ],
    )
    result = payments.payment_batch_reconcile(content=content, by=staff.leader)
    assert (result.paid, result.failed) == (2, 1)
    statuses = dict(PaymentInstruction.objects.values_list("reference", "status"))
    assert statuses == {one.reference: "paid", two.reference: "failed", three.reference: "paid"}
    two.refresh_from_db()
    assert two.failure_reason == "Account closed"
    batch.refresh_from_db()
    assert (batch.status, batch.paid_count, batch.failed_count) == ("reconciled", 2, 1)
    assert batch.reconciled_by == staff.leader
    task = Task.objects.get(case_id=two.case_id)
    assert "Account closed" in task.title and "£200.00" in task.title
    assert task.completed_at is None and task.due_date is not None
    assert task.case.team == staff.teams["financial-support"]
    assert not Task.objects.filter(case_id__in=[one.case_id, three.case_id]).exists()
    assert CaseEvent.objects.filter(kind="payment_paid").count() == 2
    failed_event = CaseEvent.objects.get(kind="payment_failed")
    assert failed_event.case_id == two.case_id and failed_event.data["reason"] == "Account closed"
    assert CaseEvent.objects.filter(case_id=two.case_id, kind="task_added").exists()
    assert PaymentChange.objects.filter(to_status="paid").count() == 2
    # A failed payment can be made again (after the bank details are put right).
    again = payments.payment_instruction_create(
        case_id=two.case_id, amount_pence=20_000, by=staff.leader, reason="New account"
    )
    assert again.status == "pending"
    # The same report again is refused: nothing is marked twice.
    with pytest.raises(payments.ReconciliationRefused, match="already reconciled"):
        payments.payment_batch_reconcile(content=content, by=staff.leader)


def _refused(content, **kwargs) -> list[str]:
    with pytest.raises(payments.ReconciliationRefused) as refused:
        payments.payment_batch_reconcile(content=content, by=None, **kwargs)
    assert set(PaymentInstruction.objects.values_list("status", flat=True)) == {"batched"}
    assert not Task.objects.exists()
    assert PaymentBatch.objects.get().status == "exported"
    return [str(problem) for problem in refused.value.problems]


def test_a_file_that_does_not_match_its_batch_is_refused_whole(batch):
    batch, (one, two, three) = batch
    good = [
        (one.reference, 10_000, "paid", ""),
        (two.reference, 20_000, "failed", "Account closed"),
        (three.reference, 30_000, "paid", ""),
    ]
    # Wrong hash.
    wrong_hash = reconciliation_csv(batch, good).replace(batch.sha256.encode(), b"0" * 64)
    assert any("hash does not match" in p for p in _refused(wrong_hash))
    # Unknown batch.
    unknown = reconciliation_csv(batch, good).replace(f"\n{batch.pk},".encode(), b"\n999999,")
    assert _refused(unknown) == ["There is no batch 999999."]
    # A reference not in the batch, a duplicate, an amount that differs, a bad line.
    problems = _refused(
        reconciliation_csv(
            batch,
            [
                (one.reference, 10_000, "paid", ""),
                (one.reference, 10_000, "paid", ""),
                ("BL-NOPE-0000", 20_000, "paid", ""),
                (three.reference, 30_001, "paid", ""),
            ],
        )
    )
    assert f"Line 3: {one.reference} is already on line 2" in problems
    assert "Line 4: BL-NOPE-0000 is not in this batch" in problems
    assert any(p.startswith("Line 5: the amount for") for p in problems)
    assert any("leaves out 1 payments" in p and two.reference in p for p in problems)
    malformed = (
        reconciliation_csv(batch, good)
        + b"1,2,3\n"
        + f"{batch.pk},{batch.sha256},{one.reference},ten,paid,\n".encode()
    )
    problems = _refused(malformed)
    assert "Line 5: expected 6 values, found 3" in problems
    assert "Line 6: the amount must be a whole number of pence" in problems
    bad_status = reconciliation_csv(batch, [(one.reference, 10_000, "bounced", "")])
    assert "Line 2: the status must be paid or failed" in _refused(bad_status)
    no_reason = reconciliation_csv(batch, [(two.reference, 20_000, "failed", "")])
    assert "Line 2: a failed payment must give the reason" in _refused(no_reason)
    assert _refused(b"reference,status\nX,paid\n")[0].startswith("Line 1: the first line must")
    assert _refused(b"\xff\xfe\x00") == ["The file must be a CSV file saved as UTF-8."]
    header_only = ",".join(payments.RECONCILIATION_HEADER).encode() + b"\n"
    assert _refused(header_only) == ["The file has no payments in it."]
    # Meant for another batch (the page of batch 1 given the file of batch 2).
    assert "not batch" in _refused(reconciliation_csv(batch, good), batch_id=batch.pk + 1)[0]
    # Outside the organisations of the person uploading it: as if it did not exist.
    assert _refused(reconciliation_csv(batch, good), organisation_ids={-1}) == [
        f"There is no batch {batch.pk}."
    ]


# Commands


def test_batch_and_reconcile_commands(staff, tmp_path):
    one = paid_case(staff.leader)[1]
    out = io.StringIO()
    call_command("payments", "batch", "--date", today().isoformat(), "--format", "csv", stdout=out)
    batch = PaymentBatch.objects.get()
    assert f"batch {batch.pk}: 1 payments, 50000 pence" in out.getvalue()
    assert batch.sha256 in out.getvalue()
    out = io.StringIO()
    call_command("payments", "batch", stdout=out)
    assert "already made" in out.getvalue()

    report = tmp_path / "report.csv"
    report.write_bytes(reconciliation_csv(batch, [(one.reference, 1, "paid", "")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused whole"):
        call_command("payments", "reconcile", str(report), stderr=err)
    assert "Line 2: the amount for" in err.getvalue()
    report.write_bytes(reconciliation_csv(batch, [(one.reference, 50_000, "paid", "")]))
    out = io.StringIO()
    call_command("payments", "reconcile", str(report), stdout=out)
    assert f"batch {batch.pk} reconciled: 1 paid, 0 failed" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("payments", "batch", "--date", "26/11/2026")
    with pytest.raises(CommandError, match="Unknown payment file format"):
        call_command("payments", "batch", "--format", "swift")
    out = io.StringIO()
    call_command("payments", "formats", stdout=out)
    assert {"bacs18", "csv"} <= set(out.getvalue().split())


def test_sealing_keys_can_be_rotated(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.COMMONWEAL_PAYMENTS_KEYS = [old]
    sealed = sealing.seal("00733445")
    settings.COMMONWEAL_PAYMENTS_KEYS = [new, old]
    assert sealing.unseal(sealed) == "00733445"
    assert sealing.unseal(sealing.seal("12345678")) == "12345678"
    settings.COMMONWEAL_PAYMENTS_KEYS = [new]
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(sealed)


def test_a_decision_and_its_payment_in_one_transaction(staff, citizen):
    """As automation will call it: approve, then pay, in the decision's own transaction."""
    from commonweal.cases import services as cases_services
    from commonweal.organisations.selectors import staff_context

    case = submit_case(citizen)
    with transaction.atomic():
        decision = cases_services.case_decide(
            case_id=case.pk,
            outcome="approved",
            reasons=["loan-approved"],
            explanation="You can borrow £400.",
            amount_pence=40_000,
            by=staff.leader,
            context=staff_context(user=staff.leader),
            revision=case.revision,
        )
        instruction = payments.payment_instruction_create(
            case_id=case.pk, amount_pence=40_000, by=None, reason="Approved by the rules"
        )
    # The decision made the instruction; asking again in its transaction hands it back. The
    # loan's approval is an offer, so the payment waits for the person's answer.
    assert instruction.status == "awaiting" and instruction.created_by == staff.leader
    assert instruction.decision == decision and instruction.decision.outcome == "approved"


def test_retention_keeps_a_case_s_payments_without_its_decision(staff):
    """Retention deletes an emptied case's decisions; the payment refers to its decision,
    so on PostgreSQL the job's transaction failed at commit for any case with a payment."""
    from commonweal.cases.models import Case, Decision
    from commonweal.rights import services as rights

    case, instruction = paid_case(staff.leader)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=2200))
    counts = rights.retention_run()
    assert counts["cases_anonymised"] == 1 and counts["payment_decisions_unlinked"] == 1
    assert not Decision.objects.filter(case=case).exists()
    instruction.refresh_from_db()
    assert instruction.decision is None and instruction.amount_pence == 50_000
    # The database's own check of every reference, as at a commit.
    connection.check_constraints()
