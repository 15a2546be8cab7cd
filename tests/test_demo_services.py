"""Every demo service, applied for end to end through the Django test client."""

import datetime

import pytest

from commonweal.cases.models import Case
from commonweal.catalogue import selectors as catalogue
from commonweal.core import uk
from commonweal.intake.models import Application
from commonweal.people.models import Person
from tests.conftest import DEMO_DIR
from tests.journeys import (
    DEMO_JOURNEYS,
    HOME_ADAPTATION,
    answer_eligibility,
    apply,
    complete_pages,
    postcode_given,
    status_check_details,
)

pytestmark = pytest.mark.django_db


def test_there_are_answers_for_every_demo_service():
    assert set(DEMO_JOURNEYS) == {path.stem for path in DEMO_DIR.glob("*.yaml")}


@pytest.mark.parametrize("slug", sorted(DEMO_JOURNEYS))
def test_applying_for_each_demo_service_end_to_end(slug, citizen_client, client):
    journey = DEMO_JOURNEYS[slug]
    definition = catalogue.published_service(slug=slug).definition

    response = apply(citizen_client, slug, journey)

    assert response.status_code == 200
    html = response.content.decode()
    application = Application.objects.get(status="submitted", service__slug=slug)
    assert application.reference.startswith(f"{definition.reference_prefix}-")
    assert application.reference in html
    assert "Application complete" in html

    case = Case.objects.get(reference=application.reference)
    assert case.application == application
    assert case.service.slug == slug
    assert case.stage == definition.stages[0].id
    assert case.person == application.person
    assert case.person.address_postcode == uk.normalise_postcode(postcode_given(journey))

    # Where it is can be checked without signing in, with the details the journey gave.
    status = client.post("/check-status/", status_check_details(journey, application.reference))
    assert status.status_code == 200, status.content.decode()[:2000]
    assert application.reference in status.content.decode()
    assert definition.stages[0].title.text("en") in status.content.decode()


@pytest.mark.parametrize("slug", ["energy-support", "carers-grant"])
def test_an_address_found_by_postcode_is_the_one_chosen(slug, citizen_client):
    apply(citizen_client, slug, DEMO_JOURNEYS[slug])
    address = Application.objects.get(status="submitted").answers["address"]
    choice = DEMO_JOURNEYS[slug]["pages"]["address"]["lookup"]["choice"]
    expected = {
        "DEMO100000001": "1 Heol y Castell",
        "DEMO100000003": "5 Heol y Castell",
    }[choice]
    assert address["line_1"] == expected
    assert address["town"] == "Caerphilly"
    assert address["postcode"] == "CF83 1JD"


def test_an_address_lookup_page_can_also_be_typed_in(citizen_client):
    pages = dict(DEMO_JOURNEYS["energy-support"]["pages"])
    pages["address"] = {
        "address-line-1": "2 High Street",
        "address-town": "Caerphilly",
        "address-postcode": "cf83 1aa",
    }
    answer_eligibility(
        citizen_client, "energy-support", DEMO_JOURNEYS["energy-support"]["eligibility"]
    )
    complete_pages(citizen_client, "energy-support", pages)
    draft = Application.objects.get(status="draft")
    assert draft.answers["address"]["line_1"] == "2 High Street"
    assert draft.answers["address"]["postcode"] == "CF83 1AA"


def test_a_carer_applying_for_someone_else_makes_a_new_record_for_them(citizen_client, citizen):
    carer = Person.objects.get(account=citizen)

    html = apply(citizen_client, "home-adaptation", HOME_ADAPTATION).content.decode()

    application = Application.objects.get(status="submitted")
    assert application.reference in html
    assert application.on_behalf
    assert application.answers["applicant-name"] == "Sam Evans"
    assert application.answers["applicant-relationship"] == "family-member"
    assert application.answers["applicant-phone"] == "+447700900982"

    case = Case.objects.get()
    assert case.stage == "received"
    person = case.person
    assert person.pk != carer.pk
    assert person.account is None
    assert Person.objects.count() == 2
    assert person.given_name == "Margaret"
    assert person.family_name == "Evans"
    assert person.date_of_birth == datetime.date(1941, 3, 12)
    assert person.address_line_1 == "14 Station Road"
    assert person.address_town == "Caerphilly"
    assert person.address_postcode == "CF83 1AB"
    assert person.phone == "+447700900457"
    # How to contact the carer about this application is theirs, not the person's record.
    assert application.answers["applicant-preferred-contact"] == "phone"
    assert application.answers["applicant-language"] == "cy"
    assert person.preferred_contact == "" and person.language == ""
    assert person.accessibility_needs == "Please call the day before you visit."

    # The carer's own record did not get the details of the person they applied for.
    carer.refresh_from_db()
    assert carer.given_name == "" and carer.family_name == ""
    assert carer.date_of_birth is None
    assert carer.address_line_1 == "" and carer.address_postcode == ""
    assert carer.phone == ""
    assert carer.email == "sam.evans@example.com"

    detail = citizen_client.get(f"/applications/{application.reference}/").content.decode()
    assert "Applied for on behalf of Margaret Evans." in detail
    assert "We received the application you made for Margaret Evans." in detail
