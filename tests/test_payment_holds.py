"""Team leaders hold a payment with a reason, and release it with a reason: a held payment
is never in a batch; a released one goes in the next. Caseworkers cannot. Every change is a
history row and an event on the case."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from commonweal.cases import services as cases_services
from commonweal.cases.models import CaseEvent
from commonweal.payments import services as payments
from commonweal.payments.models import PaymentChange, PaymentInstruction
from tests.offers import offered_case
from tests.payments import paid_case
from tests.test_portal_decisions import page_text
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def payment_settings(settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "23:59:59"
    with translation.override("en"):
        yield settings


@pytest.fixture
def staff(db):
    return make_staff()


def council(staff) -> set[int]:
    return {staff.teams["financial-support"].organisation_id}


def today():
    return timezone.localdate()


def hold(staff, instruction, reason: str):
    return payments.payment_hold(
        instruction_id=instruction.pk,
        reason=reason,
        by=staff.leader,
        organisation_ids=council(staff),
    )


def release(staff, instruction, reason: str):
    return payments.payment_release(
        instruction_id=instruction.pk,
        reason=reason,
        by=staff.leader,
        organisation_ids=council(staff),
    )


def test_a_held_payment_is_not_in_the_batch_and_a_released_one_is_in_the_next(staff):
    _case, held = paid_case(staff.leader, amount_pence=20_000)
    _other, waiting = paid_case(staff.leader, amount_pence=10_000)
    hold(staff, held, "The bank details match another application")
    first = payments.payment_batches_run(day=today()).made[0]
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert (held.status, held.batch) == ("held", None)
    assert waiting.batch == first
    assert first.row_count == 1 and first.total_pence == 10_000
    release(staff, held, "Checked with the bank: it is their own account")
    held.refresh_from_db()
    assert held.status == "pending"
    tomorrow = today() + datetime.timedelta(days=1)
    second = payments.payment_batches_run(day=tomorrow).made[0]
    held.refresh_from_db()
    assert held.batch == second
    history = list(
        PaymentChange.objects.filter(instruction=held).values_list(
            "from_status", "to_status", "by", "reason"
        )
    )
    # Made waiting for the loan offer's answer, pending once the person accepted it; then
    # held, released and batched.
    assert [(change[0], change[1]) for change in history[:2]] == [
        ("", "awaiting"),
        ("awaiting", "pending"),
    ]
    assert history[2:] == [
        ("pending", "held", staff.leader.pk, "The bank details match another application"),
        ("held", "pending", staff.leader.pk, "Checked with the bank: it is their own account"),
        ("pending", "batched", None, f"Daily batch {tomorrow.isoformat()}"),
    ]
    kinds = list(
        CaseEvent.objects.filter(case_id=held.case_id)
        .filter(kind__in=["payment_held", "payment_released"])
        .values_list("kind", "data__reason", "visible_to_person")
    )
    assert kinds == [
        ("payment_released", "The person accepted the offer", False),
        ("payment_held", "The bank details match another application", False),
        ("payment_released", "Checked with the bank: it is their own account", False),
    ]


def test_the_history_cannot_be_rewritten(staff):
    _case, instruction = paid_case(staff.leader)
    hold(staff, instruction, "Check")
    change = PaymentChange.objects.filter(instruction=instruction).last()
    with pytest.raises(ValueError, match="appended"):
        change.save()
    with pytest.raises(ValueError, match="appended"):
        change.delete()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_hold_needs_a_reason(staff, reason):
    _case, instruction = paid_case(staff.leader)
    with pytest.raises(payments.PaymentRefused):
        payments.payment_hold(
            instruction_id=instruction.pk,
            reason=reason,
            by=staff.leader,
            organisation_ids=council(staff),
        )
    instruction.refresh_from_db()
    assert instruction.status == "pending"


def test_a_payment_in_a_batch_cannot_be_held_and_another_organisations_is_unknown(staff):
    _case, instruction = paid_case(staff.leader)
    with pytest.raises(payments.PaymentRefused, match="does not exist"):
        payments.payment_hold(
            instruction_id=instruction.pk,
            reason="Not mine to hold",
            by=staff.leader,
            organisation_ids={staff.teams["provider"].organisation_id},
        )
    payments.payment_batches_run(day=today())
    with pytest.raises(payments.PaymentRefused, match="in a batch"):
        hold(staff, instruction, "Too late")


def test_holding_twice_or_releasing_what_is_not_held_writes_nothing(staff):
    _case, instruction = paid_case(staff.leader)
    arguments = {"instruction_id": instruction.pk, "by": staff.leader}
    # Made (waiting for the loan offer's answer) and accepted: two rows already.
    before = PaymentChange.objects.filter(instruction=instruction).count()
    payments.payment_release(reason="Nothing held", organisation_ids=council(staff), **arguments)
    payments.payment_hold(reason="Check", organisation_ids=council(staff), **arguments)
    payments.payment_hold(reason="Check", organisation_ids=council(staff), **arguments)
    assert PaymentChange.objects.filter(instruction=instruction).count() == before + 1


def test_an_offer_accepted_while_its_payment_is_held_stays_held(citizen, staff):
    case = offered_case(citizen, staff.leader)
    payment = PaymentInstruction.objects.get(case=case)
    assert payment.status == "awaiting"
    hold(staff, payment, "Fraud team asked us to wait")
    # Released while the offer still waits: back to waiting for the person.
    release(staff, payment, "Cleared")
    payment.refresh_from_db()
    assert payment.status == "awaiting"
    hold(staff, payment, "Fraud team asked again")
    cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    payment.refresh_from_db()
    assert payment.status == "held"
    assert payments.payment_batches_run(day=today()).made == []
    release(staff, payment, "Cleared")
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert payments.payment_batches_run(day=today()).made[0].row_count == 1


def test_a_declined_offer_cancels_its_held_payment(citizen, staff):
    case = offered_case(citizen, staff.leader)
    payment = PaymentInstruction.objects.get(case=case)
    hold(staff, payment, "Check")
    cases_services.offer_answer(case_id=case.pk, accept=False, by=citizen)
    payment.refresh_from_db()
    assert payment.status == "cancelled"


# The pages


def test_a_leader_holds_and_releases_from_the_payment_page(client, staff):
    _case, instruction = paid_case(staff.leader, amount_pence=81_200)
    client.force_login(staff.leader)
    pending = client.get("/staff/payments/pending/").content.decode()
    url = f"/staff/payments/instructions/{instruction.pk}/"
    assert f'href="{url}"' in pending
    page = client.get(url)
    assert "Hold the payment" in page_text(page)
    refused = client.post(url, {"action": "hold", "reason": ""})
    assert refused.status_code == 400
    assert "Say why the payment is held." in refused.content.decode()
    assert 'href="#reason"' in refused.content.decode()
    response = client.post(url, {"action": "hold", "reason": "Bank details shared"})
    assert response.status_code == 302
    text = page_text(client.get(url))
    assert "Payment held." in text
    assert "Bank details shared" in text  # the history
    assert "Release the payment" in text
    listed = page_text(client.get("/staff/payments/pending/"))
    assert "Held" in listed and "Bank details shared" in listed
    assert "0 payments waiting" in listed
    client.post(url, {"action": "release", "reason": "Checked"})
    instruction.refresh_from_db()
    assert instruction.status == "pending"


def test_a_leader_holds_and_releases_from_the_case_page(client, staff):
    case, instruction = paid_case(staff.leader)
    client.force_login(staff.leader)
    # The payment is in the case page's payments section.
    page = page_text(client.get(f"/staff/cases/{case.reference}/payments/"))
    assert "Waiting for the next batch" in page and "Hold the payment" in page
    hold = f"/staff/cases/{case.reference}/do/payment-hold/"
    missing = client.post(hold, {"payment": instruction.pk, "reason": ""})
    assert missing.status_code == 400
    assert 'href="#payment-hold-reason"' in missing.content.decode()
    held = client.post(hold, {"payment": instruction.pk, "reason": "Query"})
    assert held.status_code == 302
    assert held.url == f"/staff/cases/{case.reference}/payments/"
    after = page_text(client.get(held.url))
    assert "Payment held." in after
    history = page_text(client.get(f"/staff/cases/{case.reference}/history/"))
    assert "Payment of £500.00 held: Query" in history  # the timeline
    release = f"/staff/cases/{case.reference}/do/payment-release/"
    client.post(release, {"payment": instruction.pk, "reason": "Answered"})
    instruction.refresh_from_db()
    assert instruction.status == "pending"


def test_caseworkers_cannot_hold_or_release(client, staff):
    case, instruction = paid_case(staff.leader)
    client.force_login(staff.caseworker)
    page = page_text(client.get(f"/staff/cases/{case.reference}/payments/"))
    assert "Waiting for the next batch" in page  # they see it
    assert "Hold the payment" not in page
    response = client.post(
        f"/staff/cases/{case.reference}/do/payment-hold/",
        {"payment": instruction.pk, "reason": "I think so"},
    )
    assert response.status_code == 403
    assert client.get(f"/staff/payments/instructions/{instruction.pk}/").status_code == 403
    response = client.post(
        f"/staff/payments/instructions/{instruction.pk}/", {"action": "hold", "reason": "x"}
    )
    assert response.status_code == 403
    instruction.refresh_from_db()
    assert instruction.status == "pending"


def test_the_pending_page_costs_the_same_however_many_are_held(client, staff):
    client.force_login(staff.leader)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/staff/payments/pending/").status_code == 200
        return len(context.captured_queries)

    def hold_one():
        _case, instruction = paid_case(staff.leader)
        hold(staff, instruction, "Check")

    hold_one()
    few = queries()
    for _ in range(4):
        hold_one()
        paid_case(staff.leader)
    assert queries() == few
