"""A member of staff takes an application by phone for someone we already hold a record
for: refused without an identity check, shown only the name and masked contact details
after questions only they would know, then the new phone number they gave is checked with
a code sent to the email address on record. With JavaScript off (mouse) and by keyboard
alone (JavaScript on), every page checked with axe-core."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

from commonweal.accounts import services as accounts_services
from commonweal.people import services as people_services
from commonweal.people.models import Person
from tests.journeys import BUDGETING_LOAN, answer_eligibility, complete_pages
from tests.workspace import make_staff

from .citizen import Citizen
from .conftest import VIEWPORT

pytestmark = pytest.mark.browser

EMAIL = "alex.morgan@example.com"


def _record():
    account = accounts_services.account_for_email(email=EMAIL)
    person = people_services.person_for_account(account=account)
    people_services.person_update(
        person=person,
        details={
            "given_name": "Alex",
            "family_name": "Morgan",
            "date_of_birth": "1984-07-19",
            "ni_number": "JH803411A",
            "phone": "+447700900123",
        },
        by=account,
        reason="Given online",
    )
    return person


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_taking_an_application_for_someone_we_hold(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    person = _record()
    # The member of staff's session, shared by the browser and a test client that answers
    # the question pages the other tests already drive.
    client = Client()
    client.force_login(staff.caseworker)
    context = chromium.new_context(
        base_url=demo_site, java_script_enabled=keyboard, viewport=VIEWPORT
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": demo_site,
            }
        ]
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        # Not checked yet: their email address is refused, with the error summary.
        worker.visit("/staff/assisted/")
        worker.answer(
            {
                "service": "budgeting-loan",
                "channel": "phone",
                "identity": "not_checked",
                "email": EMAIL,
            }
        )
        worker.submit("main form button.govuk-button", "not checked")
        summary = page.locator(".govuk-error-summary")
        assert summary.count() == 1
        assert "Check who they are before you use their email address" in summary.inner_text()

        # Questions only they would know: the record is found, and shows only the name.
        worker.answer({"identity": "knowledge"})
        worker.submit("main form button.govuk-button")
        assert "/eligibility/" in worker.path
        answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
        worker.visit("/services/budgeting-loan/apply/", "the reuse question")
        # Nobody has asked them whether we may reuse what we hold: staff read the question
        # out first.
        assert worker.path.endswith("/use-details-we-hold/")
        worker.choose("reuse", "yes")
        worker.submit("main form button.govuk-button")
        assert worker.path.endswith("/confirm-your-details/")
        text = page.locator("main").inner_text()
        assert "Alex" in text and "ending 123" in text
        assert "1984" not in text and "JH" not in text
        worker.submit("main form button.govuk-button")

        # The rest of the questions, with a new phone number; then send it.
        complete_pages(
            client,
            "budgeting-loan",
            {**BUDGETING_LOAN["pages"], "phone": {"phone": "07700 900456"}},
        )
        worker.visit("/services/budgeting-loan/apply/check-your-answers/", "check answers")
        worker.submit("main form button.govuk-button", "send")
        assert "/staff/assisted/contact-changes/" in worker.path
        assert "Check the new contact details" in page.locator("h1").inner_text()

        # A code to the email address on record, read out by the caller.
        with mock.patch("commonweal.people.contact_changes.secrets.randbelow", return_value=424242):
            worker.answer({"channel": "email"})
            worker.submit("#send-code-form button")
        assert "Code sent" in page.locator("main").inner_text()
        worker.fill('[name="code"]', "111111")
        worker.submit("#check-code-form button", "wrong code")
        assert "The code is not correct" in page.locator(".govuk-error-summary").inner_text()
        worker.fill('[name="code"]', "424242")
        worker.submit("#check-code-form button")
        assert "/staff/cases/" in worker.path
        assert "New contact details saved" in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert Person.objects.get(pk=person.pk).phone == "+447700900456"


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_charity_that_handles_no_service_is_told_so(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    client = Client()
    client.force_login(staff.provider)
    context = chromium.new_context(
        base_url=demo_site, java_script_enabled=keyboard, viewport=VIEWPORT
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": demo_site,
            }
        ]
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit("/staff/assisted/")
        text = page.locator("main").inner_text()
        assert "Your organisation does not handle any services" in text
        assert page.locator("main form").count() == 0
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
