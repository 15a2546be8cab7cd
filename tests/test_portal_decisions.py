"""What the person sees of a decision on their application, and asking for it to be looked
at again (a mandatory reconsideration), through the pages as they use them."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.accounts import services as accounts_services
from commonweal.cases import services as cases_services
from commonweal.cases.models import Case
from commonweal.catalogue import selectors as catalogue
from commonweal.intake import services as intake_services
from commonweal.messaging import services as messaging_services
from commonweal.organisations import selectors as organisations
from tests.journeys import complete_draft

pytestmark = pytest.mark.django_db

SAVINGS_EN = "You or your partner have more savings than the limit for this loan."
SAVINGS_CY = "Mae gennych chi neu'ch partner fwy o gynilion na'r terfyn ar gyfer y benthyciad hwn."


# Helpers shared with the other portal tests


def submitted(account):
    """A Budgeting Loan application, sent by the account."""
    published = complete_draft(account)
    return intake_services.application_submit(
        account=account, service=published.service, language="en"
    )


def staff_user(email: str = "casey.worker@council.example"):
    return accounts_services.staff_account_set(
        email=email, display_name="Casey Worker", password="not-used-here-1", superuser=False
    )


def decide(
    application,
    by,
    *,
    outcome="refused",
    reasons=("savings-too-high",),
    explanation="We looked at your answers.",
    amount_pence=None,
):
    case = Case.objects.get(pk=application.case.pk)
    if outcome == "approved" and amount_pence is None:
        amount_pence = 40_000  # what the rules work out for the answers the tests send
    return cases_services.case_decide(
        case_id=case.pk,
        outcome=outcome,
        reasons=list(reasons),
        explanation=explanation,
        amount_pence=amount_pence,
        by=by,
        context=organisations.staff_context(user=by),
        revision=case.revision,
    )


def page_text(response) -> str:
    """The page's main content as text, roughly as a person reads it."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def staff(db):
    return staff_user()


# The decision on the application page


def test_the_person_sees_the_outcome_reasons_explanation_and_date(citizen_client, citizen, staff):
    application = submitted(citizen)
    decide(
        application,
        staff,
        explanation="Your savings of £2,000 are over the £1,000 limit.",
    )
    response = citizen_client.get(f"/applications/{application.reference}/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Our decision" in text
    assert "Your application was not successful." in text
    assert SAVINGS_EN in text
    assert "Your savings of £2,000 are over the £1,000 limit." in text
    assert f"Date of decision {timezone.localdate():%-d %B %Y}" in text
    assert "Ask us to look at the decision again" in text
    assert f'href="/applications/{application.reference}/reconsideration/"' in (
        response.content.decode()
    )
    # And on the timeline.
    assert "Decision made" in text


def test_the_answers_are_still_shown_under_a_decision(citizen_client, citizen, staff):
    """The decision's rows (reason, what we said, date) stay in the decision; the person's
    answers, with their values, stay under "Your answers"."""
    application = submitted(citizen)
    decide(application, staff, explanation="Your savings are over the limit.")
    text = page_text(citizen_client.get(f"/applications/{application.reference}/"))
    answers = text[text.index("Your answers") :]
    assert "Date of decision" not in answers
    assert "What we said" not in answers
    assert "Jo Evans" in answers  # the partner's name
    assert "2 High Street" in answers
    assert "Amount asked for £400" in answers
    decision = text[text.index("Our decision") : text.index("Your answers")]
    assert "Your savings are over the limit." in decision


def test_the_timeline_tells_each_thing_once_after_a_decision_and_its_emails(
    citizen_client, citizen, staff
):
    from tests.test_notices import deliver_all

    application = submitted(citizen)
    decide(application, staff)
    deliver_all()  # the receipt and the decision, both by email
    html = citizen_client.get(f"/applications/{application.reference}/").content.decode()
    titles = re.findall(r'<h3 class="app-timeline__title">(.*?)</h3>', html)
    assert [unescape(title) for title in titles] == [
        "We told you about our decision",
        "We confirmed we have your application",
        "Decision made",
        "Application received",
    ]
    # Each email once, under the title that says which it was.
    assert html.count("We sent you an email.") == 2


def test_the_timeline_names_the_offer_an_approved_loan_makes_and_its_email(
    citizen_client, citizen, staff
):
    from tests.test_notices import deliver_all

    application = submitted(citizen)
    decide(application, staff, outcome="approved", reasons=["loan-approved"])
    deliver_all()  # the receipt, and the offer the approval made, both by email
    html = citizen_client.get(f"/applications/{application.reference}/").content.decode()
    titles = [
        unescape(title) for title in re.findall(r'<h3 class="app-timeline__title">(.*?)</h3>', html)
    ]
    assert "We told you about our offer" in titles
    assert titles.count("Decision made") == 1
    assert "Message sent" not in titles  # every email says what it was about
    assert html.count("We sent you an email.") == 2


def test_an_approval_is_said_plainly(citizen_client, citizen, staff):
    application = submitted(citizen)
    decide(application, staff, outcome="approved", reasons=["loan-approved"])
    text = page_text(citizen_client.get(f"/applications/{application.reference}/"))
    assert "Your application was approved." in text
    assert "You can get a Budgeting Loan." in text


def test_the_decision_is_in_welsh_for_a_welsh_reader(citizen_client, citizen, staff):
    application = submitted(citizen)
    decide(application, staff, explanation="Mae eich cynilion yn rhy uchel.")
    citizen_client.cookies["commonweal_language"] = "cy"
    response = citizen_client.get(f"/applications/{application.reference}/")
    text = page_text(response)
    assert '<html lang="cy"' in response.content.decode()
    assert SAVINGS_CY in text
    assert SAVINGS_EN not in text
    assert "Mae eich cynilion yn rhy uchel." in text


def test_a_withdrawn_application_cannot_be_looked_at_again(citizen_client, citizen, staff):
    application = submitted(citizen)
    decide(application, staff, outcome="withdrawn", reasons=["withdrawn-at-request"])
    text = page_text(citizen_client.get(f"/applications/{application.reference}/"))
    assert "Your application was withdrawn." in text
    assert "You asked us to stop your application." in text
    assert "Ask us to look at the decision again" not in text
    url = f"/applications/{application.reference}/reconsideration/"
    shown = citizen_client.get(url)
    assert shown.status_code == 200
    assert "This application was withdrawn." in page_text(shown)
    assert 'name="reason"' not in shown.content.decode()
    refused = citizen_client.post(url, {"reason": "Please look again"})
    assert refused.status_code == 400
    assert "This application was withdrawn." in page_text(refused)


# Asking for the decision to be looked at again


def test_asking_for_a_reconsideration_reopens_the_case_at_review(citizen_client, citizen, staff):
    application = submitted(citizen)
    decide(application, staff)
    url = f"/applications/{application.reference}/reconsideration/"
    form = citizen_client.get(url)
    assert form.status_code == 200
    assert "Why do you think the decision is wrong?" in page_text(form)
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()
    response = citizen_client.post(url, {"reason": "My savings are in a pension I cannot touch."})
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{application.reference}/"
    case = Case.objects.get(pk=application.case.pk)
    assert case.stage == "review"
    assert case.closed_at is None
    text = page_text(citizen_client.get(response["Location"]))
    assert "We have your request. We will look at the decision again." in text
    assert "Looking at the decision again" in text  # the review stage
    assert "You asked us to look at the decision again." in text  # the timeline
    assert "Our earlier decision" in text
    assert "Ask us to look at the decision again" not in text
    # Asking twice is answered, not an error page.
    again = citizen_client.get(url)
    assert again.status_code == 200
    assert "You have already asked us to look at the decision again." in page_text(again)
    twice = citizen_client.post(url, {"reason": "Again"})
    assert twice.status_code == 400
    assert "There is no decision on this application to look at again." in page_text(twice)


def test_an_empty_reason_is_shown_as_an_error(citizen_client, citizen, staff):
    application = submitted(citizen)
    decide(application, staff)
    response = citizen_client.post(
        f"/applications/{application.reference}/reconsideration/", {"reason": "   "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'href="#reason"' in html
    assert "Tell us why you think the decision is wrong." in page_text(response)
    assert "<title>Error:" in html
    assert Case.objects.get(pk=application.case.pk).closed_at is not None


def test_after_the_time_limit_the_request_is_refused_with_the_reason(
    citizen_client, citizen, staff, monkeypatch
):
    application = submitted(citizen)
    days = catalogue.definition_for(application.version).reconsideration_days
    real_now = timezone.now
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: real_now() - datetime.timedelta(days=days + 1))
        decide(application, staff)
    detail = page_text(citizen_client.get(f"/applications/{application.reference}/"))
    assert "Your application was not successful." in detail
    assert "Ask us to look at the decision again" not in detail
    url = f"/applications/{application.reference}/reconsideration/"
    shown = citizen_client.get(url)
    assert shown.status_code == 200
    assert f"It is more than {days} days since the decision" in page_text(shown)
    refused = citizen_client.post(url, {"reason": "I was in hospital."})
    assert refused.status_code == 400
    assert f"It is more than {days} days since the decision" in page_text(refused)
    assert Case.objects.get(pk=application.case.pk).closed_at is not None


def test_no_decision_yet_is_answered_not_an_error(citizen_client, citizen):
    application = submitted(citizen)
    url = f"/applications/{application.reference}/reconsideration/"
    shown = citizen_client.get(url)
    assert shown.status_code == 200
    assert "There is no decision on this application to look at again." in page_text(shown)
    posted = citizen_client.post(url, {"reason": "Too slow"})
    assert posted.status_code == 400
    assert "There is no decision on this application to look at again." in page_text(posted)


# The timeline


def test_the_timeline_shows_updates_messages_and_referrals_in_plain_words(
    citizen_client, citizen, staff
):
    application = submitted(citizen)
    case = application.case
    cases_services.case_note_add(
        case_id=case.pk, text="We have checked your bank details.", for_person=True, by=staff
    )
    cases_services.case_note_add(
        case_id=case.pk, text="Internal: phoned the bank.", for_person=False, by=staff
    )
    cases_services.case_event_record(
        case=case,
        kind="referred",
        by=staff,
        visible_to_person=True,
        data={"organisation_name": "Caerphilly Citizens Advice"},
    )
    cases_services.case_event_record(
        case=case,
        kind="referral_ended",
        by=staff,
        visible_to_person=True,
        data={"organisation_name": "Caerphilly Citizens Advice"},
    )
    messaging_services.thread_message_post(
        case=case, by=citizen, from_staff=False, body="When will I hear?"
    )
    messaging_services.thread_message_post(
        case=case, by=staff, from_staff=True, body="Within two weeks."
    )
    text = page_text(citizen_client.get(f"/applications/{application.reference}/"))
    assert "We have checked your bank details." in text
    assert "Internal: phoned the bank." not in text
    assert "We have asked Caerphilly Citizens Advice to help with your application." in text
    assert "Caerphilly Citizens Advice is no longer helping with your application." in text
    assert "You sent a message" in text
    assert "We sent you a message" in text
    # The content of a message stays on the messages page.
    assert "Within two weeks." not in text


def test_the_status_check_does_not_show_what_staff_wrote(client, citizen, staff):
    application = submitted(citizen)
    cases_services.case_note_add(
        case_id=application.case.pk, text="Your bank is Lloyds.", for_person=True, by=staff
    )
    response = client.post(
        "/check-status/",
        {
            "reference": application.reference,
            "dob-day": "4",
            "dob-month": "11",
            "dob-year": "1979",
            "postcode": "CF83 1AA",
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Update from us" in text
    assert "Your bank is Lloyds." not in text


# Someone else's application


def test_another_citizen_gets_not_found_on_every_page_of_the_case(
    client, citizen, other_citizen, staff
):
    application = submitted(citizen)
    decide(application, staff)
    message = messaging_services.thread_message_post(
        case=application.case,
        by=staff,
        from_staff=True,
        body="See the letter attached.",
        files=[png_upload()],
    )
    attachment = message.attachments.get()
    client.force_login(other_citizen)
    reference = application.reference
    for url in (
        f"/applications/{reference}/",
        f"/applications/{reference}/reconsideration/",
        f"/applications/{reference}/messages/",
        f"/applications/{reference}/messages/attachments/{attachment.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/applications/{reference}/reconsideration/", {"reason": "Not mine"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/applications/{reference}/messages/", {"body": "Not mine"}).status_code == 404
    )
    # Their own application's reference with the other's attachment: still not found.
    own = submitted(other_citizen)
    assert (
        client.get(
            f"/applications/{own.reference}/messages/attachments/{attachment.pk}/"
        ).status_code
        == 404
    )
    assert Case.objects.get(pk=application.case.pk).closed_at is not None


def png_upload(name: str = "letter.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, TINY_PNG, content_type="image/png")


# A 1 by 1 pixel PNG.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


# Query counts


def _queries(client, url: str) -> int:
    catalogue.published_cache_clear()
    catalogue.definitions_cache_clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def test_the_application_page_costs_the_same_however_long_its_history(
    citizen_client, citizen, staff
):
    application = submitted(citizen)
    decide(application, staff)
    url = f"/applications/{application.reference}/"
    few = _queries(citizen_client, url)
    cases_services.case_reconsideration_request(
        case_id=application.case.pk, by=citizen, reason="Please look again"
    )
    for index in range(6):
        messaging_services.thread_message_post(
            case=application.case, by=staff, from_staff=True, body=f"Message {index}"
        )
        cases_services.case_note_add(
            case_id=application.case.pk, text=f"Update {index}", for_person=True, by=staff
        )
    assert _queries(citizen_client, url) <= few


def test_the_applications_list_costs_the_same_however_many_there_are(
    citizen_client, citizen, staff
):
    first = submitted(citizen)
    messaging_services.thread_message_post(case=first.case, by=staff, from_staff=True, body="Hello")
    one = _queries(citizen_client, "/applications/")
    for _ in range(5):
        application = submitted(citizen)
        decide(application, staff)
        messaging_services.thread_message_post(
            case=application.case, by=staff, from_staff=True, body="Hello"
        )
    assert _queries(citizen_client, "/applications/") == one
