"""The pages about hearing from us, in a real browser with axe-core: a person choosing how
we contact them (JavaScript off, and by keyboard), and the staff pages for changing them,
letters to print and messages to many people."""

from __future__ import annotations

import pytest

from commonweal.messaging import services as messaging
from commonweal.people.models import Person
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_person_chooses_how_we_contact_them(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    make_staff()
    account, case = citizen_case()
    context = signed_in_context(chromium, demo_site, account, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    person = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        person.visit("/account/contact-preferences/")
        # Text messages need a mobile number: a landline is refused, with the error summary.
        person.tick("channels", ["sms", "letter"])
        person.choose("first", "sms")
        person.fill('[name="phone"]', "01632 960 001")
        person.submit("main form button.govuk-button", "with an error")
        assert page.locator(".govuk-error-summary").count() == 1
        person.fill('[name="phone"]', "07700 900 123")
        person.tick("channels", ["sms", "letter"])
        person.choose("first", "sms")
        person.choose("language", "cy")
        person.choose("format", "large_print")
        person.submit("main form button.govuk-button")
        assert "Your contact preferences have been saved" in page.locator("main").inner_text()
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    record = Person.objects.get(pk=case.person_id)
    assert record.channels[0] == "sms" and record.language == "cy"
    assert record.accessible_format == "large_print"
    assert messaging.plan_channels(person=record)[0] == "sms"


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_staff_messaging_pages_pass_axe(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case()
    person = case.person
    person.channels = ["letter"]
    person.save()
    messaging.notice_send(
        event="decision_made",
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language="en"),
    )
    messaging.messages_dispatch()
    from commonweal.messaging.models import Message

    letters = [
        str(pk) for pk in Message.objects.filter(channel="letter").values_list("pk", flat=True)
    ]
    Message.objects.filter(pk__in=letters).update(status="sending")
    messaging.messages_deliver(message_ids=letters)
    context = signed_in_context(chromium, demo_site, staff.leader, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    leader = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        leader.visit(f"/staff/cases/{case.reference}/history/")
        assert "Messages sent" in page.locator("main").inner_text()
        leader.visit(f"/staff/cases/{case.reference}/preferences/")
        leader.submit("main form button.govuk-button", "without a reason")
        assert page.locator(".govuk-error-summary").count() == 1
        leader.visit("/staff/letters/")
        leader.submit("main form button.govuk-button")
        assert "Download" in page.locator("main").inner_text()
        leader.visit("/staff/messages/?service=budgeting-loan")
        leader.submit("main form button.govuk-button", "without words")
        assert page.locator(".govuk-error-summary").count() == 1
        assert leader.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
