"""A service's life: opening and closing dates, a pause with a message (the other ways to
apply still shown), retirement pointing to what replaces it; the drafts people started are
kept and their owners told once."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from commonweal.accounts import services as accounts_services
from commonweal.accounts.models import User
from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue.models import Service, ServiceLifeEvent
from commonweal.intake import services as intake_services
from commonweal.intake.models import Application
from commonweal.messaging.models import Message, Notice
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.people import services as people_services
from tests.journeys import complete_draft
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

LIFE = "/staff/services/budgeting-loan/life/"
START = "/services/budgeting-loan/"
PAUSE = {
    "action": "pause",
    "message_en": "We are updating the loan rules until 1 June.",
    "message_cy": "Rydym yn diweddaru rheolau y benthyciad tan 1 Mehefin.",
}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _citizen(email: str) -> User:
    account = accounts_services.account_for_email(email=email)
    people_services.person_for_account(account=account)
    return account


@pytest.fixture
def world(db):
    staff = make_staff()
    owner = User.objects.create_user(
        "owen.owner@council.example", display_name="Owen Owner", is_staff=True
    )
    organisations.membership_ensure(
        user=owner, team=staff.teams["financial-support"], role=Role.SERVICE_OWNER
    )
    sam, robin = _citizen("sam.evans@example.com"), _citizen("robin.other@example.com")
    complete_draft(sam)
    complete_draft(robin)
    return {"staff": staff, "owner": _signed_in(owner), "sam": sam, "robin": robin}


def _drafts() -> int:
    return Application.objects.filter(service__slug="budgeting-loan", status="draft").count()


def test_paused_service_start_page_shows_the_message_and_the_other_ways(world):
    response = world["owner"].post(LIFE, PAUSE)
    assert response.status_code == 302
    page = Client().get(START).content.decode()
    assert "Online applications are paused for now" in page
    assert PAUSE["message_en"] in page
    # The other ways to apply, from the definition, are still there.
    assert "Other ways to apply" in page and "0800 169 0140" in page
    assert "Start now" not in page
    # In Welsh, the Welsh message.
    welsh = Client(HTTP_ACCEPT_LANGUAGE="cy")
    welsh.cookies["django_language"] = "cy"
    assert PAUSE["message_cy"] in welsh.get(START, HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    # Not offered on the list of services.
    listing = Client().get("/").content.decode()
    assert "/services/budgeting-loan/" not in listing
    assert "budgeting-loan" not in [p.service.slug for p in catalogue.accepting_services()]


def test_starting_or_carrying_on_is_refused_while_paused_and_drafts_are_kept(world):
    world["owner"].post(LIFE, PAUSE)
    sam = _signed_in(world["sam"])
    draft = Application.objects.get(account=world["sam"], status="draft")
    before = dict(draft.answers)
    for path in (
        "/services/budgeting-loan/apply/",
        "/services/budgeting-loan/apply/name/",
        "/services/budgeting-loan/apply/check-your-answers/",
        "/services/budgeting-loan/eligibility/universal-credit/",
    ):
        response = sam.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == START
    posted = sam.post("/services/budgeting-loan/apply/check-your-answers/")
    assert posted.status_code == 302 and posted["Location"] == START
    page = sam.get(START).content.decode()
    assert "your answers are kept" in page
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.answers == before
    assert _drafts() == 2
    # Their applications page shows the draft with the state.
    listing = sam.get("/applications/").content.decode()
    assert "Online applications are paused for now." in listing
    assert "Your answers are kept" in listing
    # Resumed: they carry on.
    world["owner"].post(LIFE, {"action": "resume"})
    assert sam.get("/services/budgeting-loan/apply/")["Location"] != START


def test_each_draft_owner_is_told_once_even_on_a_double_click(world):
    assert world["owner"].post(LIFE, PAUSE).status_code == 302
    assert world["owner"].post(LIFE, PAUSE).status_code == 302
    notices = Notice.objects.filter(event="service_paused")
    assert sorted(notice.person.account_id for notice in notices) == sorted(
        [world["sam"].pk, world["robin"].pk]
    )
    message = Message.objects.get(notice__person__account=world["sam"], event="service_paused")
    assert PAUSE["message_en"] in message.body
    assert "/services/budgeting-loan/" in message.body
    assert ServiceLifeEvent.objects.filter(kind="paused").count() == 1
    assert _drafts() == 2
    life = world["owner"].get(LIFE).content.decode()
    assert "Open online applications again" in life and PAUSE["message_cy"] in life
    assert "Paused (Owen Owner)" in life


def test_pausing_needs_the_message_in_english_and_welsh(world):
    response = world["owner"].post(LIFE, {**PAUSE, "message_cy": " "})
    assert response.status_code == 400
    assert "Enter the message people will see, in Welsh" in response.content.decode()
    assert Service.objects.get(slug="budgeting-loan").paused_at is None
    assert not Notice.objects.filter(event="service_paused").exists()


def test_drafts_of_a_paused_service_are_not_expired(world):
    world["owner"].post(LIFE, PAUSE)
    Application.objects.filter(status="draft").update(
        updated_at=timezone.now() - datetime.timedelta(days=400)
    )
    intake_services.drafts_expire(older_than_days=30)
    assert _drafts() == 2


def test_a_closing_date_in_the_past_refuses_new_applications(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = world["owner"].post(
        LIFE,
        {
            "action": "dates",
            "closes_on-day": yesterday.day,
            "closes_on-month": yesterday.month,
            "closes_on-year": yesterday.year,
        },
    )
    assert response.status_code == 302
    page = Client().get(START).content.decode()
    assert "This service closed for applications on" in page
    assert "Start now" not in page
    assert "/services/budgeting-loan/" not in Client().get("/").content.decode()
    newcomer = _signed_in(_citizen("new.comer@example.com"))
    refused = newcomer.get("/services/budgeting-loan/apply/")
    assert refused["Location"] == START
    assert not Application.objects.filter(account__email="new.comer@example.com").exists()
    # Closing by date tells nobody, and keeps the drafts.
    assert not Notice.objects.filter(event__startswith="service_").exists()
    assert _drafts() == 2
    event = ServiceLifeEvent.objects.get(kind="dates")
    assert event.detail == {"opens_on": None, "closes_on": yesterday.isoformat()}


def test_an_opening_date_to_come_says_when(world):
    soon = timezone.localdate() + datetime.timedelta(days=10)
    world["owner"].post(
        LIFE,
        {
            "action": "dates",
            "opens_on-day": soon.day,
            "opens_on-month": soon.month,
            "opens_on-year": soon.year,
        },
    )
    page = Client().get(START).content.decode()
    assert "This service opens for applications on" in page
    assert str(soon.year) in page


def test_a_closing_date_before_the_opening_date_is_refused(world):
    response = world["owner"].post(
        LIFE,
        {
            "action": "dates",
            "opens_on-day": "10",
            "opens_on-month": "6",
            "opens_on-year": "2030",
            "closes_on-day": "1",
            "closes_on-month": "6",
            "closes_on-year": "2030",
        },
    )
    assert response.status_code == 400
    assert "The closing date must be on or after the opening date" in response.content.decode()
    assert Service.objects.get(slug="budgeting-loan").opens_on is None


def test_a_retired_service_points_to_its_replacement_and_tells_draft_owners(world):
    response = world["owner"].post(
        LIFE, {"action": "retire", "replaced_by": "carers-grant", "confirm": "yes"}
    )
    assert response.status_code == 302
    assert world["owner"].post(
        LIFE, {"action": "retire", "replaced_by": "carers-grant", "confirm": "yes"}
    ).status_code in (302, 200)
    page = Client().get(START).content.decode()
    assert "This service has closed and no longer takes applications" in page
    assert 'href="/services/carers-grant/"' in page
    assert "Other ways to apply" not in page
    assert _signed_in(world["sam"]).get("/services/budgeting-loan/apply/")["Location"] == START
    notices = Notice.objects.filter(event="service_retired")
    assert notices.count() == 2
    message = Message.objects.get(notice__person__account=world["sam"], event="service_retired")
    assert "/services/carers-grant/" in message.body
    assert _drafts() == 2
    # Retiring is for good: the page offers nothing more, and it cannot be paused.
    life = world["owner"].get(LIFE).content.decode()
    assert "Retired on" in life and "Replaced by carers-grant" in life
    assert world["owner"].post(LIFE, PAUSE).status_code == 302
    assert Service.objects.get(slug="budgeting-loan").paused_at is None


def test_retiring_needs_a_confirmation(world):
    response = world["owner"].post(LIFE, {"action": "retire", "replaced_by": ""})
    assert response.status_code == 400
    assert Service.objects.get(slug="budgeting-loan").retired_at is None


def test_staff_taking_an_application_may_carry_on_while_paused_not_once_retired(world):
    world["owner"].post(LIFE, PAUSE)
    assert "budgeting-loan" in [p.service.slug for p in catalogue.accepting_services(online=False)]
    world["owner"].post(LIFE, {"action": "retire", "confirm": "yes"})
    assert "budgeting-loan" not in [
        p.service.slug for p in catalogue.accepting_services(online=False)
    ]


def test_only_the_services_owners_change_its_life(world):
    staff = world["staff"]
    for user in (staff.caseworker, staff.leader, staff.provider):
        client = _signed_in(user)
        assert client.get(LIFE).status_code == 403
        assert client.post(LIFE, PAUSE).status_code == 403
    assert Client().post(LIFE, PAUSE).status_code == 302
    assert _signed_in(world["sam"]).post(LIFE, PAUSE).status_code == 403
    assert world["owner"].get("/staff/services/no-such-service/life/").status_code == 404
    service = Service.objects.get(slug="budgeting-loan")
    assert service.paused_at is None and not ServiceLifeEvent.objects.exists()


def test_the_api_registers_while_paused_and_refuses_once_retired(world, client):
    import json

    from commonweal.api import services as api_services
    from commonweal.catalogue import services as catalogue_services
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS

    _key, token = api_services.api_key_create(
        organisation=world["staff"].teams["financial-support"].organisation,
        name="Call centre",
        scopes=["applications:register"],
    )
    body = {
        "service": "budgeting-loan",
        "channel": "phone",
        "identity_check": "knowledge",
        "person": {"email": "phone.caller@example.com"},
        "answers": BUDGETING_LOAN_ANSWERS,
    }

    def register(key: str):
        return client.post(
            "/api/v1/applications/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    service = Service.objects.get(slug="budgeting-loan")
    catalogue_services.service_pause(
        service=service, message_en=PAUSE["message_en"], message_cy=PAUSE["message_cy"], by=None
    )
    assert register("while-paused").status_code == 201
    catalogue_services.service_retire(service=service, replaced_by=None, by=None)
    refused = register("once-retired")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "not_taking_applications"
    listed = [item["slug"] for item in client.get("/api/v1/services/").json()]
    assert "budgeting-loan" not in listed and "carers-grant" in listed


def test_a_welsh_speaker_is_told_in_welsh_with_the_welsh_message(world):
    from commonweal.people.models import Person

    Person.objects.filter(account=world["robin"]).update(language="cy")
    world["owner"].post(LIFE, PAUSE)
    message = Message.objects.get(notice__person__account=world["robin"], event="service_paused")
    assert message.language == "cy"
    assert PAUSE["message_cy"] in message.body
    assert "Mae eich atebion wedi'u cadw" in message.body
