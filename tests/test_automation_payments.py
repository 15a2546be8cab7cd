"""From an approval to money: an approved entitlement becomes a payment instruction in the
decision's own transaction, whether the policy or a caseworker approved it. A Budgeting
Loan's approval is an offer, so its payment waits for the person to accept it."""

import pytest

from commonweal.cases import services as cases_services
from commonweal.cases.models import Task
from commonweal.organisations import selectors as organisations
from commonweal.payments.models import PaymentInstruction
from commonweal.rules import services as rules_services
from tests.checking import VALID_ACCOUNTS, build_person_index, use_modulus_table
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
    # A loan is an offer: nothing goes in a batch until the person accepts it.
    assert payment.status == "awaiting"
    assert payment.amount_pence == 40_000  # £400 asked for, within the £464 the rules allow
    assert payment.reference == case.reference
    assert payment.account_last_four and payment.payee_name
    cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    payment.refresh_from_db()
    assert payment.status == "pending"


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
        amount_pence=40_000,
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
        explanation="You owe more than the limit.",
        by=staff.leader,
        context=organisations.staff_context(user=staff.leader),
        revision=case.revision,
    )
    assert not PaymentInstruction.objects.exists()
    assert not Task.objects.filter(case=case).exists()


def _register(client, token, key, eligibility, **answers):
    import json

    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS

    return client.post(
        "/api/v1/applications/",
        json.dumps(
            {
                "service": "budgeting-loan",
                "channel": "phone",
                "identity_check": "knowledge",
                "person": {"email": f"caller{key}@example.com"},
                "answers": {**BUDGETING_LOAN_ANSWERS, **answers},
                "eligibility": eligibility,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


ELIGIBLE_BY_PHONE = {
    "universal-credit": False,
    "qualifying-benefit": True,
    "existing-debt": False,
    "industrial-action": False,
}


def _own_details(number: int) -> dict:
    """Answers no other test application shares (so no matching check finds another)."""
    return {
        "ni-number": f"JR{123450 + number:06d}C",
        "phone": f"+44770090{number:04d}",
        "address": {
            "line_1": f"{number} Station Road",
            "line_2": "",
            "town": "Caerphilly",
            "county": "",
            "postcode": "CF83 1AA",
        },
    }


def test_a_phone_application_goes_from_the_call_to_a_payment_without_a_person(
    client, staff, run_tasks, settings, tmp_path
):
    """The whole way: registered through the API with the eligibility answers, the checks
    run in the worker, every one of them truly run and green, eligible, approved by the
    policy, a payment set up. Paid into someone else's account, or on strike: a person
    decides."""
    from commonweal.api import services as api_services
    from commonweal.cases.models import Case
    from commonweal.checks.models import CheckResult
    from commonweal.rules.models import AutomationRecord

    use_modulus_table(settings)
    build_person_index(tmp_path)
    council = staff.teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["applications:register"]
    )
    account = {"sort_code": "309430", "account_number": VALID_ACCOUNTS[0]}
    green = _register(
        client,
        token,
        "1",
        ELIGIBLE_BY_PHONE,
        **{"bank-details": {"name": "MR SAM EVANS", **account}},
    )
    assert green.status_code == 201, green.content
    # The loan to be paid into an account in another person's name.
    elsewhere = _register(
        client,
        token,
        "2",
        ELIGIBLE_BY_PHONE,
        **_own_details(2),
        **{
            "given-name": "Jordan",
            "family-name": "Price",
            "bank-details": {
                "name": "S Evans",
                "sort_code": "309430",
                "account_number": VALID_ACCOUNTS[1],
            },
        },
    )
    assert elsewhere.status_code == 201, elsewhere.content
    # Involved in industrial action: the rules refer it to a person.
    referred = _register(
        client,
        token,
        "3",
        {**ELIGIBLE_BY_PHONE, "industrial-action": True},
        **_own_details(3),
        **{
            "bank-details": {
                "name": "S Evans",
                "sort_code": "309430",
                "account_number": VALID_ACCOUNTS[2],
            }
        },
    )
    assert referred.status_code == 201, referred.content
    run_tasks()
    approved = Case.objects.get(reference=green.json()["reference"])
    results = CheckResult.objects.filter(case=approved, is_current=True)
    assert {result.status for result in results} == {"green"}, [
        (result.check_name, result.status, result.reasons) for result in results
    ]
    assert approved.outcome == "approved"
    assert str(approved.decisions.get().decided_by).startswith("Automation policy")
    # A loan is an offer: its payment waits for the person to accept it.
    assert PaymentInstruction.objects.get(case=approved).status == "awaiting"
    for response, why in (
        (elsewhere, "Name on the bank account: amber (The name on the account, S Evans, does "
         "not match the applicant, Jordan Price"),
        (referred, "The rules say: A person must decide"),
    ):  # fmt: skip
        waiting = Case.objects.get(reference=response.json()["reference"])
        assert waiting.closed_at is None
        assert not PaymentInstruction.objects.filter(case=waiting).exists()
        record = AutomationRecord.objects.get(case=waiting)
        assert record.action == "to_person"
        assert any(reason.startswith(why) for reason in record.reasons), record.reasons


def test_without_the_person_index_and_modulus_table_nothing_is_approved(
    client, staff, run_tasks, settings
):
    """The finding: "person index not built" and "modulus check not set up" showed green,
    and the policy approved. Checks that did not run leave the case with a person."""
    from commonweal.api import services as api_services
    from commonweal.cases.models import Case
    from commonweal.checks.models import CheckResult
    from commonweal.rules.models import AutomationRecord

    settings.COMMONWEAL_SORT_CODE_FILE = None
    council = staff.teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["applications:register"]
    )
    response = _register(
        client,
        token,
        "1",
        ELIGIBLE_BY_PHONE,
        **{
            "bank-details": {
                "name": "S Evans",
                "sort_code": "309430",
                "account_number": VALID_ACCOUNTS[0],
            }
        },
    )
    run_tasks()
    case = Case.objects.get(reference=response.json()["reference"])
    statuses = dict(
        CheckResult.objects.filter(case=case, is_current=True).values_list("check_name", "status")
    )
    assert statuses["person-match"] == "not_run"
    assert statuses["bank-details-format"] == "not_run"
    assert case.closed_at is None and not PaymentInstruction.objects.filter(case=case).exists()
    reasons = AutomationRecord.objects.get(case=case).reasons
    assert "Matches in the person index: not run (The person index has not been built yet, " in (
        " ".join(reasons)
    )
    assert any(
        reason.startswith("Bank details: not run (The modulus check is not set up")
        for reason in reasons
    )


def test_eligibility_answers_that_do_not_fit_are_refused_with_their_field(client, staff):
    from commonweal.api import services as api_services

    council = staff.teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["applications:register"]
    )
    answer = _register(
        client, token, "3", {"universal-credit": "perhaps", "favourite-colour": "blue"}
    )
    assert answer.status_code == 400
    fields = {error["field"] for error in answer.json()["errors"]}
    assert fields == {"eligibility.universal-credit", "eligibility.favourite-colour"}
