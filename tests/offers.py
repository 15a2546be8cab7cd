"""Budgeting Loans approved with an offer, for the offer and payment-hold tests."""

from decimal import Decimal

from commonweal.cases import services as cases_services
from commonweal.organisations.selectors import staff_context
from tests.test_rules import finish_checks, make_case


def offered_case(account, leader, *, amount: str = "464.00", **answers):
    """A Budgeting Loan the rules worked out (£464 for a couple, as asked: 91 repayments of
    £5.05 and a last one of £4.45), approved by `leader`: its offer waits for the person,
    and so does its payment."""
    case = make_case(account, answers={"amount": amount, **answers})
    # An amber check keeps the automation policy from approving it: a person decides.
    finish_checks(case, duplicate_ni_number="amber")
    case.refresh_from_db()
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You can borrow the amount below.",
        amount_pence=int(Decimal(amount) * 100),
        by=leader,
        context=staff_context(user=leader),
        revision=case.revision,
    )
    case.refresh_from_db()
    return case
