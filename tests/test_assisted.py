"""Staff take an application for someone by phone, in person or from paper, through the
same questions; the case records the channel, who took it and how identity was checked."""

import pytest
from django.urls import reverse

from commonweal.cases.models import Case, CaseEvent
from commonweal.intake.models import Application
from commonweal.messaging.models import Message
from tests.journeys import BUDGETING_LOAN, answer_eligibility, complete_pages
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(client, db):
    staff = make_staff()
    client.force_login(staff.caseworker)
    return staff.caseworker


START = {
    "service": "budgeting-loan",
    "channel": "phone",
    "identity": "knowledge",
    "document": "",
    "email": "",
}


def test_the_start_page_checks_its_answers(client, worker):
    response = client.post("/staff/assisted/", {"identity": "document", "email": "not-an-email"})
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "Select the service they are applying for",
        "Select how the application reached you",
        "Select the document you saw",
        "Enter an email address in the correct format",
    ):
        assert message in html


def test_citizens_cannot_take_applications_for_others(citizen_client):
    assert citizen_client.get("/staff/assisted/").status_code == 403


def take(client, start: dict):
    response = client.post("/staff/assisted/", start)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:apply", args=["budgeting-loan"])
    page = client.get(response["Location"], follow=True)
    # The eligibility questions are asked again for this person, not taken from before.
    assert "/eligibility/" in page.request["PATH_INFO"]
    assert "Taking an application for someone" in page.content.decode()
    answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    complete_pages(client, "budgeting-loan", BUDGETING_LOAN["pages"])
    sent = client.post(reverse("portal:check-answers", args=["budgeting-loan"]))
    assert sent.status_code == 302
    return sent


def test_a_phone_application_without_email_opens_a_case_and_a_task(client, worker):
    sent = take(client, START)
    case = Case.objects.get()
    assert sent["Location"] == f"/staff/cases/{case.reference}/"
    assert case.channel == "phone" and case.identity_check == "knowledge"
    assert case.application.taken_by == worker
    assert case.person.full_name == "Sam Evans"
    assert case.person.account is None
    submitted = CaseEvent.objects.get(case=case, kind="submitted")
    assert submitted.actor == worker and submitted.on_behalf_of == case.person
    # No email address: nothing is emailed to the member of staff; the person is told their
    # reference by the next way we have (a text message to the phone number they gave).
    assert not Message.objects.filter(to_address=worker.email).exists()
    told = Message.objects.get(case=case, event="application_received")
    assert told.channel == "sms" and told.to_address == "+447700900982"
    assert case.reference in told.body
    assert told.notice.channels == ["sms", "letter"]
    page = client.get(sent["Location"]).content.decode()
    # How identity was checked, in words (the code "knowledge" is not for people to read):
    # on the timeline for this application, and on the person's record (the summary).
    assert "By phone" in page
    assert "low: answered questions only they would know" in page
    history = client.get(sent["Location"] + "history/").content.decode()
    assert "(By phone; identity: they answered questions only they would know)" in history


def test_with_an_email_the_person_is_told_and_can_continue_online(client, worker):
    response = client.post(
        "/staff/assisted/",
        {
            **START,
            "channel": "in_person",
            "identity": "document",
            "document": "passport",
            "email": "Sam.Evans@Example.com",
        },
    )
    client.get(response["Location"], follow=True)
    answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    client.get(reverse("portal:apply", args=["budgeting-loan"]), follow=True)
    draft = Application.objects.get(status="draft")
    assert draft.taken_by == worker and draft.identity_check == "document:passport"
    # The person signs in and sees the draft the member of staff started with them.
    from django.test import Client

    person = Client()
    person.force_login(draft.person.account)
    listing = person.get("/applications/").content.decode()
    assert "Continue online" in listing
    # The member of staff's own (online) drafts are untouched by this one.
    assert client.get("/services/budgeting-loan/").status_code == 200


def test_two_applications_for_the_same_service_in_a_row(client, worker):
    take(client, START)
    take(client, {**START, "channel": "paper"})
    assert Case.objects.count() == 2
    assert sorted(Case.objects.values_list("channel", flat=True)) == ["paper", "phone"]
