"""A person signs in, downloads their data and tells us something is wrong: with JavaScript
off (mouse) and by keyboard alone (JavaScript on), every page checked with axe-core."""

from __future__ import annotations

import json
import re

import pytest

from commonweal.rights.models import Consent, DataRequest
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .conftest import VIEWPORT

pytestmark = pytest.mark.browser

EMAIL = "sam.evans@example.com"


def download(person: Citizen, selector: str) -> bytes:
    """Follow a download link and return what was saved."""
    page = person.page
    with page.expect_download() as info:
        if person.keyboard:
            person.tab_to(selector)
            page.keyboard.press("Enter")
        else:
            page.click(selector)
    with open(info.value.path(), "rb") as saved:
        return saved.read()


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_person_downloads_their_data_and_asks_for_a_correction(
    chromium, demo_site, axe, mailoutbox, mode
):
    keyboard = mode == "keyboard"
    make_staff()
    _account, case = citizen_case(EMAIL)
    context = chromium.new_context(
        base_url=demo_site,
        java_script_enabled=keyboard,
        accept_downloads=True,
        viewport=VIEWPORT,
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    person = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        # Signing in with an emailed code leads back to the page asked for.
        person.visit("/account/your-data/")
        assert person.path == "/sign-in/", person.path
        person.answer({"email": EMAIL})
        person.submit("main form button.govuk-button")
        code = re.search(r"\b(\d{6})\b", [m for m in mailoutbox if EMAIL in m.to][-1].subject)
        person.answer({"code": code.group(1)})
        person.submit("main form button.govuk-button")
        assert person.path == "/account/your-data/", person.path
        assert page.locator("h1").inner_text().strip() == "Your data"

        # The download holds their name and their case.
        data = json.loads(download(person, 'main a[href="/account/your-data/download.json"]'))
        assert data["about"] == "Sam Evans"
        assert case.reference in json.dumps(data)
        document = download(person, 'main a[href="/account/your-data/download.html"]').decode()
        assert "Sam Evans" in document and case.reference in document

        # "This is wrong": sent empty, the error summary; then sent properly.
        person.activate('main a[href="/account/your-data/correct/phone/"]')
        person.submit("main form button.govuk-button", "with an error")
        summary = page.locator(".govuk-error-summary")
        assert summary.count() == 1 and "Tell us what is wrong" in summary.inner_text()
        person.answer({"what-is-wrong": "That is my old number", "should-be": "07700 900 321"})
        person.submit("main form button.govuk-button")
        assert person.path == "/account/your-data/"
        main = page.locator("main").inner_text()
        assert "We have your request to correct Phone number" in main
        assert "Being looked at" in main

        # Consent: "Answer" leads to a question that says what it means, then takes effect.
        person.activate('main a[href="/account/your-data/consents/research_contact/"]')
        person.choose("given", "yes")
        person.submit("main form button.govuk-button")
        assert "You said yes: Being contacted for research" in page.locator("main").inner_text()
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert DataRequest.objects.get().should_be == "07700 900 321"
    assert Consent.objects.get().given is True
