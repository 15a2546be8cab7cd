"""From an approval to money: an approved entitlement becomes a pending payment instruction
in the decision's own transaction, whether the policy or a caseworker approved it."""

import pytest

from commonweal.cases import services as cases_services
from commonweal.cases.models import Task
from commonweal.organisations import selectors as organisations
from commonweal.payments.models import PaymentInstruction
from commonweal.rules import services as rules_services
from tests.test_rules import finish_checks, make_case
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


def test_the_policy_approval_sets_up_the_payment_of_the_entitlement(citizen, staff):
    case = make_case(citizen)
    finish_checks(case)
    assert rules_services.automation_consider(case_id=case.pk).action == "approved"
    payment = PaymentInstruction.objects.get(case=case)
    assert payment.status == "pending"
    assert payment.amount_pence == 40_000  # £400 asked for, within the £464 the rules allow
    assert payment.reference == case.reference
    assert payment.account_last_four and payment.payee_name


def test_a_caseworker_approval_after_the_rules_ran_sets_it_up_too(citizen, staff):
    case = make_case(citizen)
    finish_checks(case, duplicate_ni_number="amber")
    assert rules_services.automation_consider(case_id=case.pk).action != "approved"
    assert not PaymentInstruction.objects.filter(case=case).exists()
    case.refresh_from_db()
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="Checked the NI number with the person.",
        by=staff.leader,
        context=organisations.staff_context(user=staff.leader),
        revision=case.revision,
    )
    assert PaymentInstruction.objects.get(case=case).amount_pence == 40_000


def test_a_refusal_pays_nothing(citizen, staff):
    case = make_case(citizen)
    finish_checks(case)
    case.refresh_from_db()
    cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["existing-debt-too-high"],
        explanation="",
        by=staff.leader,
        context=organisations.staff_context(user=staff.leader),
        revision=case.revision,
    )
    assert not PaymentInstruction.objects.exists()
    assert not Task.objects.filter(case=case).exists()
