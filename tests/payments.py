"""Approved cases with payments, for the payments tests."""

import itertools

from commonweal.accounts import services as accounts_services
from commonweal.cases import services as cases_services
from commonweal.organisations.selectors import staff_context
from commonweal.payments import services as payments
from commonweal.payments.models import PaymentInstruction
from commonweal.people import services as people_services
from tests.workspace import submit_case

_numbers = itertools.count(1)


# What the rules work out for the Budgeting Loan the tests send (£400 asked for).
ENTITLEMENT_PENCE = 40_000


def approved_case(
    leader, email: str | None = None, amount_pence: int = ENTITLEMENT_PENCE, accept: bool = True
):
    """A Budgeting Loan case, submitted and approved by `leader` for `amount_pence`. The
    approval is a loan offer; unless `accept` is False the person accepts it, so the
    decision's payment instruction is pending (otherwise it waits for their answer)."""
    email = email or f"payee{next(_numbers)}@example.com"
    account = accounts_services.account_for_email(email=email)
    people_services.person_for_account(account=account)
    case = submit_case(account)
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You can borrow the amount below.",
        amount_pence=amount_pence,
        amount_reason="" if amount_pence == ENTITLEMENT_PENCE else "Agreed with the person",
        by=leader,
        context=staff_context(user=leader),
        revision=case.revision,
    )
    if accept:
        cases_services.offer_answer(case_id=case.pk, accept=True, by=account)
    case.refresh_from_db()
    return case


def approved_case_unpaid(leader, email: str | None = None):
    """An approved case whose payment was cancelled, so nothing is waiting to be paid."""
    case = approved_case(leader, email)
    for instruction in PaymentInstruction.objects.filter(case=case, status="pending"):
        payments.payment_instruction_cancel(
            instruction_id=instruction.pk, by=leader, reason="Paid another way"
        )
    return case


def paid_case(leader, amount_pence: int = 50_000):
    """An approved case and the payment instruction its decision made."""
    case = approved_case(leader, amount_pence=amount_pence)
    instruction = payments.payment_instruction_create(
        case_id=case.pk, amount_pence=amount_pence, by=leader, reason="Loan approved"
    )
    return case, instruction


def reconciliation_csv(batch, lines) -> bytes:
    """lines: (reference, amount_pence, status, reason) tuples."""
    rows = [",".join(payments.RECONCILIATION_HEADER)]
    for reference, amount, status, reason in lines:
        rows.append(f"{batch.pk},{batch.sha256},{reference},{amount},{status},{reason}")
    return ("\n".join(rows) + "\n").encode()
