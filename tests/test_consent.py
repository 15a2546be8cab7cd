"""Consent that is real: every purpose starts unasked and counts as no; the person answers in
plain words, on a page that says what happens if they say no; their answer is kept with
when, how, who recorded it and the words they were shown; a referral that needs their yes
waits for it or shares the summary only."""

import io
import json
import re
from html import unescape

import pypdf
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import translation

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent, Referral, Task
from commonweal.core.jinja import datetime_long
from commonweal.intake import selectors as intake_selectors
from commonweal.messaging.models import Notice
from commonweal.organisations import selectors as organisations
from commonweal.people.models import Person
from commonweal.rights import selectors, services
from commonweal.rights.models import Consent, ConsentRequest
from tests.journeys import BUDGETING_LOAN, answer_eligibility, path_of
from tests.test_data_rights import made_pdf
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return submit_case(citizen)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def refer_to_provider(case, staff, scope=("person", "answers")):
    case = Case.objects.get(pk=case.pk)
    return cases_services.case_refer(
        case_id=case.pk,
        organisation_id=staff.teams["provider"].organisation_id,
        scope=list(scope),
        reason="Help with furniture",
        by=staff.caseworker,
        context=organisations.staff_context(user=staff.caseworker),
        revision=case.revision,
    )


def say(person, purpose: str, given: bool, by, method: str = "online") -> Consent:
    return services.consent_record(
        person=person, purpose=purpose, given=given, method=method, by=by, words="Asked."
    )


def provider_sees(case, staff) -> bool:
    context = organisations.staff_context(user=staff.provider)
    return cases_selectors.case_for_staff(context=context, reference=case.reference) is not None


# Nothing is assumed


def test_nobody_has_been_asked_and_not_asked_counts_as_no(citizen, case, staff):
    person = case.person
    assert not selectors.provider_sharing_allowed(person_id=person.pk)
    assert not selectors.answer_reuse_allowed(person_id=person.pk)
    assert intake_selectors.person_details_for(account=citizen) == {}, "nothing offered yet"
    assert intake_selectors.person_details_for(account=citizen).awaiting_answer["ni_number"]
    # A provider cannot be sent their details; the summary alone can go.
    with pytest.raises(cases_services.CaseActionRefused, match="not said yes"):
        refer_to_provider(case, staff)
    summary_only = refer_to_provider(case, staff, scope=())
    assert summary_only.scope == [] and provider_sees(case, staff)
    # A referral to another public body is not a matter for this consent.
    assert not Consent.objects.exists()


def test_the_data_page_says_we_have_not_asked_never_yes(citizen_client, case):
    text = page_text(citizen_client.get("/account/your-data/"))
    assert "You have not told us yet" not in text
    assert text.count("We have not asked you.") == 3
    assert text.count("Not asked") == 3
    assert "Until you say yes, we treat it as no." in text
    cards = re.findall(
        r'id="consent-(\w+)".*?govuk-tag[^"]*">\s*([^<]+?)\s*<',
        citizen_client.get("/account/your-data/").content.decode(),
        re.S,
    )
    assert dict(cards) == {
        "provider_sharing": "Not asked",
        "answer_reuse": "Not asked",
        "research_contact": "Not asked",
    }


# The person answers


def test_the_person_answers_on_a_page_that_explains_the_alternative(citizen_client, citizen):
    url = "/account/your-data/consents/provider_sharing/"
    page = citizen_client.get(url)
    text = page_text(page)
    assert "Can we share your details with organisations that help?" in text
    assert "If you say no, we will not share your details with them" in text
    html = page.content.decode()
    assert 'type="radio"' in html and 'name="given"' in html
    missing = citizen_client.post(url, {})
    assert missing.status_code == 400
    assert "govuk-error-summary" in missing.content.decode() and "Select yes or no" in page_text(
        missing
    )
    assert not Consent.objects.exists()
    response = citizen_client.post(url, {"given": "yes"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.given and consent.method == "online" and consent.recorded_by == citizen
    assert consent.language == "en"
    # The words kept are the words on the page.
    assert consent.words.startswith("Can we share your details with organisations that help?")
    for paragraph in consent.words.split("\n\n")[1:]:
        assert paragraph in text
    data_page = page_text(citizen_client.get("/account/your-data/"))
    when = datetime_long(consent.created_at)
    assert f"You said yes on {when}, online." in data_page
    assert "If you say no, we will not share your details with them" in data_page


def test_answers_are_appended_and_a_double_click_records_one(citizen_client, citizen):
    person = Person.objects.get(account=citizen)
    url = "/account/your-data/consents/research_contact/"
    for _ in range(2):
        citizen_client.post(url, {"given": "yes"})
    assert Consent.objects.filter(person=person).count() == 1
    citizen_client.post(url, {"given": "no"})
    history = list(Consent.objects.filter(person=person).order_by("sequence"))
    assert [c.given for c in history] == [True, False]
    with pytest.raises(ValueError):
        history[0].save()
    text = page_text(citizen_client.get("/account/your-data/"))
    assert f"You said no on {datetime_long(history[1].created_at)}, online." in text
    assert f"You said yes on {datetime_long(history[0].created_at)}, online." in text  # earlier


def test_answers_stay_append_only_in_the_database(citizen, case):
    """Adding the words to the table rebuilds it on SQLite: its triggers are made again."""
    consent = say(case.person, "research_contact", True, citizen)
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(given=False, words="Changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk)._raw_delete(connection.alias)
    consent.refresh_from_db()
    assert consent.given and consent.words == "Asked."


def test_in_welsh_the_words_kept_are_welsh(citizen_client):
    citizen_client.cookies["commonweal_language"] = "cy"
    citizen_client.post("/account/your-data/consents/research_contact/", {"given": "yes"})
    consent = Consent.objects.get()
    assert consent.language == "cy"
    with translation.override("cy"):
        question = translation.gettext("Can we contact you to take part in research?")
    assert question != "Can we contact you to take part in research?"
    assert consent.words.startswith(question)


def test_consent_page_refuses_unknown_purposes_and_needs_csrf(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.get("/account/your-data/consents/selling/").status_code == 404
    refused = client.post("/account/your-data/consents/research_contact/", {"given": "yes"})
    assert refused.status_code == 403
    assert not Consent.objects.exists()


def test_the_download_holds_every_answer_with_its_words(
    citizen_client, citizen, case, staff, run_tasks, django_capture_on_commit_callbacks
):
    say(case.person, "research_contact", True, citizen)
    say(case.person, "research_contact", False, staff.caseworker, method="phone")
    data = json.loads(citizen_client.get("/account/your-data/download.json").content)
    research = next(c for c in data["sections"]["consents"] if c["purpose"] == "research_contact")
    assert research["answer_now"] == "no"
    assert [(row["answer"], row["how"]) for row in research["history"]] == [
        ("yes", "online"),
        ("no", "phone"),
    ]
    assert research["history"][0]["recorded_by"] == "you"
    assert research["history"][1]["recorded_by"] == "Casey Worker"
    assert research["history"][0]["words_shown"] == "Asked."
    sharing = next(c for c in data["sections"]["consents"] if c["purpose"] == "provider_sharing")
    assert sharing["answer_now"] == "not asked" and sharing["history"] == []
    pdf = made_pdf(citizen_client, run_tasks, django_capture_on_commit_callbacks)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Your consents" in text and "not asked" in text and "Casey Worker" in text


# Sharing with a provider


def test_saying_no_ends_provider_referrals_at_once(citizen, case, staff):
    say(case.person, "provider_sharing", True, citizen)
    referral = refer_to_provider(case, staff)
    assert provider_sees(case, staff)
    person_client = logged_in(citizen)
    response = person_client.post("/account/your-data/consents/provider_sharing/", {"given": "no"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.ended_at is not None
    ended = CaseEvent.objects.get(case=case, kind="referral_ended")
    assert ended.data["reason"] == "consent_withdrawn" and ended.visible_to_person
    assert not provider_sees(case, staff)
    with pytest.raises(cases_services.CaseActionRefused, match="not said yes"):
        refer_to_provider(case, staff)
    page = logged_in(staff.caseworker).get(f"/staff/cases/{case.reference}/")
    assert 'id="consent-withdrawn"' in page.content.decode()
    person_client.post("/account/your-data/consents/provider_sharing/", {"given": "yes"})
    assert refer_to_provider(case, staff).ended_at is None
    assert Referral.objects.filter(case=case).count() == 2


def test_the_refer_form_shows_where_the_person_stands(citizen, case, staff):
    caseworker = logged_in(staff.caseworker)
    # The refer form is in the case page's access section.
    text = page_text(caseworker.get(f"/staff/cases/{case.reference}/access/"))
    assert "They have not been asked." in text
    assert "Ask them first, then refer" in text and "Record their answer" in text
    consent = say(case.person, "provider_sharing", True, staff.caseworker, method="phone")
    text = page_text(caseworker.get(f"/staff/cases/{case.reference}/access/"))
    assert f"They said yes on {datetime_long(consent.created_at)}, by phone." in text
    assert "Recorded by Casey Worker." in text
    assert "Ask them first, then refer" not in text


def test_a_referral_made_before_consent_was_asked_is_flagged(citizen, case, staff):
    # As an upgrade finds it: a referral sharing their details, and no answer on record.
    Referral.objects.create(
        case=case,
        organisation_id=staff.teams["provider"].organisation_id,
        scope=["person"],
        reason="Before consent was asked",
        referred_by=staff.caseworker,
        created_at=case.opened_at,
    )
    html = logged_in(staff.caseworker).get(f"/staff/cases/{case.reference}/").content.decode()
    assert "app-sharing-without-consent" in html
    assert "can see their details, but they have not said yes" in unescape(html)


def test_the_team_records_the_answer_given_by_phone_with_the_words_read(citizen, case, staff):
    person = case.person
    Person.objects.filter(pk=person.pk).update(language="cy")
    url = f"/staff/cases/{case.reference}/consents/provider_sharing/"
    caseworker = logged_in(staff.caseworker)
    page = caseworker.get(url)
    assert page.status_code == 200
    with translation.override("cy"):
        welsh = translation.gettext("Can we share your details with organisations that help?")
    assert welsh in unescape(page.content.decode()), "read in the person's language"
    with translation.override("cy"):
        yes = translation.gettext("Yes, you can share my details")
    assert f'<span lang="cy">{yes}</span>' in unescape(page.content.decode())
    refused = caseworker.post(url, {"given": "yes"})
    assert refused.status_code == 400 and "Select how they told us" in page_text(refused)
    response = caseworker.post(url, {"given": "yes", "method": "phone", "note": "Rang us"})
    assert response.status_code == 302
    # Back to the case page's access section, where the answer is shown by the refer form.
    assert response["Location"] == f"/staff/cases/{case.reference}/access/"
    consent = Consent.objects.get()
    assert (consent.given, consent.method, consent.language) == (True, "phone", "cy")
    assert consent.recorded_by == staff.caseworker and consent.note == "Rang us"
    assert consent.words.startswith(welsh)
    # The person sees who recorded it, and how.
    text = page_text(logged_in(citizen).get("/account/your-data/"))
    assert "by phone. Recorded by Casey Worker." in text
    # A provider or another team cannot record consent on the case.
    assert logged_in(staff.provider).get(url).status_code == 404
    assert logged_in(staff.other_team).get(url).status_code == 404
    assert caseworker.get(f"/staff/cases/{case.reference}/consents/selling/").status_code == 404


def ask_then_refer(case, staff, **changes):
    form = {
        "organisation": str(staff.teams["provider"].organisation_id),
        "scope": ["person", "answers"],
        "reason": "Help with furniture",
        "revision": str(Case.objects.get(pk=case.pk).revision),
        "then": "ask",
        **changes,
    }
    return logged_in(staff.caseworker).post(f"/staff/cases/{case.reference}/do/refer/", form)


def test_asking_the_person_makes_the_referral_wait_for_their_yes(citizen, case, staff):
    response = ask_then_refer(case, staff)
    assert response.status_code == 302
    assert ask_then_refer(case, staff).status_code == 302  # a second click asks once
    request = ConsentRequest.objects.get()
    assert request.outcome == "waiting" and request.scope == ["person", "answers"]
    assert not Referral.objects.exists() and not provider_sees(case, staff)
    notice = Notice.objects.get(event="consent_asked")
    assert notice.person_id == case.person_id
    assert notice.data["provider"] == "Care and Repair Cymru"
    assert notice.data["url"].endswith("/account/your-data/consents/provider_sharing/")
    assert response.url == f"/staff/cases/{case.reference}/access/"
    page = page_text(logged_in(staff.caseworker).get(response.url))
    assert "Waiting for their answer: a referral to Care and Repair Cymru" in page

    person_client = logged_in(citizen)
    data_page = page_text(person_client.get("/account/your-data/"))
    assert "Care and Repair Cymru would like to help with your application" in data_page
    question = page_text(person_client.get("/account/your-data/consents/provider_sharing/"))
    assert (
        f"We would like Care and Repair Cymru to help with your application {case.reference}"
        in question
    )
    assert (
        "They would see: your name and contact details and your answers on the application."
        in question
    )
    assert "You can contact them yourself: 0808 157 0192" in question
    person_client.post("/account/your-data/consents/provider_sharing/", {"given": "yes"})

    referral = Referral.objects.get()
    assert referral.scope == ["person", "answers"] and referral.referred_by == staff.caseworker
    event = CaseEvent.objects.get(case=case, kind="referred")
    assert event.data["after_consent"] == Consent.objects.get().pk and event.visible_to_person
    request.refresh_from_db()
    assert request.outcome == "referred" and request.answer == Consent.objects.get()
    assert provider_sees(case, staff)
    assert "Care and Repair Cymru" in Consent.objects.get().words


def test_a_no_leaves_the_waiting_referral_unmade_and_tells_the_team(citizen, case, staff):
    ask_then_refer(case, staff)
    logged_in(citizen).post("/account/your-data/consents/provider_sharing/", {"given": "no"})
    assert not Referral.objects.exists()
    request = ConsentRequest.objects.get()
    assert request.outcome == "refused" and request.answer.given is False
    task = Task.objects.get(case=case)
    assert "said no to sharing their details with Care and Repair Cymru" in task.title
    assert task.assigned_to == staff.caseworker


def test_asking_needs_a_provider_and_something_to_share(citizen, case, staff):
    council = str(staff.teams["financial-support"].organisation_id)
    refused = ask_then_refer(case, staff, organisation=council)
    assert refused.status_code == 400 and "Choose a charity or contractor" in page_text(refused)
    nothing = ask_then_refer(case, staff, scope=[])
    assert nothing.status_code == 400 and "summary only needs no consent" in page_text(nothing)
    say(case.person, "provider_sharing", True, citizen)
    already = ask_then_refer(case, staff)
    assert already.status_code == 400 and "already said yes" in page_text(already)
    assert (
        not ConsentRequest.objects.exists()
        and not Notice.objects.filter(event="consent_asked").exists()
    )


def test_the_team_can_stop_waiting(citizen, case, staff):
    ask_then_refer(case, staff)
    request = ConsentRequest.objects.get()
    url = f"/staff/cases/{case.reference}/consents/"
    caseworker = logged_in(staff.caseworker)
    assert "Stop waiting" in page_text(caseworker.get(url))
    assert caseworker.post(url, {"request": "999999"}).status_code == 404
    assert logged_in(staff.other_team).post(url, {"request": request.pk}).status_code == 404
    stopped = caseworker.post(url, {"request": request.pk}, follow=True)
    assert stopped.redirect_chain[0][1] == 302
    assert "Stopped waiting. The case was not referred." in page_text(stopped)
    request.refresh_from_db()
    assert request.outcome == "cancelled" and request.closed_by == staff.caseworker
    # A second click finds nothing waiting and says so, as a notice, not as a success.
    again = caseworker.post(url, {"request": request.pk}, follow=True)
    text = page_text(again)
    assert "This request has already been answered." in text
    assert "Stopped waiting" not in text and "Success" not in text and "Important" in text
    # Their yes later does not make the referral nobody is waiting for.
    logged_in(citizen).post("/account/your-data/consents/provider_sharing/", {"given": "yes"})
    assert not Referral.objects.exists()


def test_a_yes_after_the_case_closed_makes_no_referral(citizen, case, staff):
    ask_then_refer(case, staff)
    Case.objects.filter(pk=case.pk).update(closed_at=case.opened_at, outcome="approved")
    logged_in(citizen).post("/account/your-data/consents/provider_sharing/", {"given": "yes"})
    assert not Referral.objects.exists()
    assert ConsentRequest.objects.get().outcome == "not_referred"


def test_retention_takes_consent_requests_with_the_case(citizen, case, staff):
    import datetime

    from django.utils import timezone

    ask_then_refer(case, staff)
    Case.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=2200), outcome="refused"
    )
    services.retention_run()
    assert not ConsentRequest.objects.exists()
    assert not Consent.objects.filter(person_id=case.person_id).exists()


# Reusing answers


def test_saying_no_to_reuse_stops_details_being_offered(citizen, case):
    say(case.person, "answer_reuse", True, citizen)
    assert intake_selectors.person_details_for(account=citizen)
    say(case.person, "answer_reuse", False, citizen)
    held = intake_selectors.person_details_for(account=citizen)
    assert held == {} and held.awaiting_answer == {}, "no is not asked again"


def test_after_saying_no_to_reuse_the_journey_asks_every_question_again(citizen_client, case):
    citizen_client.post("/account/your-data/consents/answer_reuse/", {"given": "no"})
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    response = citizen_client.get("/services/budgeting-loan/apply/", follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/name/"
    assert "Check the details we hold" not in response.content.decode()
    # Saying yes on the data page offers them again.
    citizen_client.post("/account/your-data/consents/answer_reuse/", {"given": "yes"})
    response = citizen_client.get("/services/budgeting-loan/apply/", follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/confirm-your-details/"


def test_staff_taking_an_application_read_the_question_and_record_the_answer(
    client, citizen, case, staff
):
    client.force_login(staff.caseworker)
    client.post(
        "/staff/assisted/",
        {
            "service": "budgeting-loan",
            "channel": "phone",
            "identity": "knowledge",
            "document": "",
            "email": "sam.evans@example.com",
        },
    )
    answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    response = client.get("/services/budgeting-loan/apply/", follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/use-details-we-hold/"
    assert "Read this to them and record what they say." in page_text(response)
    response = client.post(path_of(response), {"reuse": "yes"}, follow=True)
    assert path_of(response) == "/services/budgeting-loan/apply/confirm-your-details/"
    consent = Consent.objects.get()
    assert consent.person_id == case.person_id and consent.given
    assert (consent.method, consent.recorded_by) == ("phone", staff.caseworker)
