"""How a person hears from us: they choose on their own page, staff change it when they
phone in (with a reason), and notices are routed by what was chosen."""

import datetime

import pytest

from commonweal.messaging import services as messaging_services
from commonweal.people import services as people_services
from commonweal.people.models import ContactPoint, Person, PersonChange
from tests.test_portal_decisions import page_text
from tests.workspace import agree_to_sharing, make_staff, submit_case

pytestmark = pytest.mark.django_db

URL = "/account/contact-preferences/"


def _person(account) -> Person:
    return Person.objects.get(account=account)


def _form(**changes) -> dict:
    form = {
        "channels": ["email", "sms"],
        "first": "sms",
        "email": "sam.evans@example.com",
        "phone": "07700 900982",
        "language": "both",
        "format": "large_print",
        "quiet": "yes",
        "do_not_contact": ["phone"],
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return submit_case(citizen)


def _as(client, user):
    client.force_login(user)
    return client


# The person's own page


def test_the_page_shows_what_we_hold(citizen_client, citizen):
    response = citizen_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="sam.evans@example.com"' in html
    assert 'name="quiet" type="checkbox" value="yes" checked' in html  # on by default
    text = page_text(response)
    assert "How should we contact you?" in text
    assert "Which do you want us to try first?" in text
    assert "We will not send text messages between 9pm and 8am." in text
    assert "We do not have your postal address" in text  # the letter choice's hint


def test_anyone_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "sign-in" in response["Location"] or "login" in response["Location"]


def test_saving_preferences_records_who_and_why(citizen_client, citizen):
    person = _person(citizen)
    before = PersonChange.objects.filter(person=person).count()
    response = citizen_client.post(URL, _form())
    assert response.status_code == 302
    assert response["Location"] == URL
    page = citizen_client.get(URL)
    assert "Your contact preferences have been saved" in page_text(page)

    person.refresh_from_db()
    # The first choice, then the others in the form's order.
    assert person.channels == ["sms", "email"]
    assert person.phone == "+447700900982"
    assert person.language == "both"
    assert person.accessible_format == "large_print"
    assert (person.quiet_hours_start, person.quiet_hours_end) == (
        datetime.time(21, 0),
        datetime.time(8, 0),
    )
    assert person.do_not_contact == ["phone"]

    assert PersonChange.objects.filter(person=person).count() == before + 1
    change = PersonChange.objects.filter(person=person).first()
    assert change.changed_by == citizen
    assert change.reason == "Changed their contact preferences online"
    assert change.fields["channels"] == ["", "sms, email"]
    assert change.fields["phone"] == ["", "+447700900982"]
    assert change.fields["accessible_format"] == ["standard", "large_print"]
    assert "email" not in change.fields  # unchanged

    # Saving the same again changes nothing and adds no history.
    assert citizen_client.post(URL, _form()).status_code == 302
    assert PersonChange.objects.filter(person=person).count() == before + 1


def test_turning_quiet_hours_off(citizen_client, citizen):
    citizen_client.post(URL, _form(quiet=None))
    person = _person(citizen)
    assert person.quiet_hours_start is None and person.quiet_hours_end is None
    html = citizen_client.get(URL).content.decode()
    assert 'name="quiet" type="checkbox" value="yes" checked' not in html


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        (
            {"email": "sam.evans@"},
            "Enter an email address in the correct format, like name@example.com",
            "#email",
        ),
        ({"phone": "12345"}, "Enter a telephone number", "#phone"),
        ({"phone": "029 2018 0000"}, "Text messages need a UK mobile number", "#phone"),
        ({"channels": [], "first": None}, "Select at least one way to contact you", "#channels"),
        ({"language": "fr"}, "Select the language we should use", "#language"),
        (
            {"channels": ["email"], "first": None, "do_not_contact": ["email"]},
            "Every way you chose is also on the list of ways never to use",
            "#do-not-contact",
        ),
    ],
)
def test_wrong_answers_are_refused_with_the_reason(
    citizen_client, citizen, changes, message, anchor
):
    before = PersonChange.objects.filter(person=_person(citizen)).count()
    response = citizen_client.post(URL, _form(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'href="{anchor}"' in html  # the error summary leads to the field
    assert message in page_text(response)
    assert PersonChange.objects.filter(person=_person(citizen)).count() == before
    assert _person(citizen).channels == []


def test_letters_need_an_address(citizen_client, citizen):
    response = citizen_client.post(URL, _form(channels=["letter"], first="letter"))
    assert response.status_code == 400
    assert "There is no postal address on the record, so we cannot send letters" in page_text(
        response
    )
    assert 'href="#channels"' in response.content.decode()
    assert _person(citizen).channels == []


def test_the_page_only_ever_changes_the_signed_in_person(client, citizen, other_citizen):
    mine = _person(citizen)
    theirs = _person(other_citizen)
    signed_in = _as(client, other_citizen)
    assert 'value="sam.evans@example.com"' not in signed_in.get(URL).content.decode()
    # Naming someone else's record anywhere in the request changes nothing of theirs.
    response = signed_in.post(
        f"{URL}?person={mine.pk}",
        _form(email="robin.other@example.com", person=str(mine.pk), person_id=str(mine.pk)),
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.channels == [] and mine.phone == ""
    assert theirs.channels == ["sms", "email"]
    assert not PersonChange.objects.filter(person=mine, changed_by=other_citizen).exists()


def test_linked_from_the_applications_and_representatives_pages(citizen_client):
    for page in ("/applications/", "/account/representatives/"):
        assert f'href="{URL}"' in citizen_client.get(page).content.decode()


# Staff change them for the person


def test_staff_change_them_with_a_reason(client, staff, case):
    url = f"/staff/cases/{case.reference}/preferences/"
    worker = _as(client, staff.caseworker)
    case_page = worker.get(f"/staff/cases/{case.reference}/").content.decode()
    assert f'href="{url}"' in case_page
    assert "Change how they hear from us" in case_page
    page = worker.get(url)
    assert page.status_code == 200
    assert "Why are you changing this?" in page_text(page)

    # The reason is required.
    response = worker.post(url, _form(channels=["letter"], first="letter"))
    assert response.status_code == 400
    assert 'href="#reason"' in response.content.decode()

    response = worker.post(
        url,
        _form(
            channels=["letter"],
            first="letter",
            format="standard",
            language="en",
            reason="Phoned in: prefers letters",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/"
    assert "Contact preferences saved." in page_text(worker.get(response["Location"]))
    person = Person.objects.get(pk=case.person_id)
    assert person.channels == ["letter"]
    change = PersonChange.objects.filter(person=person).first()
    assert change.changed_by == staff.caseworker
    assert change.reason == "Phoned in: prefers letters"
    assert change.fields["channels"] == ["", "letter"]


def test_staff_who_cannot_see_the_case_get_not_found(client, staff, case):
    url = f"/staff/cases/{case.reference}/preferences/"
    other = _as(client, staff.other_team)
    assert other.get(url).status_code == 404
    assert other.post(url, _form(reason="Trying")).status_code == 404
    assert Person.objects.get(pk=case.person_id).channels == []


def test_referral_only_access_is_refused(client, staff, case):
    agree_to_sharing(case)
    worker = _as(client, staff.caseworker)
    response = worker.post(
        f"/staff/cases/{case.reference}/do/refer/",
        {
            "organisation": str(staff.teams["provider"].organisation.pk),
            "scope": ["person"],
            "reason": "Help with furniture",
            "revision": case.revision,
        },
    )
    assert response.status_code == 302
    provider = _as(client, staff.provider)
    url = f"/staff/cases/{case.reference}/preferences/"
    assert provider.get(url).status_code == 403
    assert provider.post(url, _form(reason="Trying")).status_code == 403
    assert (
        "Change how they hear from us"
        not in provider.get(f"/staff/cases/{case.reference}/").content.decode()
    )
    assert Person.objects.get(pk=case.person_id).channels == []


def test_citizens_cannot_use_the_staff_page(citizen_client, case):
    url = f"/staff/cases/{case.reference}/preferences/"
    assert citizen_client.get(url).status_code == 403


# Notices follow them


def test_notices_are_routed_by_the_new_preferences(case, staff):
    person = Person.objects.get(pk=case.person_id)
    assert messaging_services.plan_channels(person=person) != ["letter"]
    people_services.contact_preferences_update(
        person=person,
        channels=["letter"],
        language="en",
        accessible_format="standard",
        quiet_hours=None,
        do_not_contact=[],
        by=staff.caseworker,
        reason="Phoned in: prefers letters",
    )
    assert messaging_services.plan_channels(person=Person.objects.get(pk=person.pk)) == ["letter"]


# The service's own rules


def _update(person, by, **changes):
    arguments = {
        "channels": ["email"],
        "language": "en",
        "accessible_format": "standard",
        "quiet_hours": (datetime.time(21, 0), datetime.time(8, 0)),
        "do_not_contact": [],
        "by": by,
        "reason": "Testing",
    }
    arguments.update(changes)
    return people_services.contact_preferences_update(person=person, **arguments)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channels": ["email", "email"]}, "channels"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"accessible_format": "scroll"}, "accessible_format"),
        ({"do_not_contact": ["pigeon"]}, "do_not_contact"),
        ({"quiet_hours": (datetime.time(9, 0), datetime.time(9, 0))}, "quiet_hours"),
        ({"channels": ["phone"]}, "phone"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_the_service_refuses_what_cannot_work(citizen, changes, field):
    with pytest.raises(people_services.ContactPreferencesRefused) as refused:
        _update(_person(citizen), citizen, **changes)
    assert refused.value.field == field


def test_messages_in_an_account_need_an_account(citizen):
    person = people_services.person_create(
        details={"given_name": "Alex", "email": "alex@example.com"},
        by=citizen,
        reason="Applying for them",
    )
    with pytest.raises(people_services.ContactPreferencesRefused) as refused:
        _update(person, citizen, channels=["portal"])
    assert refused.value.field == "channels"
    assert _update(person, citizen, channels=["email"]) == ["channels", "language"]


def test_a_new_email_address_is_handled_like_any_other_change(citizen):
    person = _person(citizen)
    assert ContactPoint.objects.get(person=person, kind="email").is_primary
    changed = _update(person, citizen, email="sam@new.example", phone="07700 900 457")
    assert changed == ["channels", "language", "email", "phone"]
    person.refresh_from_db()
    assert person.email == "sam@new.example"
    assert person.phone == "+447700900457"
    # The address they signed in with is kept, no longer the one in use.
    old = ContactPoint.objects.get(person=person, kind="email", value="sam.evans@example.com")
    assert not old.is_primary and old.verified_at is not None
    change = PersonChange.objects.filter(person=person).first()
    assert change.fields["email"] == ["sam.evans@example.com", "sam@new.example"]
