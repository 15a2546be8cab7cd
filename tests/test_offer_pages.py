"""The offer through the pages: the person reads the offer and its repayments on their
application, accepts or declines it once; someone acting for them can too; staff record an
answer given by phone on the case page; the API records one from a call centre; the
confirmation page promises acceptance only for services that need it."""

import json
import re

import pytest

from commonweal.accounts import services as accounts_services
from commonweal.api import services as api_services
from commonweal.cases.models import CaseEvent, Offer
from commonweal.payments.models import PaymentInstruction
from commonweal.people import services as people_services
from tests.offers import offered_case
from tests.test_portal_decisions import page_text
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

REPAYMENTS = "You will repay £5.05 a week for 91 weeks, then £4.45 in the last week."


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return offered_case(citizen, staff.leader)


def csrf_client(client, user):
    """A client that checks CSRF as a browser's requests are checked."""
    from django.test import Client

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(user)
    return checked


# The person's page


def test_the_application_page_shows_the_offer_with_its_repayments(citizen_client, case):
    response = citizen_client.get(f"/applications/{case.reference}/")
    text = page_text(response)
    assert "Your offer" in text
    assert "We can lend you £464." in text
    assert REPAYMENTS in text
    assert "We pay nothing until you accept." in text
    assert f'href="/applications/{case.reference}/offer/"' in response.content.decode()


def test_the_person_accepts_the_offer_and_the_payment_is_released(citizen_client, case):
    url = f"/applications/{case.reference}/offer/"
    page = citizen_client.get(url)
    text = page_text(page)
    assert REPAYMENTS in text
    assert "We take the repayments from your benefit" in text  # the service's terms
    assert "If you decline" in text and "You will owe nothing." in text
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="answer" type="radio" value="accept"' in html
    response = citizen_client.post(url, {"answer": "accept"})
    assert response.status_code == 302 and response["Location"] == url
    done = page_text(citizen_client.get(url))
    assert "Offer accepted" in done and "The offer was accepted on" in done
    assert PaymentInstruction.objects.get(case=case).status == "pending"
    detail = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "The offer was accepted on" in detail
    assert REPAYMENTS in detail  # still said, for the record
    assert "Offer accepted" in detail and "You accepted the offer." in detail  # the timeline


def test_the_person_declines_the_offer(citizen_client, case):
    url = f"/applications/{case.reference}/offer/"
    response = citizen_client.post(url, {"answer": "decline"})
    assert response.status_code == 302
    text = page_text(citizen_client.get(url))
    assert "Offer declined" in text
    assert "We will not pay you the loan and your application will close." in text
    assert PaymentInstruction.objects.get(case=case).status == "cancelled"


@pytest.mark.parametrize("answer", ["", "maybe", "accept " * 100])
def test_an_answer_must_be_chosen(citizen_client, case, answer):
    response = citizen_client.post(f"/applications/{case.reference}/offer/", {"answer": answer})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Select whether you accept or decline the offer" in html
    assert 'href="#answer"' in html and 'id="answer"' in html
    assert Offer.objects.get(case=case).status == "waiting"


def test_a_double_submit_writes_once_and_a_second_answer_is_refused(citizen_client, case):
    url = f"/applications/{case.reference}/offer/"
    citizen_client.post(url, {"answer": "accept"})
    events = CaseEvent.objects.filter(case=case).count()
    # The same answer again (a double click): the page shows the answer already given.
    again = citizen_client.post(url, {"answer": "accept"})
    assert again.status_code == 302
    assert "Offer accepted" in page_text(citizen_client.get(url))
    # A different answer: refused, nothing changes.
    changed = citizen_client.post(url, {"answer": "decline"})
    assert changed.status_code == 409
    assert "It cannot be answered again." in page_text(changed)
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Offer.objects.get(case=case).status == "accepted"
    assert PaymentInstruction.objects.get(case=case).status == "pending"


def test_the_answer_needs_a_csrf_token(citizen, case):
    checked = csrf_client(None, citizen)
    response = checked.post(f"/applications/{case.reference}/offer/", {"answer": "accept"})
    assert response.status_code == 403
    assert Offer.objects.get(case=case).status == "waiting"


def test_a_representative_who_can_act_answers_for_the_person(client, citizen, case):
    carer = accounts_services.account_for_email(email="jo.carer@example.com")
    people_services.representative_add(
        person=people_services.person_for_account(account=citizen),
        name="Jo Carer",
        email="jo.carer@example.com",
        relationship="carer",
        scope=["view", "act"],
        ends_on=None,
        by=citizen,
    )
    client.force_login(carer)
    url = f"/applications/{case.reference}/offer/"
    assert "For Sam Evans" in page_text(client.get(url))
    assert client.post(url, {"answer": "accept"}).status_code == 302
    offer = Offer.objects.get(case=case)
    assert offer.answered_by == carer
    assert offer.on_behalf_of.account == citizen
    event = CaseEvent.objects.get(case=case, kind="offer_accepted")
    assert (event.actor, event.on_behalf_of) == (carer, offer.on_behalf_of)


def test_a_representative_who_may_only_see_cannot_answer(client, citizen, case):
    viewer = accounts_services.account_for_email(email="val.viewer@example.com")
    people_services.representative_add(
        person=people_services.person_for_account(account=citizen),
        name="Val Viewer",
        email="val.viewer@example.com",
        relationship="family",
        scope=["view"],
        ends_on=None,
        by=citizen,
    )
    client.force_login(viewer)
    detail = client.get(f"/applications/{case.reference}/")
    assert REPAYMENTS in page_text(detail)
    assert f"/applications/{case.reference}/offer/" not in detail.content.decode()
    url = f"/applications/{case.reference}/offer/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "accept"}).status_code == 404
    assert Offer.objects.get(case=case).status == "waiting"


def test_another_citizen_cannot_see_or_answer_the_offer(client, other_citizen, case):
    client.force_login(other_citizen)
    url = f"/applications/{case.reference}/offer/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "decline"}).status_code == 404
    assert Offer.objects.get(case=case).status == "waiting"


def test_an_application_without_an_offer_has_no_offer_page(citizen_client, citizen):
    from tests.test_portal_decisions import submitted

    application = submitted(citizen)
    assert citizen_client.get(f"/applications/{application.reference}/offer/").status_code == 404


def test_an_ended_offer_says_so_and_cannot_be_answered(citizen_client, case):
    import datetime

    from django.utils import timezone

    Offer.objects.filter(case=case).update(
        accept_by=timezone.localdate() - datetime.timedelta(days=1)
    )
    url = f"/applications/{case.reference}/offer/"
    text = page_text(citizen_client.get(url))
    assert "it can no longer be accepted" in text
    assert "Send your answer" not in text
    assert citizen_client.post(url, {"answer": "accept"}).status_code == 409
    assert Offer.objects.get(case=case).status == "waiting"


def test_the_reconsideration_page_warns_that_the_offer_is_withdrawn(citizen_client, case):
    text = page_text(citizen_client.get(f"/applications/{case.reference}/reconsideration/"))
    assert "we withdraw the offer waiting for you" in text


def test_the_offer_is_in_welsh(client, citizen, staff):
    case = offered_case(citizen, staff.leader, language="cy")
    client.force_login(citizen)
    client.cookies["commonweal_language"] = "cy"
    text = page_text(
        client.get(f"/applications/{case.reference}/offer/", HTTP_ACCEPT_LANGUAGE="cy")
    )
    assert "Gallwn fenthyg £464 i chi." in text
    assert "Rydym yn cymryd yr ad-daliadau o'ch budd-dal" in text


# The confirmation page and email


def test_the_confirmation_promises_acceptance_only_where_the_service_needs_it(citizen_client):
    from commonweal.messaging.models import Message
    from tests.journeys import BUDGETING_LOAN, CARERS_GRANT, apply

    loan = page_text(apply(citizen_client, "budgeting-loan", BUDGETING_LOAN))
    assert "You will have 28 days to accept or decline it" in loan
    assert "We pay nothing until you accept." in loan
    email = Message.objects.filter(event="application_received", channel="email").get()
    assert "You will have 28 days to accept or decline it" in email.body
    # A grant paid on approval makes no such promise, on the page or in the email.
    grant = page_text(apply(citizen_client, "carers-grant", CARERS_GRANT))
    assert "Application complete" in grant
    assert "accept" not in grant.lower()
    second = Message.objects.filter(event="application_received", channel="email").exclude(
        pk=email.pk
    )
    assert "accept" not in second.get().body.lower()


# Staff record an answer given by phone


def test_staff_record_an_answer_given_by_phone(client, staff, case):
    client.force_login(staff.caseworker)
    # The offer and its payment are in the case page's payments section.
    page = client.get(f"/staff/cases/{case.reference}/payments/")
    text = page_text(page)
    assert "Offer" in text and "Waiting for the person's answer" in text
    assert REPAYMENTS in text
    assert "Waiting for the person to accept" in text  # the payment
    html = page.content.decode()
    assert '<strong class="govuk-tag govuk-tag--blue">Waiting for the person\'s answer' in html
    assert "&lt;strong" not in html
    url = f"/staff/cases/{case.reference}/do/offer-answer/"
    response = client.post(
        url,
        {"answer": "accept", "how": "phone", "told_by": "Sam Evans", "words": "Yes, I accept."},
    )
    assert response.status_code == 302
    assert response.url == f"/staff/cases/{case.reference}/payments/"
    offer = Offer.objects.get(case=case)
    assert (offer.status, offer.how, offer.told_by, offer.words) == (
        "accepted",
        "phone",
        "Sam Evans",
        "Yes, I accept.",
    )
    assert offer.answered_by == staff.caseworker
    assert PaymentInstruction.objects.get(case=case).status == "pending"
    after = page_text(client.get(f"/staff/cases/{case.reference}/payments/"))
    assert "The offer was accepted by phone on" in after
    assert "Casey Worker, told by Sam Evans" in after
    assert "Record the person's answer" not in after
    history = page_text(client.get(f"/staff/cases/{case.reference}/history/"))
    assert "Accepted by phone, told by Sam Evans: “Yes, I accept.”" in history  # the timeline
    # The person is told in writing, and sees it on their page.
    from commonweal.messaging.models import Message

    assert Message.objects.filter(case=case, event="offer_accepted").exists()


@pytest.mark.parametrize(
    ("data", "error", "anchor"),
    [
        ({"how": "phone", "told_by": "Sam"}, "Select whether the person accepts", "answer"),
        ({"answer": "accept", "told_by": "Sam"}, "Select how the person gave", "how"),
        ({"answer": "accept", "how": "online", "told_by": "Sam"}, "Select how", "how"),
        (
            {"answer": "accept", "how": "phone", "told_by": " "},
            "Say who gave the answer",
            "told_by",
        ),
        (
            {"answer": "accept", "how": "phone", "told_by": "Sam", "words": "x" * 5001},
            "5,000 characters",
            "words",
        ),
    ],
)
def test_a_recorded_answer_is_checked(client, staff, case, data, error, anchor):
    client.force_login(staff.caseworker)
    response = client.post(f"/staff/cases/{case.reference}/do/offer-answer/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert f'href="#offer-answer-{anchor}"' in html
    assert re.search(rf'id="offer-answer-{anchor}"', html)
    assert Offer.objects.get(case=case).status == "waiting"


def test_staff_outside_the_case_cannot_record_an_answer(client, staff, case):
    for user in (staff.other_team, staff.provider):
        client.force_login(user)
        response = client.post(
            f"/staff/cases/{case.reference}/do/offer-answer/",
            {"answer": "decline", "how": "phone", "told_by": "Someone"},
        )
        assert response.status_code in (403, 404)
    assert Offer.objects.get(case=case).status == "waiting"


# The API


def test_a_call_centre_records_an_answer_through_the_api(client, staff, case):
    council = staff.teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["cases:update"]
    )

    def answer(body, key):
        return client.post(
            f"/api/v1/cases/{case.reference}/offer/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    missing = answer({"answer": "accept", "how": "phone"}, "k0")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"].endswith("told_by")
    body = {"answer": "accept", "how": "phone", "told_by": "Sam Evans", "words": "Yes"}
    first = answer(body, "k1")
    assert first.status_code == 200, first.content
    again = answer({**body, "answer": "decline"}, "k2")
    assert again.status_code == 400
    assert "cannot be answered again" in again.json()["errors"][0]["message"]
    offer = Offer.objects.get(case=case)
    assert (offer.status, offer.how, offer.told_by) == ("accepted", "phone", "Sam Evans")
    assert PaymentInstruction.objects.get(case=case).status == "pending"


def test_the_persons_download_has_the_offer_and_what_they_said(client, citizen, staff, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commonweal.people.models import Person
    from commonweal.rights import selectors as rights_selectors

    client.force_login(staff.caseworker)
    client.post(
        f"/staff/cases/{case.reference}/do/offer-answer/",
        {"answer": "decline", "how": "phone", "told_by": "Sam Evans", "words": "Not now."},
    )
    person = Person.objects.get(account=citizen)
    with CaptureQueriesContext(connection) as captured:
        data = rights_selectors.person_export(person=person, language="en")
    [exported] = data["sections"]["cases"]
    offer = exported["decisions"][0]["offer"]
    assert REPAYMENTS in offer["offered"]
    assert offer["status"] == "declined" and offer["what_you_said"] == "Not now."
    assert offer["answer"].startswith("The offer was declined by phone on")
    assert len(captured) == 17  # as docs/data-rights.md says


def test_the_list_of_applications_says_an_offer_is_waiting(citizen_client, case):
    text = page_text(citizen_client.get("/applications/"))
    assert "Offer to answer" in text
    assert "We have made you an offer. Accept or decline it by" in text
    citizen_client.post(f"/applications/{case.reference}/offer/", {"answer": "accept"})
    text = page_text(citizen_client.get("/applications/"))
    assert "Offer to answer" not in text


def test_after_a_decision_the_application_page_still_shows_the_answers(citizen_client, case):
    """The decision's summary once took over the name the answers are shown with, so
    "Your answers" listed the decision's rows instead."""
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    answers = text[text.index("Your answers") :]
    assert "National Insurance number" in answers and "AB 12 34 56 C" in answers
    assert "Date of decision" not in answers
