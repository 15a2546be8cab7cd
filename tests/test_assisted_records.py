"""Staff taking an application for someone who already has a record (issue 12): only staff
of an organisation that handles the service may; without an identity check no record is
found; what a record shows follows the check and the look-up is access-logged; new contact
details never overwrite the record until a code sent to the old ones is read out, or a
team leader approves them with a reason."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from commonweal.accounts import services as accounts_services
from commonweal.accounts.models import User
from commonweal.cases.models import Case
from commonweal.intake.models import Application
from commonweal.messaging.models import Message, Notice
from commonweal.people import services as people_services
from commonweal.people.models import ContactChange, Person, PersonChange
from commonweal.privacy.models import AccessRecord
from tests.journeys import BUDGETING_LOAN, answer_eligibility, complete_pages, path_of
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

VICTIM_EMAIL = "alex.morgan@example.com"
# Someone's record, as an attacker would not know it.
RECORD = {
    "given_name": "Alex",
    "family_name": "Morgan",
    "date_of_birth": "1984-07-19",
    "ni_number": "JH803411A",
    "address": {
        "line_1": "14 Heol y Castell",
        "line_2": "",
        "town": "Caerphilly",
        "county": "",
        "postcode": "CF83 1JD",
    },
    "phone": "+447700900123",
    "accessibility_needs": "Deaf: text messages, never calls",
}
SECRETS = ("1984", "JH 80 34 11 A", "JH803411A", "Heol y Castell", "900123", "Deaf: text")
START = {
    "service": "budgeting-loan",
    "channel": "phone",
    "identity": "knowledge",
    "document": "",
    "email": VICTIM_EMAIL,
}
# What the caller says: a different phone number and address from the record's.
NEW_PHONE = "07700 900456"
NEW_ADDRESS = {
    "address-line-1": "9 Ffordd Newydd",
    "address-town": "Cardiff",
    "address-postcode": "CF10 1AA",
}


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def victim(db):
    account = accounts_services.account_for_email(email=VICTIM_EMAIL)
    person = people_services.person_for_account(account=account)
    people_services.person_update(person=person, details=RECORD, by=account, reason="Given online")
    return Person.objects.get(pk=person.pk)


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def start(browser, **changes):
    return browser.post("/staff/assisted/", {**START, **changes})


def take(browser, **pages):
    """Start, answer the eligibility questions, then every page (confirming held details)
    up to "Check your answers"; returns that page."""
    response = start(browser)
    assert response.status_code == 302, response.content.decode()[:2000]
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    return complete_pages(browser, "budgeting-loan", {**BUDGETING_LOAN["pages"], **pages})


def send(browser):
    return browser.post(reverse("portal:check-answers", args=["budgeting-loan"]))


# Only staff of an organisation that handles the service


def test_staff_of_a_charity_that_does_not_handle_the_service_cannot_take_it(staff, victim):
    # The demo's charity, Care and Repair Cymru, handles no service itself.
    charity = signed_in(staff.provider)
    page = charity.get("/staff/assisted/")
    assert page.status_code == 200
    assert "Your organisation does not handle any services" in page.content.decode()
    assert 'name="service"' not in page.content.decode()
    response = start(charity, identity="document", document="passport")
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Your organisation does not handle this service" in html
    # Nothing written, nothing found, and the journey is not taken for anyone.
    assert not Application.objects.exists()
    assert not AccessRecord.objects.exists()
    assert "assisted_drafts" not in charity.session or not charity.session["assisted_drafts"]
    journey = charity.get(reverse("portal:apply", args=["budgeting-loan"]), follow=True)
    assert "Taking an application for someone" not in journey.content.decode()


def test_the_service_refuses_too(staff, victim):
    from commonweal.catalogue import selectors as catalogue
    from commonweal.intake import services as intake_services
    from commonweal.organisations import selectors as organisations

    with pytest.raises(intake_services.AssistedRefused) as refused:
        intake_services.assisted_application_start(
            by=staff.provider,
            context=organisations.staff_context(user=staff.provider),
            published=catalogue.published_service(slug="budgeting-loan"),
            channel="phone",
            identity_check="document:passport",
            person_email=VICTIM_EMAIL,
            eligibility_answers={},
            language="en",
        )
    assert refused.value.field == "service"
    assert not Application.objects.exists()


def test_staff_of_another_team_of_the_organisation_may_take_it(staff):
    # The council handles Budgeting Loans (in its financial support team), so its home
    # adaptations caseworker may take one by phone; the case goes to the team that
    # handles it, which the adaptations caseworker does not see.
    browser = signed_in(staff.other_team)
    response = browser.post("/staff/assisted/", {**START, "email": ""})
    assert response.status_code == 302
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    complete_pages(browser, "budgeting-loan", BUDGETING_LOAN["pages"])
    sent = send(browser)
    case = Case.objects.get()
    assert case.team == staff.teams["financial-support"]
    assert sent["Location"] == "/staff/assisted/"
    assert case.reference in browser.get(sent["Location"]).content.decode()


# No identity check, no record


def test_not_checked_never_finds_a_record_and_says_the_same_either_way(staff, victim):
    browser = signed_in(staff.caseworker)
    answers = []
    for email in (VICTIM_EMAIL, "nobody.here@example.com"):
        response = start(browser, identity="not_checked", email=email)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Check who they are before you use their email address" in html
        html = re.sub(re.escape(email), "EMAIL", html)
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html))
    # The page does not tell a record that exists from one that does not.
    assert answers[0] == answers[1]
    assert not Application.objects.exists()
    assert not AccessRecord.objects.exists()
    assert not User.objects.filter(email="nobody.here@example.com").exists()


def test_not_checked_without_an_email_is_a_new_record_that_leaves_theirs_alone(staff, victim):
    browser = signed_in(staff.caseworker)
    response = start(browser, identity="not_checked", email="")
    assert response.status_code == 302
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    check = complete_pages(
        browser,
        "budgeting-loan",
        {**BUDGETING_LOAN["pages"], "name": {"given-name": "Alex", "family-name": "Morgan"}},
    )
    assert not any(secret in check.content.decode() for secret in SECRETS)
    send(browser)
    case = Case.objects.get()
    assert case.person_id != victim.pk
    assert Person.objects.get(pk=victim.pk).phone == RECORD["phone"]
    assert not AccessRecord.objects.filter(person=victim).exists()


# What a record shows follows the identity check


def read_out_the_reuse_question(browser):
    """The person has not been asked whether we may reuse the details we hold: staff read
    the question to them first (showing nothing of the record), and they say yes."""
    page = browser.get(reverse("portal:apply", args=["budgeting-loan"]), follow=True)
    assert path_of(page).endswith("/use-details-we-hold/")
    for secret in SECRETS:
        assert secret not in page.content.decode(), secret
    return browser.post(path_of(page), {"reuse": "yes"}, follow=True)


def test_questions_only_they_would_know_show_the_name_and_masked_contact_details(staff, victim):
    browser = signed_in(staff.caseworker)
    assert start(browser).status_code == 302
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    page = read_out_the_reuse_question(browser)
    html = page.content.decode()
    assert path_of(page).endswith("/confirm-your-details/")
    assert "Alex" in html and "Morgan" in html
    for secret in SECRETS:
        assert secret not in html, secret
    # Which contact details we hold, masked.
    assert "a***@e***.com" in html
    assert "ending 123" in html
    assert "postcode starting CF83" in html
    browser.post(path_of(page))
    # Every later page asks rather than offers: nothing of the record is filled in.
    for page_id in ("date-of-birth", "ni-number", "address", "phone", "accessibility"):
        html = browser.get(f"/services/budgeting-loan/apply/{page_id}/?address=manual").content
        for secret in SECRETS:
            assert secret not in html.decode(), (page_id, secret)
    # The look-up is in the person's access log, with why and by whom.
    record = AccessRecord.objects.get(person=victim)
    assert record.purpose == "assisted_application"
    assert record.via == "assisted_application"
    assert record.actor == staff.caseworker
    assert record.categories == ["person"]
    assert record.organisation == staff.teams["financial-support"].organisation
    # And the person sees it.
    mine = signed_in(victim.account).get("/your-data/access/").content.decode()
    assert "Taking an application with you by phone" in mine


def test_an_identity_document_seen_shows_the_record(staff, victim):
    browser = signed_in(staff.caseworker)
    assert start(browser, identity="document", document="passport").status_code == 302
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    page = read_out_the_reuse_question(browser)
    html = page.content.decode()
    assert "19 July 1984" in html
    assert "JH 80 34 11 A" in html
    assert "14 Heol y Castell" in html
    record = AccessRecord.objects.get(person=victim)
    assert record.purpose == "assisted_application"
    assert record.categories == ["contact_preferences", "person"]


# New contact details wait for a check


def test_new_contact_details_do_not_replace_the_record_when_sent(staff, victim, mailoutbox):
    browser = signed_in(staff.caseworker)
    take(
        browser,
        **{
            "phone": {"phone": NEW_PHONE},
            "address": NEW_ADDRESS,
            "date-of-birth": {
                "date-of-birth-day": "1",
                "date-of-birth-month": "1",
                "date-of-birth-year": "1990",
            },
            "ni-number": {"ni-number": "AB 12 34 56 C"},
        },
    )
    sent = send(browser)
    case = Case.objects.get()
    assert sent["Location"] == f"/staff/assisted/contact-changes/{case.reference}/"
    person = Person.objects.get(pk=victim.pk)
    # Nothing on the record changed: not the contact details, nor (questions alone do not
    # justify it) their date of birth or NI number.
    assert person.phone == RECORD["phone"]
    assert person.address_line_1 == "14 Heol y Castell"
    assert person.date_of_birth.isoformat() == "1984-07-19"
    assert person.ni_number == "JH803411A"
    assert person.has_pending_contact_change
    change = ContactChange.objects.get(person=person)
    assert change.status == "pending"
    assert change.fields["phone"] == [RECORD["phone"], "+447700900456"]
    assert change.fields["address"][1]["line_1"] == "9 Ffordd Newydd"
    assert change.requested_by == staff.caseworker
    # The application keeps the details on record, and the notice goes to them.
    assert case.application.answers["phone"] == RECORD["phone"]
    assert case.application.answers["address"]["line_1"] == "14 Heol y Castell"
    told = Message.objects.get(case=case, event="application_received")
    assert told.to_address in (VICTIM_EMAIL, RECORD["phone"])
    assert not Message.objects.filter(to_address="+447700900456").exists()
    # The case says there is something to check.
    case_page = browser.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "waiting for a check" in case_page
    assert f"/staff/assisted/contact-changes/{case.reference}/" in case_page


def _waiting(staff):
    browser = signed_in(staff.caseworker)
    take(browser, **{"phone": {"phone": NEW_PHONE}, "address": NEW_ADDRESS})
    send(browser)
    case = Case.objects.get()
    return browser, case, f"/staff/assisted/contact-changes/{case.reference}/"


def test_a_code_sent_to_the_old_contact_point_confirms_them(staff, victim, mailoutbox):
    browser, case, url = _waiting(staff)
    page = browser.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "On record: Ending 123" in html and "Given: 07700 900456" in html
    assert "Their email address on record (a***@e***.com)" in html
    # A caseworker cannot approve without a code.
    assert 'name="reason"' not in html
    mail.outbox.clear()
    with mock.patch("commonweal.people.contact_changes.secrets.randbelow", return_value=424242):
        response = browser.post(url, {"action": "send", "channel": "email"})
    assert response.status_code == 302
    # The code went to the email address on record, and is kept nowhere readable.
    assert [message.to for message in mailoutbox] == [[VICTIM_EMAIL]]
    assert "424242" in mailoutbox[0].subject
    assert not Message.objects.filter(body__contains="424242").exists()
    assert "424242" not in browser.get(url).content.decode()
    # A wrong code is refused and changes nothing.
    wrong = browser.post(url, {"action": "verify", "code": "111111"})
    assert wrong.status_code == 400
    assert "The code is not correct" in wrong.content.decode()
    assert Person.objects.get(pk=victim.pk).phone == RECORD["phone"]
    # The right one, read out by the caller, saves them.
    right = browser.post(url, {"action": "verify", "code": "424 242"})
    assert right.status_code == 302 and right["Location"] == f"/staff/cases/{case.reference}/"
    person = Person.objects.get(pk=victim.pk)
    assert person.phone == "+447700900456"
    assert person.address_line_1 == "9 Ffordd Newydd"
    assert not person.has_pending_contact_change
    history = PersonChange.objects.filter(person=person).first()
    assert history.changed_by == staff.caseworker
    assert history.fields["phone"] == [RECORD["phone"], "+447700900456"]
    assert "confirmed with a code sent to the email address on record" in history.reason
    assert case.reference in history.reason
    # They are told at the email address and the mobile number they had.
    told = Message.objects.filter(event="contact_details_changed")
    assert sorted(told.values_list("to_address", flat=True)) == [RECORD["phone"], VICTIM_EMAIL]
    assert ContactChange.objects.get().how == "code_email"
    # Used once: the page is gone.
    assert browser.get(url).status_code == 404


def test_a_code_by_text_message_to_the_old_mobile(staff, victim):
    browser, _case, url = _waiting(staff)
    with (
        mock.patch("commonweal.people.contact_changes.secrets.randbelow", return_value=135790),
        mock.patch("commonweal.messaging.channels.basic.LogChannel.send") as send_sms,
    ):
        from commonweal.messaging.channels import Sent

        send_sms.return_value = Sent(provider_reference="log", delivered=True)
        assert browser.post(url, {"action": "send", "channel": "sms"}).status_code == 302
    message = send_sms.call_args.args[0]
    assert message.to_address == RECORD["phone"]
    assert "135790" in message.body
    assert browser.post(url, {"action": "verify", "code": "135790"}).status_code == 302
    assert Person.objects.get(pk=victim.pk).phone == "+447700900456"
    assert ContactChange.objects.get().how == "code_sms"


def test_five_wrong_codes_burn_it(staff, victim, mailoutbox, settings):
    browser, _case, url = _waiting(staff)
    with mock.patch("commonweal.people.contact_changes.secrets.randbelow", return_value=424242):
        browser.post(url, {"action": "send", "channel": "email"})
    for _attempt in range(settings.COMMONWEAL_SIGN_IN_ATTEMPTS_PER_CODE):
        browser.post(url, {"action": "verify", "code": "000000"})
    response = browser.post(url, {"action": "verify", "code": "424242"})
    assert "entered wrongly too many times" in response.content.decode()
    assert Person.objects.get(pk=victim.pk).phone == RECORD["phone"]


def test_a_team_leader_approves_them_with_a_reason(staff, victim, mailoutbox):
    _browser, case, url = _waiting(staff)
    leader = signed_in(staff.leader)
    case_page = leader.get(f"/staff/cases/{case.reference}/").content.decode()
    assert f'href="{url}"' in case_page
    page = leader.get(url).content.decode()
    assert 'name="reason"' in page
    blank = leader.post(url, {"action": "approve", "reason": ""})
    assert blank.status_code == 400
    assert "Enter why you are approving the change" in blank.content.decode()
    response = leader.post(
        url, {"action": "approve", "reason": "Lost their phone; saw a tenancy agreement"}
    )
    assert response.status_code == 302
    person = Person.objects.get(pk=victim.pk)
    assert person.phone == "+447700900456"
    history = PersonChange.objects.filter(person=person).first()
    assert history.changed_by == staff.leader
    assert "approved by a team leader: Lost their phone" in history.reason
    assert "given by Casey Worker" in history.reason
    assert ContactChange.objects.get().decided_by == staff.leader
    told = Message.objects.filter(event="contact_details_changed")
    assert set(told.values_list("to_address", flat=True)) == {RECORD["phone"], VICTIM_EMAIL}


def test_a_caseworker_cannot_approve_by_posting_the_form(staff, victim):
    browser, _case, url = _waiting(staff)
    response = browser.post(url, {"action": "approve", "reason": "Trust me"})
    assert response.status_code == 400
    assert "Only a team leader" in response.content.decode()
    assert Person.objects.get(pk=victim.pk).phone == RECORD["phone"]


def test_keeping_the_details_we_hold(staff, victim):
    browser, _case, url = _waiting(staff)
    response = browser.post(url, {"action": "keep"})
    assert response.status_code == 302
    person = Person.objects.get(pk=victim.pk)
    assert person.phone == RECORD["phone"] and not person.has_pending_contact_change
    assert ContactChange.objects.get().status == "kept"
    assert not Notice.objects.filter(event="contact_details_changed").exists()


def test_staff_who_cannot_see_the_case_and_did_not_take_it_get_not_found(staff, victim):
    _browser, _case, url = _waiting(staff)
    for user in (staff.other_team, staff.provider):
        assert signed_in(user).get(url).status_code == 404
        assert signed_in(user).post(url, {"action": "keep"}).status_code == 404
    assert ContactChange.objects.get().status == "pending"


def test_a_record_that_changed_meanwhile_is_not_overwritten(staff, victim, mailoutbox):
    _browser, _case, url = _waiting(staff)
    person = Person.objects.get(pk=victim.pk)
    people_services.person_update(
        person=person, details={"phone": "+447700900999"}, by=None, reason="Test"
    )
    leader = signed_in(staff.leader)
    response = leader.post(url, {"action": "approve", "reason": "Saw documents"})
    assert response.status_code == 400
    assert "have changed since these were given" in response.content.decode()
    assert Person.objects.get(pk=victim.pk).phone == "+447700900999"
    assert ContactChange.objects.get().status == "superseded"


def test_an_identity_document_lets_the_answers_update_the_record_but_not_the_contacts(
    staff, victim
):
    browser = signed_in(staff.caseworker)
    response = start(browser, identity="document", document="driving_licence")
    assert response.status_code == 302
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    # Held details are offered; change the phone and the accessibility needs.
    complete_pages(
        browser,
        "budgeting-loan",
        {
            **BUDGETING_LOAN["pages"],
            "phone": {"phone": NEW_PHONE},
            "accessibility": {"accessibility-needs": "Large print"},
        },
    )
    browser.get(reverse("portal:page", args=["budgeting-loan", "phone"]))
    browser.post(reverse("portal:page", args=["budgeting-loan", "phone"]), {"phone": NEW_PHONE})
    browser.post(
        reverse("portal:page", args=["budgeting-loan", "accessibility"]),
        {"accessibility-needs": "Large print"},
    )
    send(browser)
    person = Person.objects.get(pk=victim.pk)
    assert person.accessibility_needs == "Large print"
    assert person.phone == RECORD["phone"]
    assert ContactChange.objects.get().fields == {"phone": [RECORD["phone"], "+447700900456"]}


def test_the_person_carrying_on_online_changes_their_own_details(staff, victim):
    browser = signed_in(staff.caseworker)
    assert start(browser).status_code == 302
    answer_eligibility(browser, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    browser.get(reverse("portal:apply", args=["budgeting-loan"]), follow=True)
    draft = Application.objects.get(status="draft")
    person = signed_in(victim.account)
    assert person.post(f"/applications/drafts/{draft.pk}/continue/").status_code == 302
    complete_pages(person, "budgeting-loan", BUDGETING_LOAN["pages"])
    changed = person.post("/services/budgeting-loan/apply/phone/?change=1", {"phone": NEW_PHONE})
    assert changed.status_code == 302
    person.post(reverse("portal:check-answers", args=["budgeting-loan"]))
    # Sent by the person themself, signed in: their own change.
    assert Person.objects.get(pk=victim.pk).phone == "+447700900456"
    assert not ContactChange.objects.exists()


# The person's own change is told at the old address too


def test_their_own_new_email_address_is_told_at_the_old_one(victim):
    people_services.contact_preferences_update(
        person=victim,
        channels=["email"],
        language="en",
        accessible_format="standard",
        quiet_hours=None,
        do_not_contact=[],
        email="alex.new@example.com",
        by=victim.account,
        reason="Changed by them online",
    )
    told = Message.objects.get(event="contact_details_changed", channel="email")
    assert told.to_address == VICTIM_EMAIL
    assert "your email address" in told.body
    sms = Message.objects.get(event="contact_details_changed", channel="sms")
    assert sms.to_address == RECORD["phone"]


# The case page's "Change how they hear from us" is no way round the check


def test_a_new_email_typed_on_the_case_page_waits_for_a_check(staff, victim, mailoutbox):
    from tests.workspace import submit_case

    case = submit_case(victim.account)
    browser = signed_in(staff.caseworker)
    url = f"/staff/cases/{case.reference}/preferences/"
    response = browser.post(
        url,
        {
            "channels": ["email", "letter"],
            "first": "email",
            "email": "someone.else@example.com",
            # The number their own application gave: unchanged.
            "phone": "07700 900982",
            "language": "en",
            "format": "standard",
            "reason": "Phoned in",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/assisted/contact-changes/{case.reference}/"
    person = Person.objects.get(pk=victim.pk)
    # The preferences are saved; the email address is not, until it is checked.
    assert person.channels == ["email", "letter"]
    assert person.email == VICTIM_EMAIL
    change = ContactChange.objects.get(person=person)
    assert change.fields == {"email": [VICTIM_EMAIL, "someone.else@example.com"]}
    assert change.case_reference == case.reference
    mailoutbox.clear()
    with mock.patch("commonweal.people.contact_changes.secrets.randbelow", return_value=246810):
        browser.post(response["Location"], {"action": "send", "channel": "sms"})
    browser.post(response["Location"], {"action": "verify", "code": "246810"})
    assert Person.objects.get(pk=victim.pk).email == "someone.else@example.com"
    told = Message.objects.get(event="contact_details_changed", channel="email")
    assert told.to_address == VICTIM_EMAIL


def test_a_second_click_on_send_does_not_send_a_second_code(staff, victim, mailoutbox):
    browser, _case, url = _waiting(staff)
    mailoutbox.clear()
    with mock.patch(
        "commonweal.people.contact_changes.secrets.randbelow", side_effect=[111111, 222222]
    ):
        assert browser.post(url, {"action": "send", "channel": "email"}).status_code == 302
        again = browser.post(url, {"action": "send", "channel": "email"})
    assert again.status_code == 400
    assert "We sent a code there a moment ago" in again.content.decode()
    assert len(mailoutbox) == 1
    # The one that was sent still works.
    assert browser.post(url, {"action": "verify", "code": "111111"}).status_code == 302
