"""Decisions and offers together: a team leader corrects an approval whose offer waits, was
accepted, or whose money has gone; a hold survives the change; the person's page shows the
offer that goes with the decision in force, and the preview shows the offer to be made.

Whatever happens, a case ends with at most one live payment, for the amount of the
decision in force, and money already sent to the bank is never offered or paid again."""

import pytest
from django.utils import timezone, translation

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.cases.models import Offer, Task
from commonweal.organisations.selectors import staff_context
from commonweal.payments import services as payments
from commonweal.payments.models import PaymentChange, PaymentInstruction
from tests.offers import offered_case
from tests.payments import reconciliation_csv
from tests.test_portal_decisions import page_text
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

LIVE = ["awaiting", "held", "pending", "batched", "paid"]


@pytest.fixture(autouse=True)
def payment_settings(settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "23:59:59"
    with translation.override("en"):
        yield settings


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    """A £464 Budgeting Loan approved as an offer, waiting for the person's answer."""
    return offered_case(citizen, staff.leader)


def correct(case, staff, **decision):
    fields = {
        "outcome": "approved",
        "reasons": ["loan-approved"],
        "explanation": "You can borrow £300.",
        "amount_pence": 30_000,
        "amount_reason": "They had £164 from the crisis fund.",
        "correction_reason": "We missed the crisis payment.",
        **decision,
    }
    return cases_services.case_decision_correct(
        case_id=case.pk,
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
        **fields,
    )


def refuse(case, staff):
    return correct(
        case,
        staff,
        outcome="refused",
        reasons=["existing-debt-too-high"],
        explanation="You already owe too much.",
        amount_pence=None,
        amount_reason="",
        correction_reason="The debt check was wrong.",
    )


def live_payments(case) -> list[tuple[str, int]]:
    return list(
        PaymentInstruction.objects.filter(case=case, status__in=LIVE).values_list(
            "status", "amount_pence"
        )
    )


def hold(staff, instruction, reason: str):
    return payments.payment_hold(
        instruction_id=instruction.pk,
        reason=reason,
        by=staff.leader,
        organisation_ids={staff.teams["financial-support"].organisation_id},
    )


def accept(case, citizen):
    cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)


# Correcting an approval whose offer was accepted


def test_a_corrected_amount_after_acceptance_is_offered_again_and_its_payment_waits(
    case, citizen, staff, citizen_client
):
    accept(case, citizen)
    first = PaymentInstruction.objects.get(case=case)
    assert first.status == "pending"
    correct(case, staff)
    first.refresh_from_db()
    assert first.status == "cancelled"
    # Exactly one live payment, for the new amount, waiting for the new offer's answer.
    assert live_payments(case) == [("awaiting", 30_000)]
    offers = list(Offer.objects.filter(case=case).values_list("status", "amount_pence"))
    assert offers == [("waiting", 30_000), ("accepted", 46_400)]
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "We can lend you £300." in text and "Accept or decline the offer by" in text
    assert "We can lend you £464." not in text
    # Declining the corrected offer leaves nothing to pay.
    cases_services.offer_answer(case_id=case.pk, accept=False, by=citizen)
    assert live_payments(case) == []


def test_a_correction_that_keeps_the_accepted_amount_leaves_the_offer_and_payment(
    case, citizen, staff, citizen_client
):
    """Only the words were wrong: the person accepted a loan of this very amount, so they
    are not asked again, and the payment goes as it would have."""
    accept(case, citizen)
    payment = PaymentInstruction.objects.get(case=case)
    correct(
        case,
        staff,
        explanation="You can borrow £464, repaid from your benefit.",
        amount_pence=46_400,
        amount_reason="",
        correction_reason="The explanation named the wrong amount.",
    )
    assert list(Offer.objects.filter(case=case).values_list("status", flat=True)) == ["accepted"]
    assert live_payments(case) == [("pending", 46_400)]
    assert PaymentInstruction.objects.get(case=case, status="pending").pk == payment.pk
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "The offer was accepted on" in text
    assert "Accept or decline the offer" not in text


@pytest.mark.parametrize("reconciled", [False, True])
def test_a_correction_after_the_money_went_to_the_bank_offers_nothing_again(
    case, citizen, staff, citizen_client, reconciled
):
    accept(case, citizen)
    batch = payments.payment_batches_run(day=timezone.localdate()).made[0]
    if reconciled:
        payments.payment_batch_reconcile(
            content=reconciliation_csv(batch, [(case.reference, 46_400, "paid", "")]),
            by=staff.leader,
        )
    sent = "paid" if reconciled else "batched"
    correct(case, staff)
    # Nothing taken back, nothing paid on top, no offer to accept for money already sent:
    # the team puts it right by hand.
    assert live_payments(case) == [(sent, 46_400)]
    assert list(Offer.objects.filter(case=case).values_list("status", flat=True)) == ["accepted"]
    assert Task.objects.filter(case=case, title__contains="£464.00 was already sent").exists()
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "Loan amount £300" in text
    assert "Accept or decline the offer" not in text and "We can lend you" not in text


def test_correcting_an_accepted_offer_to_a_refusal_cancels_its_payment(
    case, citizen, staff, citizen_client
):
    accept(case, citizen)
    refuse(case, staff)
    assert live_payments(case) == []
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "Your application was not successful." in text
    # The accepted offer went with the approval: it is history (the timeline), not an offer.
    assert "Your offer" not in text and "We can lend you" not in text
    assert "You accepted the offer." in text


def test_an_accepted_offer_whose_payment_was_cancelled_is_asked_again(
    case, citizen, staff, citizen_client
):
    """Approved and accepted, corrected to a refusal (the payment cancelled), then corrected
    back: the person is asked again rather than paid on an answer to an offer that was
    taken back."""
    accept(case, citizen)
    refuse(case, staff)
    correct(
        case,
        staff,
        explanation="You can borrow £464 after all.",
        amount_pence=46_400,
        amount_reason="",
        correction_reason="The debt was paid off before they applied.",
    )
    assert live_payments(case) == [("awaiting", 46_400)]
    assert list(Offer.objects.filter(case=case).values_list("status", flat=True)) == [
        "waiting",
        "accepted",
    ]
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "Accept or decline the offer by" in text


# Correcting while the offer waits


def test_correcting_to_a_refusal_withdraws_the_waiting_offer_and_says_why(
    case, citizen, staff, citizen_client
):
    refuse(case, staff)
    offer = Offer.objects.get(case=case)
    assert offer.status == "withdrawn"
    payment = PaymentInstruction.objects.get(case=case)
    assert payment.status == "cancelled"
    cancelled = PaymentChange.objects.filter(instruction=payment).last()
    assert cancelled.reason == "The offer was withdrawn: the decision was corrected"
    with pytest.raises(cases_services.CaseActionRefused, match="because we corrected"):
        accept(case, citizen)
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "Your application was not successful." in text
    assert "Your offer" not in text
    assert "The offer was withdrawn because we corrected our decision." in text  # timeline
    assert "looked at again" not in text
    [exported] = cases_selectors.cases_for_export(person=case.person, language="en")
    answer = exported["decisions"][0]["offer"]["answer"]
    assert answer.endswith("because we corrected our decision.")


# Holds


def test_a_held_payment_replaced_by_a_correction_stays_held(case, citizen, staff):
    accept(case, citizen)
    held = hold(staff, PaymentInstruction.objects.get(case=case), "Fraud team asked us to wait")
    correct(case, staff)
    held.refresh_from_db()
    # Not "already sent to the bank": a held payment never went, so it is cancelled...
    assert held.status == "cancelled"
    assert not Task.objects.filter(case=case, title__contains="already sent").exists()
    # ...and the one for the corrected amount waits for the leader too.
    assert live_payments(case) == [("held", 30_000)]
    replacing = PaymentInstruction.objects.get(case=case, status="held")
    assert PaymentChange.objects.filter(instruction=replacing).last().reason == (
        "Held, as the payment it replaces was: Fraud team asked us to wait"
    )
    accept(case, citizen)
    assert live_payments(case) == [("held", 30_000)]
    payments.payment_release(
        instruction_id=replacing.pk,
        reason="Cleared",
        by=staff.leader,
        organisation_ids={staff.teams["financial-support"].organisation_id},
    )
    assert live_payments(case) == [("pending", 30_000)]


@pytest.mark.parametrize("how", ["correction", "second look"])
def test_a_hold_on_a_waiting_offers_payment_outlasts_the_offer(case, citizen, staff, how):
    """The hold is about the case's payment: withdrawing the offer it waited on (for a
    correction, or while the decision is looked at again) does not lift it."""
    hold(staff, PaymentInstruction.objects.get(case=case), "Bank details shared")
    if how == "correction":
        correct(case, staff)
    else:
        cases_services.case_reconsideration_request(
            case_id=case.pk, by=citizen, reason="I need £500."
        )
        assert live_payments(case) == []
        case.refresh_from_db()
        cases_services.case_decide(
            case_id=case.pk,
            outcome="approved",
            reasons=["loan-approved"],
            explanation="We looked again: you can borrow £300.",
            amount_pence=30_000,
            amount_reason="The cooker costs £300.",
            by=staff.leader,
            context=staff_context(user=staff.leader),
            revision=None,
        )
    assert live_payments(case) == [("held", 30_000)]
    assert Offer.objects.get(case=case, status="waiting").amount_pence == 30_000


# The preview


def test_the_correction_preview_shows_the_new_offer(client, case, citizen, staff):
    accept(case, citizen)
    client.force_login(staff.leader)
    url = f"/staff/cases/{case.reference}/decision/correct/"
    form = {
        "outcome": "approved",
        "reasons": ["loan-approved"],
        "amount": "300",
        "amount_reason": "They had £164 from the crisis fund.",
        "explanation": "You can borrow £300.",
        "correction_reason": "We missed the crisis payment.",
        "revision": case.revision,
        "step": "preview",
    }
    preview = client.post(url, form)
    assert preview.status_code == 200
    text = page_text(preview)
    assert "Your offer We can lend you £300." in text
    assert "You will repay £5 a week for 60 weeks." in text
    assert "We have corrected our decision" in text  # the message that tells them
    # Keeping the amount they accepted: no new offer to show.
    same = client.post(url, {**form, "amount": "464", "amount_reason": ""})
    assert same.status_code == 200
    assert "Your offer" not in page_text(same)
    assert Offer.objects.filter(case=case).count() == 1


def test_the_preview_of_a_loan_approval_shows_the_offer_in_welsh_for_welsh_speakers(
    client, citizen, staff
):
    from commonweal.people.models import Person
    from tests.test_rules import finish_checks, make_case

    case = make_case(citizen, answers={"amount": "464.00"})
    finish_checks(case, duplicate_ni_number="amber")
    Person.objects.filter(pk=case.person_id).update(language="cy")
    case.refresh_from_db()
    client.force_login(staff.leader)
    preview = client.post(
        f"/staff/cases/{case.reference}/decision/",
        {
            "outcome": "approved",
            "reasons": ["loan-approved"],
            "amount": "464",
            "explanation": "Gallwch fenthyg y swm.",
            "revision": case.revision,
            "step": "preview",
        },
    )
    assert preview.status_code == 200
    text = page_text(preview)
    assert "Eich cynnig Gallwn fenthyg £464 i chi." in text  # their page, in Welsh
    assert "Eich cynnig: " in text  # the offer notice's subject, in Welsh
    assert "Your offer We can lend you £464." in text  # the English copy for staff
    assert not Offer.objects.exists()
