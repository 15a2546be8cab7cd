"""The citizen journey through the Django test client: what a person sees and what is kept."""

import datetime

import pytest
from django.urls import reverse

from commonweal.cases.models import Case, CaseEvent
from commonweal.core.working_days import add_working_days
from commonweal.intake.models import Application
from commonweal.messaging.models import Message
from commonweal.people.models import Person, PersonChange
from commonweal.rights.models import Consent
from tests.journeys import BUDGETING_LOAN, answer_eligibility, apply, complete_pages, path_of

pytestmark = pytest.mark.django_db


def application_reference() -> str:
    return Application.objects.get(status="submitted").reference


def test_service_list_links_every_published_service(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Apply for a Budgeting Loan" in html
    assert reverse("portal:service-start", args=["budgeting-loan"]) in html


def test_start_page_shows_other_ways_to_apply(client):
    html = client.get("/services/budgeting-loan/").content.decode()
    assert "Other ways to apply" in html
    assert "0800 169 0140" in html
    assert "Monday to Friday, 8am to 6pm" in html


def test_not_eligible_answer_ends_on_a_page_that_says_why_and_where_to_get_help(client):
    response = client.post(
        "/services/budgeting-loan/eligibility/universal-credit/", {"answer": "yes"}, follow=True
    )
    html = response.content.decode()
    assert path_of(response) == "/services/budgeting-loan/not-eligible/universal-credit/"
    assert "You cannot get a Budgeting Loan" in html
    assert "Budgeting Advance" in html
    assert "https://www.gov.uk/universal-credit/other-financial-support" in html


def test_eligibility_question_without_an_answer_shows_the_govuk_error(client):
    response = client.post("/services/budgeting-loan/eligibility/universal-credit/", {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select yes if you get Universal Credit" in html
    assert 'href="#answer"' in html
    assert "<title>Error:" in html


def test_eligibility_cannot_be_skipped_by_changing_the_address(client):
    response = client.get("/services/budgeting-loan/eligibility/existing-debt/")
    assert response.status_code == 302
    assert response["Location"].endswith("/eligibility/universal-credit/")


def test_applying_needs_sign_in_and_comes_back_after_it(client):
    answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    response = client.get("/services/budgeting-loan/apply/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


def test_whole_application_creates_one_case_with_its_first_event_and_message(citizen_client):
    response = apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    html = response.content.decode()
    application = Application.objects.get(status="submitted")
    assert application.reference in html
    assert "Application complete" in html
    assert application.reference.startswith("BL-")
    assert application.version.status == "published"

    case = Case.objects.get()
    assert case.reference == application.reference
    assert case.stage == "received"
    opened = case.opened_at.astimezone(datetime.UTC).date()
    assert case.due_date >= add_working_days(opened, 10) - datetime.timedelta(days=1)

    event = CaseEvent.objects.get()
    assert event.kind == "submitted" and event.visible_to_person

    message = Message.objects.get()
    assert message.status == "queued"
    assert application.reference in message.subject
    assert message.to_address == "sam.evans@example.com"

    # The answers kept are the normalised snapshot.
    answers = application.answers
    assert answers["ni-number"] == "AB123456C"
    assert answers["address"]["postcode"] == "CF83 1AA"
    assert answers["bank-details"]["sort_code"] == "309430"
    assert answers["amount"] == "400.00"
    assert answers["purpose"] == ["furniture", "clothes"]


def test_submitting_updates_the_person_record_and_records_each_change(citizen_client, citizen):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    person = Person.objects.get(account=citizen)
    assert person.full_name == "Sam Evans"
    assert person.date_of_birth == datetime.date(1979, 11, 4)
    assert person.address_postcode == "CF83 1AA"
    assert person.preferred_contact == "email"
    change = PersonChange.objects.filter(person=person).first()
    assert {"given_name", "family_name", "date_of_birth", "ni_number", "address_postcode"} <= set(
        change.fields
    )
    assert change.fields["ni_number"] == ["", "AB123456C"]
    assert change.changed_by == citizen
    reference = Application.objects.get(status="submitted").reference
    assert "Budgeting Loan" in change.reason and reference in change.reason


def test_a_hidden_page_is_not_asked_and_its_answer_is_not_kept(citizen_client):
    pages = dict(BUDGETING_LOAN["pages"])
    pages["partner"] = {"has-partner": "no"}
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    response = complete_pages(citizen_client, "budgeting-loan", pages)
    assert "Partner’s name" not in response.content.decode()
    citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    assert "partner-name" not in Application.objects.get().answers


def _questions_asked(client, pages: dict) -> list[tuple[str, str]]:
    """Walk the Budgeting Loan's pages as complete_pages does, noting each page's id and its
    main text as the person reads it, until "Check your answers"."""
    import re
    from html import unescape

    from django.urls import resolve

    asked = []
    response = client.get("/services/budgeting-loan/apply/", follow=True)
    while resolve(path_of(response)).url_name != "check-answers":
        if resolve(path_of(response)).url_name == "confirm-details":
            response = client.post(path_of(response), follow=True)
            continue
        page_id = resolve(path_of(response)).kwargs["page_id"]
        html = response.content.decode()
        main = html[html.index("<main") : html.index("</main>")]
        asked.append((page_id, " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())))
        response = client.post(path_of(response), pages[page_id], follow=True)
        assert response.status_code == 200, response.content.decode()[:2000]
    return asked


def test_someone_without_a_partner_is_never_asked_about_one(citizen_client):
    pages = dict(BUDGETING_LOAN["pages"])
    pages["partner"] = {"has-partner": "no"}
    pages["single-savings"] = {"single-savings": "1300"}
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    asked = _questions_asked(citizen_client, pages)
    after = asked[[page_id for page_id, _text in asked].index("partner") + 1 :]
    assert [page_id for page_id, _text in after][:2] == ["single-child-benefit", "single-savings"]
    for page_id, text in after:
        assert "partner" not in text.lower(), (page_id, text)
    texts = dict(after)
    assert "Do you get Child Benefit?" in texts["single-child-benefit"]
    assert "How much do you have in savings?" in texts["single-savings"]
    # What they said about themselves is what the rules read: £300 over the allowance.
    citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    answers = Application.objects.get().answers
    assert answers["single-savings"] == "1300.00" and "savings" not in answers
    from commonweal.rules import engine

    found = engine.evaluate(
        catalogue_definition(),
        answers=answers,
        eligibility_answers=Application.objects.get().eligibility_answers,
        today=datetime.date(2026, 1, 5),
    )
    assert found["entitlement"]["maximum"] == 34800 - 30000


def test_someone_with_a_partner_is_asked_about_the_two_of_them(citizen_client):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    asked = dict(_questions_asked(citizen_client, BUDGETING_LOAN["pages"]))
    assert "Do you or your partner get Child Benefit?" in asked["child-benefit"]
    assert "How much do you and your partner have in savings?" in asked["savings"]
    assert "single-child-benefit" not in asked and "single-savings" not in asked


def catalogue_definition():
    from commonweal.catalogue import selectors as catalogue

    return catalogue.published_service(slug="budgeting-loan").definition


def test_the_bank_details_page_shows_every_error_at_once(citizen_client):
    """A wrong sort code and a wrong account number: both in the error summary, each
    linking to its own field, and each field with its own message."""
    import re

    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    pages = {**BUDGETING_LOAN["pages"]}
    citizen_client.get("/services/budgeting-loan/apply/")
    for page_id in list(pages)[: list(pages).index("bank-details")]:
        if page_id in ("single-child-benefit", "single-savings"):
            continue
        citizen_client.post(f"/services/budgeting-loan/apply/{page_id}/", pages[page_id])
    response = citizen_client.post(
        "/services/budgeting-loan/apply/bank-details/",
        {
            "bank-details-name": "S Evans",
            "bank-details-sort-code": "30-94",
            "bank-details-account-number": "12AB5678",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index("govuk-error-summary__list") :]
    summary = summary[: summary.index("</ul>")]
    assert re.findall(r'<a href="#([\w-]+)">\s*(.*?)\s*</a>', summary) == [
        ("bank-details-sort-code", "Enter a valid sort code like 309430"),
        ("bank-details-account-number", "Enter a valid account number like 00733445"),
    ]
    for field, message in (
        ("bank-details-sort-code", "Enter a valid sort code like 309430"),
        ("bank-details-account-number", "Enter a valid account number like 00733445"),
    ):
        assert re.search(
            rf'<p id="{field}-error" class="govuk-error-message">\s*'
            rf'<span class="govuk-visually-hidden">Error:</span> {message}\s*</p>',
            html,
        ), field
        assert re.search(rf'<input\s[^>]*class="[^"]*govuk-input--error[^"]*" id="{field}"', html)
    assert "bank-details-name-error" not in html
    # What was typed is kept, to correct.
    assert 'value="30-94"' in html and 'value="12AB5678"' in html


def test_changing_an_answer_can_reveal_a_page_that_is_then_asked(citizen_client):
    pages = dict(BUDGETING_LOAN["pages"])
    pages["partner"] = {"has-partner": "no"}
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    complete_pages(citizen_client, "budgeting-loan", pages)
    response = citizen_client.post(
        "/services/budgeting-loan/apply/partner/?change=1", {"has-partner": "yes"}
    )
    assert response["Location"] == "/services/budgeting-loan/apply/partner-name/"


def test_pages_cannot_be_skipped_by_changing_the_address(citizen_client):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    citizen_client.get("/services/budgeting-loan/apply/")
    response = citizen_client.get("/services/budgeting-loan/apply/bank-details/")
    assert response.status_code == 302
    assert response["Location"] == "/services/budgeting-loan/apply/name/"
    response = citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    assert response.status_code == 302
    assert Application.objects.get().status == "draft"


def test_pressing_accept_and_send_twice_creates_one_case(citizen_client):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    complete_pages(citizen_client, "budgeting-loan", BUDGETING_LOAN["pages"])
    first = citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    second = citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert Message.objects.count() == 1


def test_second_application_asks_before_offering_the_details_held(citizen_client, citizen):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    # The same person applies again (a new draft of the same service). Nobody has asked
    # whether their details may be used, so the journey asks before offering them.
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    response = citizen_client.get("/services/budgeting-loan/apply/", follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/use-details-we-hold/"
    html = response.content.decode()
    assert "Can we use the details we already hold about you?" in html
    assert "your name, your date of birth, your National Insurance number, your address" in html
    assert "we will ask you for them again" in html
    assert "AB 12 34 56 C" not in html, "nothing held is shown before they say yes"
    # The details cannot be reached round the question.
    assert citizen_client.get("/services/budgeting-loan/apply/confirm-your-details/")[
        "Location"
    ].endswith("/use-details-we-hold/")
    missing = citizen_client.post(path_of(response), {})
    assert missing.status_code == 400
    assert "Select yes if we can use the details we hold" in missing.content.decode()
    response = citizen_client.post(path_of(response), {"reuse": "yes"}, follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/confirm-your-details/"
    consent = Consent.objects.get(purpose="answer_reuse")
    assert consent.given and consent.method == "online" and consent.recorded_by == citizen
    assert consent.words.startswith("Can we use the details we already hold about you?")
    assert "your National Insurance number" in consent.words
    html = response.content.decode()
    assert "Check the details we hold" in html
    assert "AB 12 34 56 C" in html and "CF83 1AA" in html
    response = citizen_client.post(path_of(response), follow=True)
    # Name, date of birth, NI number and address were confirmed, not asked again.
    assert path_of(response) == "/services/budgeting-loan/apply/partner/"
    draft = Application.objects.get(status="draft")
    assert draft.answers["ni-number"] == "AB123456C"
    assert {"given_name", "ni_number", "address"} <= set(draft.confirmed_details)


def test_saying_no_to_reusing_details_asks_every_question_and_is_asked_once(citizen_client):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    citizen_client.get("/services/budgeting-loan/apply/")
    response = citizen_client.post(
        "/services/budgeting-loan/apply/use-details-we-hold/", {"reuse": "no"}, follow=True
    )
    assert path_of(response) == "/services/budgeting-loan/apply/name/"
    assert 'value="Sam"' not in response.content.decode(), "nothing is filled in from the record"
    assert Consent.objects.get(purpose="answer_reuse").given is False
    # Their answer holds for the next application: it is not asked again.
    citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    Application.objects.filter(status="draft").delete()
    response = citizen_client.get("/services/budgeting-loan/apply/", follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/name/"
    assert Consent.objects.filter(purpose="answer_reuse").count() == 1


def test_saving_and_coming_back_keeps_the_answers(citizen_client):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    citizen_client.get("/services/budgeting-loan/apply/")
    response = citizen_client.post(
        "/services/budgeting-loan/apply/name/",
        {"given-name": "Sam", "family-name": "Evans", "action": "save"},
    )
    assert response["Location"] == "/services/budgeting-loan/apply/saved/"
    citizen_client.logout()
    html = citizen_client.get("/services/budgeting-loan/apply/saved/", follow=True)
    assert "/sign-in/" in path_of(html)


def test_other_people_cannot_see_an_application(citizen_client, client, other_citizen):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    reference = Application.objects.get().reference
    client.force_login(other_citizen)
    for url in (f"/applications/{reference}/", f"/applications/{reference}/confirmation/"):
        assert client.get(url).status_code == 404
    assert reference not in client.get("/applications/").content.decode()


def test_application_list_and_timeline_show_where_the_application_is(citizen_client):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    reference = Application.objects.get().reference
    html = citizen_client.get("/applications/").content.decode()
    assert reference in html
    assert "Application received" in html
    assert "We have your application and will start checking it soon." in html
    html = citizen_client.get(f"/applications/{reference}/").content.decode()
    assert "What has happened" in html
    assert "We received your application." in html
    assert "We aim to make a decision by" in html


def test_confirmation_message_is_sent_by_the_worker_and_shown_on_the_timeline(
    citizen_client, run_tasks, mailoutbox
):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    run_tasks()
    reference = Application.objects.get().reference
    # The first email is the confirmation (the automated checks that follow may approve the
    # loan, and that decision is told in a second one).
    assert reference in mailoutbox[0].subject
    assert "What happens next" in mailoutbox[0].body
    assert Message.objects.get(event="application_received").status == "sent"
    html = citizen_client.get(f"/applications/{reference}/").content.decode()
    assert "We sent you an email." in html


def test_check_status_without_signing_in(citizen_client, client):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    reference = Application.objects.get().reference
    good = {
        "reference": reference.lower().replace("-", " "),
        "dob-day": "4",
        "dob-month": "11",
        "dob-year": "1979",
        "postcode": "cf831aa",
    }
    response = client.post("/check-status/", good)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Application received" in html and reference in html


@pytest.mark.parametrize(
    "change",
    [
        {"postcode": "CF83 1AB"},
        {"dob-day": "5"},
        {"reference": "BL-2222-2222"},
    ],
)
def test_check_status_with_wrong_details_reveals_nothing(citizen_client, client, change):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    reference = Application.objects.get().reference
    details = {
        "reference": reference,
        "dob-day": "4",
        "dob-month": "11",
        "dob-year": "1979",
        "postcode": "CF83 1AA",
        **change,
    }
    response = client.post("/check-status/", details)
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find an application with those details" in html
    assert "Application received" not in html


def test_check_status_explains_each_missing_field(client):
    response = client.post("/check-status/", {"reference": "", "postcode": "nonsense"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter your application reference" in html
    assert "Enter a real date of birth" in html
    assert "Enter a real postcode" in html


def test_a_page_sent_from_a_second_tab_after_submitting_goes_to_the_applications(
    citizen_client,
):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    complete_pages(citizen_client, "budgeting-loan", BUDGETING_LOAN["pages"])
    draft = Application.objects.get()
    citizen_client.post("/services/budgeting-loan/apply/check-your-answers/")
    # The other tab still shows a question page of the draft that is now sent.
    from commonweal.catalogue import selectors as catalogue
    from commonweal.intake import services

    page = catalogue.definition_for(draft.version).page("savings")
    with pytest.raises(services.DraftNotFound):
        services.application_page_save(
            application_id=draft.pk, account=draft.account, page=page, values={"savings": "1"}
        )
    assert Application.objects.get().answers["savings"] == "250.00"


def test_save_and_come_back_later_keeps_ticked_boxes(citizen_client):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    citizen_client.get("/services/budgeting-loan/apply/")
    for page_id, answers in BUDGETING_LOAN["pages"].items():
        if page_id == "purpose":
            break
        citizen_client.post(f"/services/budgeting-loan/apply/{page_id}/", answers)
    response = citizen_client.post(
        "/services/budgeting-loan/apply/purpose/", {"purpose": ["rent"], "action": "save"}
    )
    assert response["Location"] == "/services/budgeting-loan/apply/saved/"
    assert Application.objects.get().answers["purpose"] == ["rent"]
