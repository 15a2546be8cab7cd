"""Registering an application through the API for someone we already hold a record for
(issue 12's finding, on the API side): the rules of an application staff take. Only a key of
an organisation that handles the service; an email address with the identity not checked is
refused the same whether or not we hold a record; a record found by email gets only what
the identity check allows, is in the person's access log as the integration taking an
application, and never has its contact details replaced: new ones wait for the team's
check, and notices keep going where they went."""

import json
import re
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commonweal.accounts.models import User
from commonweal.api import services as api_services
from commonweal.cases.models import Case
from commonweal.intake.models import Application
from commonweal.messaging.models import Message, Notice
from commonweal.people.models import ContactChange, Person, PersonChange
from commonweal.privacy.models import AccessRecord
from tests.test_assisted_records import RECORD, VICTIM_EMAIL
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"
NEW_EMAIL = "someone.else@example.net"
NEW_PHONE = "+447700900456"
NEW_ADDRESS = {
    "line_1": "9 Ffordd Newydd",
    "line_2": "",
    "town": "Cardiff",
    "county": "",
    "postcode": "CF10 1AA",
}
# An Energy Support application (it asks for an email address as well as a phone number
# and an address) giving the victim's name with someone else's contact details.
ENERGY_SUPPORT = {
    "given-name": "Alex",
    "family-name": "Morgan",
    "date-of-birth": "1990-01-01",
    "ni-number": "AB123456C",
    "address": NEW_ADDRESS,
    "email": NEW_EMAIL,
    "phone": NEW_PHONE,
    "heating": "gas",
    "prepayment-meter": False,
    "energy-supplier": "octopus-energy",
    "household-size": 2,
    "household-income": "900.00",
    "benefits": ["universal-credit"],
    "bank-details": {"name": "A Morgan", "sort_code": "309430", "account_number": "00733445"},
    "preferred-contact": "email",
    "language": "en",
}


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def victim(staff):
    from commonweal.accounts import services as accounts_services
    from commonweal.people import services as people_services

    account = accounts_services.account_for_email(email=VICTIM_EMAIL)
    person = people_services.person_for_account(account=account)
    people_services.person_update(person=person, details=RECORD, by=account, reason="Given online")
    return Person.objects.get(pk=person.pk)


def key_of(organisation, scopes=("applications:register",)):
    return api_services.api_key_create(organisation=organisation, name="Call centre", scopes=scopes)


@pytest.fixture
def council_key(staff):
    return key_of(staff.teams["financial-support"].organisation)


def register(key_and_token, *, email=VICTIM_EMAIL, identity="knowledge", answers=None,
             idempotency="one"):  # fmt: skip
    _key, token = key_and_token
    body = {
        "service": "energy-support",
        "channel": "phone",
        "identity_check": identity,
        "answers": answers or ENERGY_SUPPORT,
    }
    if email is not None:
        body["person"] = {"email": email}
    return Client().post(
        "/api/v1/applications/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=idempotency,
    )


def assert_record_as_it_was(person_id: int, *, answers_written: bool = False) -> None:
    person = Person.objects.get(pk=person_id)
    assert person.email == VICTIM_EMAIL
    assert person.account.email == VICTIM_EMAIL
    assert person.phone == RECORD["phone"]
    assert person.address_line_1 == RECORD["address"]["line_1"]
    assert person.address_postcode == RECORD["address"]["postcode"]
    if not answers_written:
        assert person.date_of_birth.isoformat() == RECORD["date_of_birth"]
        assert person.ni_number == RECORD["ni_number"]


def assert_nothing_went_to_the_new_details() -> None:
    addresses = set(Message.objects.values_list("to_address", flat=True))
    assert not addresses & {NEW_EMAIL, NEW_PHONE}, addresses


# Someone else's email address with new contact details, by identity check


def test_not_checked_with_their_email_is_refused_and_changes_nothing(council_key, victim):
    response = register(council_key, identity="not_checked")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("person.email", "identity_not_checked")
    assert_record_as_it_was(victim.pk)
    assert not Application.objects.exists() and not Case.objects.exists()
    assert not ContactChange.objects.exists()
    assert not AccessRecord.objects.exists()
    assert_nothing_went_to_the_new_details()


def test_not_checked_answers_the_same_whether_or_not_we_hold_a_record(council_key, victim):
    theirs = register(council_key, identity="not_checked", idempotency="a")
    nobodys = register(
        council_key, identity="not_checked", email="nobody.here@example.com", idempotency="b"
    )
    assert theirs.status_code == nobodys.status_code == 400
    assert theirs.json() == nobodys.json()
    # Nothing was looked up or made for either address.
    assert not User.objects.filter(email="nobody.here@example.com").exists()
    assert not AccessRecord.objects.exists()


def test_not_checked_without_an_email_makes_a_record_of_its_own(council_key, victim):
    response = register(council_key, identity="not_checked", email=None)
    assert response.status_code == 201, response.content
    assert response.json()["contact_details"] == "on_record"
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.person_id != victim.pk
    assert case.person.phone == NEW_PHONE
    assert_record_as_it_was(victim.pk)
    assert AccessRecord.objects.get().purpose == "api"


@pytest.mark.parametrize("identity", ["knowledge", "document:passport"])
def test_their_email_with_new_contact_details_leaves_their_record_and_notices_alone(
    council_key, victim, identity
):
    response = register(council_key, identity=identity)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact_details"] == "waiting_for_check"
    case = Case.objects.get(reference=body["reference"])
    # The application is theirs (the email address found their record)...
    assert case.person_id == victim.pk
    # ...but their email address, phone number and address are the ones they had, and a
    # check of questions only they would know writes nothing else either.
    assert_record_as_it_was(victim.pk, answers_written=identity.startswith("document"))
    person = Person.objects.get(pk=victim.pk)
    if identity.startswith("document"):
        # A document seen: the answers are written, except the contact details.
        assert person.date_of_birth.isoformat() == "1990-01-01"
        written = PersonChange.objects.filter(person=person).first()
        assert not {"email", "phone", "address_line_1"} & set(written.fields)
        assert "through the API (Call centre)" in written.reason
    # The new ones wait for the team's check, given by the integration.
    change = ContactChange.objects.get(person=person)
    assert change.status == "pending" and person.has_pending_contact_change
    assert change.fields["email"] == [VICTIM_EMAIL, NEW_EMAIL]
    assert change.fields["phone"] == [RECORD["phone"], NEW_PHONE]
    assert change.fields["address"][1]["line_1"] == NEW_ADDRESS["line_1"]
    assert change.requested_by == council_key[0].account
    assert change.case_reference == case.reference
    # The application keeps the record's, and its notice went to them.
    answers = case.application.answers
    assert (answers["email"], answers["phone"]) == (VICTIM_EMAIL, RECORD["phone"])
    assert answers["address"]["line_1"] == RECORD["address"]["line_1"]
    told = Message.objects.get(case=case, event="application_received")
    assert told.to_address in (VICTIM_EMAIL, RECORD["phone"])
    assert_nothing_went_to_the_new_details()
    assert not Notice.objects.filter(event="contact_details_changed").exists()


def test_the_same_contact_details_as_the_record_are_on_record(council_key, victim):
    same = {
        **ENERGY_SUPPORT,
        "email": VICTIM_EMAIL,
        "phone": RECORD["phone"],
        "address": RECORD["address"],
    }
    response = register(council_key, answers=same)
    assert response.status_code == 201, response.content
    assert response.json()["contact_details"] == "on_record"
    assert not ContactChange.objects.exists()


def test_the_team_confirms_details_an_integration_gave_with_a_code_to_the_old_ones(
    council_key, victim, staff, mailoutbox
):
    reference = register(council_key).json()["reference"]
    team = Client()
    team.force_login(staff.caseworker)
    case_page = team.get(f"/staff/cases/{reference}/").content.decode()
    url = f"/staff/assisted/contact-changes/{reference}/"
    assert f'href="{url}"' in case_page
    mailoutbox.clear()
    with mock.patch("commonweal.people.contact_changes.secrets.randbelow", return_value=424242):
        assert team.post(url, {"action": "send", "channel": "email"}).status_code == 302
    # The code goes to the email address on record, never to the one the integration sent.
    assert [message.to for message in mailoutbox] == [[VICTIM_EMAIL]]
    assert team.post(url, {"action": "verify", "code": "424242"}).status_code == 302
    person = Person.objects.get(pk=victim.pk)
    assert (person.email, person.phone) == (NEW_EMAIL, NEW_PHONE)
    history = PersonChange.objects.filter(person=person).first()
    assert "through the API (Call centre)" in history.reason
    assert "confirmed with a code sent to the email address on record" in history.reason
    # And they are told at the details they had.
    told = Message.objects.filter(event="contact_details_changed")
    assert set(told.values_list("to_address", flat=True)) == {VICTIM_EMAIL, RECORD["phone"]}


# The access log


def test_finding_their_record_is_in_their_access_log_as_the_integration(council_key, victim, staff):
    key, _token = council_key
    registered = register(council_key)
    assert registered.status_code == 201
    record = AccessRecord.objects.get(person=victim)
    assert (record.purpose, record.via, record.role) == (
        "assisted_application",
        "api",
        "integration",
    )
    assert record.api_key_id == key.pk and record.actor_name == "Call centre"
    assert record.organisation == staff.teams["financial-support"].organisation
    assert record.case.reference == registered.json()["reference"]
    mine = Client()
    mine.force_login(victim.account)
    page = mine.get("/your-data/access/").content.decode()
    assert "Taking an application with you by phone" in page
    assert "A connected computer system" in page
    # The council, named as the site names it, heads its records.
    assert '<h2 class="govuk-heading-m">Demo Council</h2>' in page


def test_a_new_record_is_logged_as_an_api_read_as_before(council_key):
    response = register(council_key, email="new.person@example.com")
    assert response.status_code == 201
    record = AccessRecord.objects.get()
    assert (record.purpose, record.via) == ("api", "api")


# Who may register, and how identity was checked


def test_a_key_of_an_organisation_that_does_not_handle_the_service_is_refused(staff, victim):
    charity = key_of(staff.teams["provider"].organisation)
    for identity in ("not_checked", "knowledge", "document:passport"):
        response = register(charity, identity=identity, idempotency=identity)
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "service", "code": "unknown", "message": "No such service for this key"}
        ]
    assert_record_as_it_was(victim.pk)
    assert not Case.objects.exists() and not AccessRecord.objects.exists()


@pytest.mark.parametrize("identity", ["Knowledge", "documentary", "document:library_card", ""])
def test_an_identity_check_we_do_not_know_is_refused(council_key, victim, identity):
    response = register(council_key, identity=identity)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "identity_check"
    assert_record_as_it_was(victim.pk)
    assert not Case.objects.exists()


def test_the_api_takes_the_identity_checks_the_staff_form_offers():
    from commonweal.intake import services as intake_services
    from commonweal.workspace.views.assisted import IDENTITY_CHECK_LABELS, IDENTITY_DOCUMENTS

    offered = {check for check in IDENTITY_CHECK_LABELS if check != "document"}
    offered |= {f"document:{kind}" for kind in IDENTITY_DOCUMENTS}
    assert set(intake_services.IDENTITY_CHECKS) == offered


# The cost


def _statements(council_key, **registration) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = register(council_key, **registration)
    assert response.status_code == 201, response.content
    return len(queries.captured_queries)


def test_a_record_found_costs_at_most_one_statement_more_than_a_new_one(council_key, victim):
    register(council_key, email="warm.up@example.com", idempotency="warm-up")
    new = _statements(council_key, email="new.person@example.com", idempotency="new")
    # Questions alone: only the change that waits (nothing else is written).
    knowledge = _statements(council_key, idempotency="knowledge")
    # A document seen: the answers written with their history row, and the change.
    document = _statements(council_key, identity="document:passport", idempotency="document")
    assert knowledge <= new
    assert document <= new + 1


# The documentation


def test_the_documented_registration_and_its_answer_match_the_api(council_key):
    section = DOCS.read_text(encoding="utf-8").split("## Register an application")[1]
    request = json.loads(re.search(r"-d '(\{.*?\})'", section, re.S).group(1))
    answer = json.loads(re.search(r"```json\n(\{.*?\})\n```", section, re.S).group(1))
    _key, token = council_key
    response = Client().post(
        "/api/v1/applications/",
        json.dumps(request),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="from-the-docs",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == set(answer)
    assert set(body["case"]) == set(answer["case"])
    assert body["contact_details"] == answer["contact_details"]
