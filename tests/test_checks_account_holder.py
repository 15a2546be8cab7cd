"""The name on the bank account: is it the applicant's (or their appointee's)? The finding
was a Budgeting Loan for Jordan Price, paid into an account in the name "S Evans", approved
with every check green."""

import datetime

import pytest

from commonweal.checks import builtin, names
from commonweal.checks import services as checks_services
from commonweal.people import services as people_services
from tests.test_checks import apply
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("account", "given", "family"),
    [
        ("Jordan Price", "Jordan", "Price"),
        ("J Price", "Jordan", "Price"),
        ("J. PRICE", "Jordan", "Price"),
        ("MR J PRICE", "Jordan", "Price"),
        ("Mx Jordan Price", "Jordan", "Price"),
        ("Dr J A Price", "Jordan Alex", "Price"),
        ("JA Price", "Jordan Alex", "Price"),
        ("Alex Price", "Jordan Alex", "Price"),
        ("PRICE, JORDAN", "Jordan", "Price"),
        ("Price Jordan", "Jordan", "Price"),
        ("price j", "Jordan", "Price"),
        ("Chris Price", "Christopher", "Price"),
        ("J Price & S Evans", "Jordan", "Price"),
        ("S Evans and J Price", "Jordan", "Price"),
        ("Mr J and Mrs S Price", "Jordan", "Price"),
        ("Mr J and Mrs S Price", "Sam", "Price"),
        ("J & S Price", "Sam", "Price"),
        ("Mr & Mrs J Price", "Jordan", "Price"),
        ("MR J PRICE JNR", "Jordan", "Price"),
        ("Mrs M O'Brien", "Mary", "O'Brien"),
        ("M OBRIEN", "Mary", "O'Brien"),
        ("Siân Llŷr", "Siân", "Llŷr"),
        ("S LLYR", "Siân", "Llŷr"),
        ("J Smith-Jones", "Jane", "Smith Jones"),
        ("J Jones", "Jane", "Smith-Jones"),
        ("J SMITHJONES", "Jane", "Smith-Jones"),
        ("MJ Davies", "Mary-Jane", "Davies"),
        ("D ap Gwilym", "Dafydd", "ap Gwilym"),
        ("Thomas Thomas", "Thomas", "Thomas"),
        ("MISS M ELLIS", "Megan", "Ellis"),
    ],
)
def test_names_that_are_the_person(account, given, family):
    assert names.name_on_account_matches(account, given_names=given, family_name=family)


@pytest.mark.parametrize(
    ("account", "given", "family"),
    [
        ("S Evans", "Jordan", "Price"),
        ("Sam Evans", "Jordan", "Price"),
        ("S Price", "Jordan", "Price"),
        ("Mr Price", "Jordan", "Price"),
        ("Price", "Jordan", "Price"),
        ("Jordan", "Jordan", "Price"),
        ("J Evans & S Evans", "Jordan", "Price"),
        ("Mr S and Mrs T Price", "Jordan", "Price"),
        ("Jo Price", "Jordan", "Price"),
        ("Jordan Pryce", "Jordan", "Price"),
        ("J Jordan", "Sam", "Jordan"),
        ("D ap Jones", "Dafydd", "ap Gwilym"),
        ("Acme Lending Ltd", "Jordan", "Price"),
        ("", "Jordan", "Price"),
        ("J Price", "", "Price"),
    ],
)
def test_names_that_are_not_the_person(account, given, family):
    assert not names.name_on_account_matches(account, given_names=given, family_name=family)


def test_a_name_written_in_one_field_is_split_for_comparing():
    assert names.split_full_name("Jo Evans") == ("Jo", "Evans")
    assert names.split_full_name("Evans, Jo") == ("Jo", "Evans")
    assert names.split_full_name("Mary Jane Evans") == ("Mary Jane", "Evans")


def _account(name: str) -> dict:
    return {"name": name, "sort_code": "309430", "account_number": "28112759"}


def test_the_applicants_own_account_is_green():
    case = apply(**{"bank-details": _account("MR S EVANS")})
    result = builtin.account_holder_name(case)
    assert result["status"] == "green"
    assert result["reasons"] == [
        "The name on the account, MR S EVANS, matches the applicant, Sam Evans."
    ]


def test_someone_elses_account_is_amber_with_the_reason():
    case = apply(
        **{"given-name": "Jordan", "family-name": "Price", "bank-details": _account("S Evans")}
    )
    result = builtin.account_holder_name(case)
    assert result["status"] == "amber"
    assert result["reasons"][0] == (
        "The name on the account, S Evans, does not match the applicant, Jordan Price, or "
        "anyone recorded as managing their money. Check the account is theirs before paying."
    )
    assert result["evidence"]["accounts"] == [{"name_on_account": "S Evans", "matches": "nobody"}]


def test_an_appointees_account_is_green_while_their_authority_lasts():
    staff = make_staff()
    case = apply(
        **{"given-name": "Jordan", "family-name": "Price", "bank-details": _account("S Evans")}
    )
    appointee = people_services.representative_add(
        person=case.person,
        name="Sam Evans",
        email="sam.appointee@example.com",
        relationship="appointee",
        scope=["view", "act"],
        ends_on=None,
        legal_authority="DWP appointee",
        by=staff.caseworker,
    )
    result = builtin.account_holder_name(case)
    assert result["status"] == "green"
    assert (
        "matches Sam Evans, who is recorded as acting for the applicant (appointee)"
        in (result["reasons"][0])
    )
    # A friend who may only see the application is not someone to pay.
    friend = apply(
        **{"given-name": "Jordan", "family-name": "Price", "bank-details": _account("S Evans")}
    )
    people_services.representative_add(
        person=friend.person,
        name="Sam Evans",
        email="sam.friend@example.com",
        relationship="family",
        scope=["view"],
        ends_on=None,
        by=staff.caseworker,
    )
    assert builtin.account_holder_name(friend)["status"] == "amber"
    # An authority that has ended no longer counts.
    appointee.ends_on = datetime.date(2020, 1, 1)
    appointee.save(update_fields=["ends_on"])
    assert builtin.account_holder_name(case)["status"] == "amber"


def test_no_bank_details_is_not_run():
    case = apply()
    answers = dict(case.application.answers)
    del answers["bank-details"]
    case.application.answers = answers
    result = builtin.account_holder_name(case)
    assert result["status"] == "not_run"
    assert result["reasons"] == [
        "This application has no bank details, so there is no name to compare."
    ]


def test_the_demo_services_that_pay_into_bank_accounts_check_the_name():
    from commonweal.catalogue import selectors as catalogue

    for slug in ("budgeting-loan", "carers-grant", "energy-support"):
        definition = catalogue.published_service(slug=slug).definition
        assert any(question.type == "bank_details" for question in definition.questions())
        assert "account-holder-name" in definition.checks, slug


def test_the_runner_records_the_check_with_its_reasons():
    case = apply(
        **{"given-name": "Jordan", "family-name": "Price", "bank-details": _account("S Evans")}
    )
    results = {r.check_name: r for r in checks_services.checks_run(case_id=case.pk)}
    assert results["account-holder-name"].status == "amber"
    assert (
        results["account-holder-name"]
        .reasons[0]
        .startswith("The name on the account, S Evans, does not match the applicant, Jordan Price")
    )
