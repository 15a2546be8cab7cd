"""Offers: an approval the person must accept before anything is paid (the Budgeting Loan).

The service definition says so, with the terms; the approval makes the offer and its payment
waits; the person (or someone acting for them, or staff recording what they said) accepts
or declines once; accepting releases the payment to the next batch, declining cancels it,
and an offer not answered in time ends."""

import datetime

import pytest
from django.utils import timezone, translation

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.cases.models import CaseEvent, Offer, Task
from commonweal.catalogue.definition import LoanTerms
from commonweal.catalogue.yaml_io import DefinitionError, parse_definition
from commonweal.core.management.commands import worker
from commonweal.messaging.models import Message, Notice
from commonweal.organisations.selectors import staff_context
from commonweal.payments import services as payments
from commonweal.payments.models import PaymentChange, PaymentInstruction
from commonweal.webhooks import services as webhooks
from commonweal.webhooks.models import Subscription, WebhookDelivery
from tests.offers import offered_case
from tests.test_catalogue import BUDGETING_LOAN, line_of
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def payment_settings(settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "23:59:59"
    return settings


@pytest.fixture(autouse=True)
def in_english():
    """Services word history rows in the active language; these tests read them in English
    (whatever an earlier test in the same process left active)."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db):
    return make_staff()


def today():
    return timezone.localdate()


# The definition


def problems_for(text: str) -> list:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    return caught.value.problems


def test_the_budgeting_loan_is_an_offer_of_a_loan_repaid_weekly_within_two_years():
    definition, _data = parse_definition(BUDGETING_LOAN)
    offer = definition.offer
    assert offer.accept_within_days == 28
    assert (offer.loan.repay_every, offer.loan.most_repayments) == ("week", 104)
    assert "benefit" in offer.terms.en and "budd-dal" in offer.terms.cy
    assert offer.if_declined.en and offer.if_declined.cy


@pytest.mark.parametrize(
    ("amount", "count", "repayment", "last"),
    [
        (81_200, 104, 781, 757),  # the most: shared over two years, the last one smaller
        (46_400, 92, 505, 445),  # never less than £5 a week, so paid back sooner
        (40_000, 80, 500, 500),
        (10_000, 20, 500, 500),
        (300, 1, 300, 300),  # less than one repayment's worth: one repayment
    ],
)
def test_repayments_are_worked_out_from_the_amount(amount, count, repayment, last):
    plan = LoanTerms(repay_every="week", most_repayments=104, smallest_repayment=500).plan(amount)
    assert (plan.count, plan.repayment_pence, plan.final_pence) == (count, repayment, last)
    assert plan.repayment_pence * (plan.count - 1) + plan.final_pence == amount


def test_a_loan_offer_without_an_entitlement_is_refused_with_its_line():
    start = BUDGETING_LOAN.index("entitlement:\n")
    end = BUDGETING_LOAN.index("rules:\n", start)
    text = BUDGETING_LOAN[:start] + BUDGETING_LOAN[end:]
    # The rule that reads the entitlement goes too.
    text = text.replace("when: entitlement >= constants.smallest_loan", "when: answers.savings > 0")
    [problem] = problems_for(text)
    assert problem.message == "a loan offer needs an entitlement: the amount the loan is for"
    # The loan's terms start on the line after "loan:".
    assert problem.line == line_of(text, "  loan:") + 1


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("repay_every: week", "repay_every: fortnight"), "offer.loan.repay_every"),
        (("most_repayments: 104", "most_repayments: 0"), "offer.loan.most_repayments"),
        (("accept_within_days: 28", "accept_within_days: 0"), "offer.accept_within_days"),
        (
            (
                "    cy: Ni fyddwn yn talu'r benthyciad i chi a bydd eich cais yn cau.",
                "    welsh: Ni fyddwn yn talu'r benthyciad i chi a bydd eich cais yn cau.",
            ),
            "offer.if_declined",
        ),
    ],
)
def test_offer_terms_are_checked_on_import(change, where):
    text = BUDGETING_LOAN.replace(*change, 1)
    assert text != BUDGETING_LOAN
    problems = problems_for(text)
    assert any(problem.where.startswith(where) for problem in problems), problems


# Making the offer


def test_an_approved_loan_is_an_offer_and_its_payment_waits_for_the_answer(citizen, staff):
    case = offered_case(citizen, staff.leader)
    offer = Offer.objects.get(case=case)
    assert offer.status == "waiting"
    assert offer.amount_pence == 46_400
    assert (offer.repay_every, offer.repayment_count) == ("week", 92)
    assert (offer.repayment_pence, offer.final_repayment_pence) == (505, 445)
    assert offer.accept_by == today() + datetime.timedelta(days=28)
    payment = PaymentInstruction.objects.get(case=case)
    assert payment.status == "awaiting"
    assert payment.amount_pence == 46_400
    # No batch takes it.
    assert payments.payment_batches_run(day=today()).made == []
    payment.refresh_from_db()
    assert payment.status == "awaiting" and payment.batch is None
    # The person is told there is an offer, with the repayments, not only "a decision".
    notices = list(Notice.objects.filter(case=case).values_list("event", flat=True))
    assert "offer_made" in notices and "decision_made" not in notices
    email = Message.objects.get(case=case, event="offer_made", channel="email")
    assert "We can lend you £464." in email.body
    assert "You will repay £5.05 a week for 91 weeks, then £4.45 in the last week." in email.body
    assert f"by {offer.accept_by.day} " in email.body
    made = CaseEvent.objects.get(case=case, kind="offer_made")
    assert made.visible_to_person and made.data["amount_pence"] == 46_400


def test_the_offer_notice_is_in_welsh_for_welsh_speakers(citizen, staff):
    case = offered_case(citizen, staff.leader, language="cy")
    email = Message.objects.get(case=case, event="offer_made", channel="email")
    assert "Gallwn fenthyg £464 i chi." in email.body
    assert "Derbyniwch neu gwrthodwch" in email.body


def test_a_service_without_offers_pays_without_waiting(citizen, staff):
    """A service whose approvals give money but are not offers (here the Budgeting Loan
    without its `offer` block): the approval's payment is pending at once. (Every approval
    of a service with amounts has one now, so "a loan approved without an amount" is no
    longer a way to be without an offer.)"""
    from commonweal.catalogue import services as catalogue_services
    from tests.payments import approved_case

    start = BUDGETING_LOAN.index("offer:\n")
    end = BUDGETING_LOAN.index("checks:\n", start)
    catalogue_services.service_import(yaml_text=BUDGETING_LOAN[:start] + BUDGETING_LOAN[end:])
    case = approved_case(staff.leader, accept=False)
    assert not Offer.objects.filter(case=case).exists()
    instruction = PaymentInstruction.objects.get(case=case)
    assert (instruction.status, instruction.amount_pence) == ("pending", 40_000)
    notices = list(Notice.objects.filter(case=case).values_list("event", flat=True))
    assert "decision_made" in notices and "offer_made" not in notices


# Answering


def test_accepting_releases_the_payment_to_the_next_batch(citizen, staff):
    case = offered_case(citizen, staff.leader)
    council = staff.teams["financial-support"].organisation
    Subscription.objects.create(
        organisation=council, url="https://hooks.example/", event_types=["offer.accepted"]
    )
    webhooks.subscribers_cache_clear()
    offer = cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    assert (offer.status, offer.how, offer.answered_by) == ("accepted", "online", citizen)
    payment = PaymentInstruction.objects.get(case=case)
    assert payment.status == "pending"
    changes = list(
        PaymentChange.objects.filter(instruction=payment).values_list(
            "from_status", "to_status", "reason"
        )
    )
    assert changes[-1] == ("awaiting", "pending", "The person accepted the offer")
    batch = payments.payment_batches_run(day=today()).made[0]
    payment.refresh_from_db()
    assert (payment.status, payment.batch) == ("batched", batch)
    assert CaseEvent.objects.filter(case=case, kind="offer_accepted", actor=citizen).exists()
    assert CaseEvent.objects.filter(case=case, kind="payment_released").exists()
    assert Message.objects.filter(case=case, event="offer_accepted").exists()
    delivery = WebhookDelivery.objects.get(event_type="offer.accepted")
    assert delivery.payload["subject"] == case.reference
    assert delivery.payload["data"]["amount_pence"] == 46_400


def test_webhooks_say_what_was_answered_but_not_who_said_what(citizen, staff):
    case = offered_case(citizen, staff.leader)
    council = staff.teams["financial-support"].organisation
    Subscription.objects.create(
        organisation=council, url="https://hooks.example/", event_types=["offer.declined"]
    )
    webhooks.subscribers_cache_clear()
    cases_services.offer_answer(
        case_id=case.pk,
        accept=False,
        by=staff.caseworker,
        how="phone",
        told_by="Jo Evans, her appointee",
        words="She has found the money elsewhere.",
    )
    data = WebhookDelivery.objects.get(event_type="offer.declined").payload["data"]
    assert data["reference"] == case.reference and data["how"] == "phone"
    assert "told_by" not in data and "words" not in data
    assert "Jo Evans" not in str(data)


def test_declining_cancels_the_payment_and_tells_the_person(citizen, staff):
    case = offered_case(citizen, staff.leader)
    cases_services.offer_answer(case_id=case.pk, accept=False, by=citizen)
    payment = PaymentInstruction.objects.get(case=case)
    assert payment.status == "cancelled"
    assert PaymentChange.objects.filter(
        instruction=payment, to_status="cancelled", reason="The person declined the offer"
    ).exists()
    assert Offer.objects.get(case=case).status == "declined"
    email = Message.objects.get(case=case, event="offer_declined", channel="email")
    assert "The offer was declined on" in email.body
    assert payments.payment_batches_run(day=today()).made == []
    # Nothing can be paid for a declined offer, even by hand.
    with pytest.raises(payments.PaymentRefused, match="not accepted"):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=46_400, by=staff.leader, reason="By hand"
        )


def test_an_offer_is_answered_once(citizen, staff):
    case = offered_case(citizen, staff.leader)
    cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    events = CaseEvent.objects.filter(case=case).count()
    for accept in (True, False):
        with pytest.raises(cases_services.CaseActionRefused, match="cannot be answered again"):
            cases_services.offer_answer(case_id=case.pk, accept=accept, by=citizen)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Offer.objects.get(case=case).status == "accepted"
    assert PaymentInstruction.objects.get(case=case).status == "pending"


def test_an_answer_after_the_last_day_is_refused(citizen, staff):
    case = offered_case(citizen, staff.leader)
    Offer.objects.filter(case=case).update(accept_by=today() - datetime.timedelta(days=1))
    with pytest.raises(cases_services.CaseActionRefused, match="can no longer be accepted"):
        cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    assert PaymentInstruction.objects.get(case=case).status == "awaiting"


def test_an_offer_not_answered_in_time_ends_and_its_payment_is_cancelled(citizen, staff):
    case = offered_case(citizen, staff.leader)
    other = offered_case(citizen, staff.leader, **{"ni-number": "JR123456C"})
    offer = Offer.objects.get(case=case)
    # The day after the last day, the worker's housekeeping ends it; the other is not due.
    Offer.objects.filter(pk=offer.pk).update(accept_by=today() - datetime.timedelta(days=1))
    assert worker.housekeeping()["offers_expired"] == 1
    offer.refresh_from_db()
    assert offer.status == "expired" and offer.answered_at is not None
    assert PaymentInstruction.objects.get(case=case).status == "cancelled"
    assert Offer.objects.get(case=other).status == "waiting"
    assert PaymentInstruction.objects.get(case=other).status == "awaiting"
    email = Message.objects.get(case=case, event="offer_expired", channel="email")
    assert "The offer has ended and we will not pay anything." in email.body
    assert cases_services.offers_expire() == 0  # nothing twice


def test_asking_for_a_reconsideration_withdraws_the_waiting_offer(citizen, staff):
    case = offered_case(citizen, staff.leader)
    cases_services.case_reconsideration_request(
        case_id=case.pk, by=citizen, reason="I asked for £464 and need more."
    )
    assert Offer.objects.get(case=case).status == "withdrawn"
    assert PaymentInstruction.objects.get(case=case).status == "cancelled"
    with pytest.raises(cases_services.CaseActionRefused, match="withdrawn"):
        cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    # Decided again: a new offer, and a new payment waiting for it.
    case.refresh_from_db()
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="We looked again: you can borrow £500.",
        amount_pence=50_000,
        amount_reason="The cooker they need costs £500.",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=case.revision,
    )
    assert list(Offer.objects.filter(case=case).values_list("status", "amount_pence")) == [
        ("waiting", 50_000),
        ("withdrawn", 46_400),
    ]
    # The offer and its payment are for the decision's amount, not the rules' £464.
    assert PaymentInstruction.objects.get(case=case, status="awaiting").amount_pence == 50_000


def test_a_payment_set_up_by_hand_follows_the_offer(citizen, staff):
    case = offered_case(citizen, staff.leader)
    PaymentInstruction.objects.filter(case=case).update(status="cancelled")
    with pytest.raises(payments.PaymentRefused, match=r"was for £464\.00"):
        payments.payment_instruction_create(
            case_id=case.pk, amount_pence=50_000, by=staff.leader, reason="By hand"
        )
    again = payments.payment_instruction_create(
        case_id=case.pk, amount_pence=46_400, by=staff.leader, reason="By hand"
    )
    assert again.status == "awaiting"


def test_an_accepted_offer_without_a_payment_gives_the_team_a_task(citizen, staff):
    """The bank details did not pass, so no payment was set up at the decision."""
    case = offered_case(
        citizen, staff.leader, **{"bank-details": {"name": "S Evans", "sort_code": "1"}}
    )
    assert not PaymentInstruction.objects.filter(case=case).exists()
    cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    titles = list(Task.objects.filter(case=case).values_list("title", flat=True))
    assert "The person accepted the offer of £464.00: set up the payment by hand" in titles


def test_the_offer_in_words():
    offer = Offer(
        amount_pence=81_200,
        repay_every="month",
        repayment_count=24,
        repayment_pence=3384,
        final_repayment_pence=3368,
        accept_by=datetime.date(2027, 1, 4),
        status="waiting",
    )
    assert cases_selectors.offer_sentences(offer) == [
        "We can lend you £812.",
        "You will repay £33.84 a month for 23 months, then £33.68 in the last month.",
        "In all you will repay £812.",
    ]


def test_retention_deletes_a_case_s_offers_with_it(citizen, staff):
    from commonweal.cases.models import Case
    from commonweal.rights import services as rights

    # No payment was set up (the bank details did not pass): the offer alone is kept.
    case = offered_case(
        citizen, staff.leader, **{"bank-details": {"name": "S Evans", "sort_code": "1"}}
    )
    cases_services.offer_answer(
        case_id=case.pk, accept=False, by=staff.caseworker, how="phone", told_by="Sam"
    )
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=2200))
    counts = rights.retention_run()
    assert counts["offers_deleted"] == 1
    assert not Offer.objects.filter(case=case).exists()
