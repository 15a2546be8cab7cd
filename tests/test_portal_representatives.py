"""People who act for someone (a carer, an appointee, a friend): the person gives and takes
away their authority, and the representative signs in as themselves and sees only what it
covers. Also: carrying on online with an application staff started with the person."""

import datetime

import pytest
from django.utils import timezone

from commonweal.accounts import services as accounts_services
from commonweal.cases.models import Case
from commonweal.catalogue import selectors as catalogue
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.intake.models import Application
from commonweal.messaging import services as messaging_services
from commonweal.messaging.models import ThreadMessage
from commonweal.people import services as people_services
from commonweal.people.models import Representative
from tests.journeys import complete_draft
from tests.test_portal_decisions import _queries, decide, page_text, staff_user, submitted

pytestmark = pytest.mark.django_db

CARER_EMAIL = "jo.carer@example.com"


@pytest.fixture
def staff(db):
    return staff_user()


@pytest.fixture
def carer(db):
    return accounts_services.account_for_email(email=CARER_EMAIL)


@pytest.fixture
def carer_client(client, carer):
    client.force_login(carer)
    return client


def _authorise(person_account, scope, email=CARER_EMAIL, **extra):
    return people_services.representative_add(
        person=people_services.person_for_account(account=person_account),
        name="Jo Carer",
        email=email,
        relationship="carer",
        scope=scope,
        ends_on=extra.get("ends_on"),
        by=person_account,
    )


# The person manages who can act for them


def test_adding_someone_with_nothing_filled_in_shows_every_error(citizen_client):
    page = citizen_client.get("/account/representatives/add/")
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = citizen_client.post("/account/representatives/add/", {})
    assert response.status_code == 400
    html = response.content.decode()
    text = page_text(response)
    assert "govuk-error-summary" in html
    for message, anchor in [
        ("Enter their full name", "#name"),
        ("Enter their email address", "#email"),
        ("Select how they are related to you", "#relationship"),
        ("Select what they can do", "#scope"),
    ]:
        assert message in text
        assert f'href="{anchor}"' in html
    assert not Representative.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        ({"email": "not-an-email"}, "Enter an email address in the correct format", "#email"),
        ({"email": "sam.evans@example.com"}, "not your own", "#email"),
        (
            {"ends-on-day": "31", "ends-on-month": "2", "ends-on-year": "2030"},
            "The end date must be a real date",
            "#ends-on-day",
        ),
        (
            {"ends-on-day": "1", "ends-on-month": "1", "ends-on-year": "2001"},
            "The end date must be in the future",
            "#ends-on-day",
        ),
        ({"relationship": "landlord"}, "Select how they are related to you", "#relationship"),
    ],
)
def test_adding_someone_with_a_wrong_answer_says_what_is_wrong(
    citizen_client, changes, message, anchor
):
    form = {
        "name": "Jo Carer",
        "email": CARER_EMAIL,
        "relationship": "carer",
        "scope": ["view"],
        **changes,
    }
    response = citizen_client.post("/account/representatives/add/", form)
    assert response.status_code == 400
    assert message in page_text(response)
    assert f'href="{anchor}"' in response.content.decode()
    # What was typed is kept.
    assert 'value="Jo Carer"' in response.content.decode()
    assert not Representative.objects.exists()


def test_adding_and_removing_someone(citizen_client, citizen):
    applications = page_text(citizen_client.get("/applications/"))
    assert "Manage who can act for you" in applications
    end = timezone.localdate() + datetime.timedelta(days=90)
    response = citizen_client.post(
        "/account/representatives/add/",
        {
            "name": "Jo Carer",
            "email": "Jo.Carer@Example.com",
            "relationship": "family",
            "scope": ["view", "messages"],
            "ends-on-day": str(end.day),
            "ends-on-month": str(end.month),
            "ends-on-year": str(end.year),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/representatives/"
    text = page_text(citizen_client.get(response["Location"]))
    assert "Jo Carer can now act for you." in text
    assert "Family member or friend" in text
    assert "See your applications, where they are and the decisions" in text
    assert "Read and send secure messages about your applications" in text
    assert "Ask us to look at a decision again for you" not in text
    assert f"{end:%-d %B %Y}" in text
    representative = Representative.objects.get()
    assert representative.email == CARER_EMAIL
    assert representative.scope == ["view", "messages"]
    removed = citizen_client.post(f"/account/representatives/{representative.pk}/remove/")
    assert removed.status_code == 302
    text = page_text(citizen_client.get("/account/representatives/"))
    assert "Jo Carer can no longer act for you." in text
    assert "Nobody can act for you at the moment." in text
    representative.refresh_from_db()
    assert representative.revoked_at is not None


def test_nobody_else_can_remove_someone_acting_for_you(client, citizen, other_citizen):
    representative = _authorise(citizen, ["view"])
    client.force_login(other_citizen)
    assert client.post(f"/account/representatives/{representative.pk}/remove/").status_code == 404
    assert client.get(f"/account/representatives/{representative.pk}/remove/").status_code == 405
    representative.refresh_from_db()
    assert representative.revoked_at is None


# The representative signs in as themselves


def test_a_representative_sees_the_persons_applications(carer_client, citizen, staff):
    application = submitted(citizen)
    decide(application, staff, explanation="Over the savings limit.")
    _authorise(citizen, ["view"])
    listed = page_text(carer_client.get("/applications/"))
    assert application.reference in listed
    assert "For Sam Evans" in listed
    detail = carer_client.get(f"/applications/{application.reference}/")
    assert detail.status_code == 200
    text = page_text(detail)
    assert "For Sam Evans" in text
    assert "The application was not successful." in text
    assert "Over the savings limit." in text
    # "view" only: no messages, no reconsideration.
    assert "Read and send messages" not in text
    assert "Ask us to look at the decision again" not in text
    assert carer_client.get(f"/applications/{application.reference}/messages/").status_code == 404
    assert (
        carer_client.get(f"/applications/{application.reference}/reconsideration/").status_code
        == 404
    )
    assert (
        carer_client.post(
            f"/applications/{application.reference}/reconsideration/", {"reason": "x"}
        ).status_code
        == 404
    )


def test_a_representative_with_messages_writes_for_the_person(carer_client, carer, citizen):
    application = submitted(citizen)
    _authorise(citizen, ["view", "messages"])
    url = f"/applications/{application.reference}/messages/"
    assert carer_client.get(url).status_code == 200
    response = carer_client.post(url, {"body": "I am Sam's carer. Sam is in hospital."})
    assert response.status_code == 302
    message = ThreadMessage.objects.get()
    assert message.author == carer
    assert message.on_behalf_of == application.person
    # The person sees who wrote for them.
    carer_client.force_login(citizen)
    text = page_text(carer_client.get(url))
    assert "Jo Carer, for Sam Evans" in text
    assert "Someone acting for you sent us a message" in page_text(
        carer_client.get(f"/applications/{application.reference}/")
    )


def test_a_representative_who_can_act_asks_for_a_reconsideration(
    carer_client, carer, citizen, staff
):
    application = submitted(citizen)
    decide(application, staff)
    _authorise(citizen, ["view", "act"])
    detail = page_text(carer_client.get(f"/applications/{application.reference}/"))
    assert "Ask us to look at the decision again" in detail
    response = carer_client.post(
        f"/applications/{application.reference}/reconsideration/",
        {"reason": "Sam's savings are held in trust."},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=application.case.pk)
    assert case.stage == "review"
    event = case.events.get(kind="reconsideration")
    assert event.actor == carer and event.on_behalf_of == application.person


def test_a_removed_or_ended_authority_gives_nothing(carer_client, citizen):
    application = submitted(citizen)
    representative = _authorise(citizen, ["view", "messages", "act"])
    detail = f"/applications/{application.reference}/"
    assert carer_client.get(detail).status_code == 200
    people_services.representative_revoke(
        representative_id=representative.pk,
        person=representative.person,
        by=citizen,
    )
    for url in (detail, f"{detail}messages/", f"{detail}reconsideration/"):
        assert carer_client.get(url).status_code == 404, url
    assert application.reference not in page_text(carer_client.get("/applications/"))
    # A new authority that has since ended.
    again = _authorise(citizen, ["view"])
    assert carer_client.get(detail).status_code == 200
    Representative.objects.filter(pk=again.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert carer_client.get(detail).status_code == 404


def test_someone_elses_representative_sees_nothing(carer_client, citizen, other_citizen):
    mine = submitted(citizen)
    theirs = submitted(other_citizen)
    _authorise(citizen, ["view", "messages", "act"])
    assert carer_client.get(f"/applications/{mine.reference}/").status_code == 200
    assert carer_client.get(f"/applications/{theirs.reference}/").status_code == 404
    assert theirs.reference not in page_text(carer_client.get("/applications/"))


def test_the_list_costs_the_same_however_many_people_and_applications(
    carer_client, carer, citizen, other_citizen, staff
):
    first = submitted(citizen)
    messaging_services.thread_message_post(case=first.case, by=staff, from_staff=True, body="Hello")
    _authorise(citizen, ["view", "messages"])
    one = _queries(carer_client, "/applications/")
    for _ in range(3):
        for account in (citizen, other_citizen):
            application = submitted(account)
            messaging_services.thread_message_post(
                case=application.case, by=staff, from_staff=True, body="Hello"
            )
    _authorise(other_citizen, ["view"])
    assert _queries(carer_client, "/applications/") == one
    text = page_text(carer_client.get("/applications/"))
    # Both people are called Sam Evans in the ready-made answers: 4 and 3 applications.
    assert text.count("For Sam Evans") == 7
    assert text.count("1 new message") == 4  # "view" only for the second person


# Carrying on online with an application staff started


def _taken_draft(staff, citizen, answers=None):
    published = catalogue.published_service(slug="budgeting-loan")
    person = people_services.person_for_account(account=citizen)
    return Application.objects.create(
        account=staff,
        taken_by=staff,
        channel="phone",
        identity_check="security-questions",
        person=person,
        service=published.service,
        version=published.version,
        answers=answers or {"given-name": "Sam", "family-name": "Evans"},
        completed_pages=["name"],
    )


def test_the_person_carries_on_online_with_a_draft_staff_started(citizen_client, citizen, staff):
    draft = _taken_draft(staff, citizen)
    listed = citizen_client.get("/applications/")
    text = page_text(listed)
    assert "We started this application with you." in text
    assert f'action="/applications/drafts/{draft.pk}/continue/"' in listed.content.decode()
    response = citizen_client.post(f"/applications/drafts/{draft.pk}/continue/")
    assert response.status_code == 302
    assert response["Location"] == "/services/budgeting-loan/apply/"
    draft.refresh_from_db()
    assert draft.account == citizen
    assert draft.taken_by == staff
    journey = citizen_client.get(response["Location"], follow=True)
    assert journey.status_code == 200
    # The answers given on the phone are kept: the journey goes on past the name.
    assert "/apply/name/" not in journey.request["PATH_INFO"]
    assert Application.objects.filter(account=citizen, status="draft").count() == 1


def test_a_handed_over_draft_can_be_finished_and_sent(citizen_client, citizen, staff):
    pages = [
        page.id
        for page in catalogue.published_service(slug="budgeting-loan").definition.visible_pages(
            BUDGETING_LOAN_ANSWERS
        )
    ]
    draft = _taken_draft(staff, citizen, answers=BUDGETING_LOAN_ANSWERS)
    Application.objects.filter(pk=draft.pk).update(completed_pages=pages)
    citizen_client.post(f"/applications/drafts/{draft.pk}/continue/")
    sent = citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    assert sent.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.case.channel == "phone"


def test_carrying_on_is_refused_with_an_online_draft_already(citizen_client, citizen, staff):
    complete_draft(citizen)
    draft = _taken_draft(staff, citizen)
    response = citizen_client.post(f"/applications/drafts/{draft.pk}/continue/", follow=True)
    assert response.status_code == 200
    assert "You have already started an application for this service online." in page_text(response)
    draft.refresh_from_db()
    assert draft.account == staff


def test_nobody_else_can_take_a_draft_staff_started(client, citizen, other_citizen, staff):
    draft = _taken_draft(staff, citizen)
    client.force_login(other_citizen)
    assert "We started this application" not in page_text(client.get("/applications/"))
    assert client.post(f"/applications/drafts/{draft.pk}/continue/").status_code == 404
    draft.refresh_from_db()
    assert draft.account == staff
