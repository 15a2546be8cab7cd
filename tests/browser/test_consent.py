"""Consent and the paper form in a real browser, with JavaScript off (mouse) and by keyboard
alone (JavaScript on), every page checked with axe-core: the question before details held are
offered, the data page showing exactly what was said and when, a caseworker recording an
answer given by phone, and the start page's paper form."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from commonweal.core.jinja import datetime_long
from commonweal.rights.models import Consent
from tests.journeys import BUDGETING_LOAN
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .conftest import VIEWPORT
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser

EMAIL = "sam.evans@example.com"
MODES = ["js-off", "keyboard"]


def browser(chromium, demo_site, axe, keyboard: bool, **options):
    context = chromium.new_context(
        base_url=demo_site, java_script_enabled=keyboard, viewport=VIEWPORT, **options
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, Citizen(page, keyboard=keyboard, language="en", axe=axe)


def sign_in(person: Citizen, mailoutbox) -> None:
    assert person.path == "/sign-in/", person.path
    person.answer({"email": EMAIL})
    person.submit("main form button.govuk-button")
    code = re.search(r"\b(\d{6})\b", [m for m in mailoutbox if EMAIL in m.to][-1].subject)
    person.answer({"code": code.group(1)})
    person.submit("main form button.govuk-button")


@pytest.mark.parametrize("mode", MODES)
def test_asked_before_details_held_are_offered_then_the_answer_is_on_the_data_page(
    chromium, demo_site, axe, mailoutbox, mode
):
    keyboard = mode == "keyboard"
    citizen_case(EMAIL)  # they applied before: their record holds their details
    context, person = browser(chromium, demo_site, axe, keyboard)
    page = person.page
    try:
        person.visit("/services/budgeting-loan/")
        person.activate("main a.govuk-button--start")
        while "/eligibility/" in person.path:
            question_id = person.path.rstrip("/").split("/")[-1]
            person.answer({"answer": BUDGETING_LOAN["eligibility"][question_id]})
            person.submit("main form button.govuk-button")
        sign_in(person, mailoutbox)

        # Nobody has asked: the question comes before anything held is shown.
        assert person.path == "/services/budgeting-loan/apply/use-details-we-hold/", person.path
        main = page.locator("main").inner_text()
        assert "Can we use the details we already hold about you?" in main
        assert "we will ask you for them again" in main
        assert "AB 12 34 56 C" not in main
        person.submit("main form button.govuk-button", "with an error")
        assert page.locator(".govuk-error-summary").count() == 1
        assert (
            "Select yes if we can use the details we hold"
            in page.locator(".govuk-error-summary").inner_text()
        )
        if keyboard:
            assert person.focused_matches(".govuk-error-summary")
        person.choose("reuse", "yes")
        person.submit("main form button.govuk-button")

        # They said yes: the details held, to check.
        assert person.path == "/services/budgeting-loan/apply/confirm-your-details/"
        main = page.locator("main").inner_text()
        assert "Check the details we hold" in main and "AB 12 34 56 C" in main
        person.submit("main form button.govuk-button")
        assert person.path == "/services/budgeting-loan/apply/partner/", person.path

        # The data page says what they said and when; they change their answer there.
        person.visit("/account/your-data/")
        given = Consent.objects.get(purpose="answer_reuse")
        card = page.locator("#consent-answer_reuse").inner_text()
        assert f"You said yes on {datetime_long(given.created_at)}, online." in card
        assert "We have not asked you." in page.locator("#consent-provider_sharing").inner_text()
        person.activate('main a[href="/account/your-data/consents/answer_reuse/"]')
        assert page.locator("h1").inner_text().strip() == (
            "Can we use the details we already hold about you?"
        )
        person.choose("given", "no")
        person.submit("main form button.govuk-button")
        assert person.path == "/account/your-data/"
        card = page.locator("#consent-answer_reuse").inner_text()
        assert "You said no on" in card and "Your earlier answers" in card
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert [c.given for c in Consent.objects.order_by("sequence")] == [True, False]


@pytest.mark.parametrize("mode", MODES)
def test_a_caseworker_records_an_answer_given_by_phone(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case(EMAIL)
    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        # Where they stand is in the case page's access section, by the refer form.
        worker.visit(f"/staff/cases/{case.reference}/access/")
        assert "They have not been asked." in page.locator("main").inner_text()
        worker.activate(f'main a[href="/staff/cases/{case.reference}/consents/provider_sharing/"]')
        words = page.locator("#words").inner_text()
        assert "Can we share your details with organisations that help?" in words
        worker.submit("main form button.govuk-button", "with errors")
        assert page.locator(".govuk-error-summary").count() == 1
        worker.answer({"given": "yes", "method": "phone"})
        worker.submit("main form button.govuk-button")
        assert worker.path == f"/staff/cases/{case.reference}/access/"
        main = page.locator("main").inner_text()
        assert "Their answer is recorded." in main and "They said yes on" in main
        worker.visit(f"/staff/cases/{case.reference}/consents/")
        assert "Recorded by Casey Worker." in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    consent = Consent.objects.get()
    assert (consent.method, consent.recorded_by) == ("phone", staff.caseworker)


@pytest.mark.parametrize("mode", MODES)
def test_the_start_page_offers_the_services_own_paper_form(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    context, person = browser(chromium, demo_site, axe, keyboard)
    page = person.page
    try:
        person.visit("/services/budgeting-loan/")
        main = page.locator("main").inner_text()
        assert "Get the form" not in main
        assert "By phone" in main and "In person" in main
        link = 'main a[href="/services/budgeting-loan/form-en.pdf"]'
        label = page.locator(link).inner_text()
        assert label == "Download the paper form"
        details = page.locator(f"{link} + span").inner_text()
        assert re.fullmatch(r"\(PDF, \d+ KB, \d+ pages\)", details), details
        # Following the link gets the PDF (Chromium shows it in its own viewer).
        with page.expect_response(lambda r: r.url.endswith("/form-en.pdf")) as info:
            if keyboard:
                person.tab_to(link)
                page.keyboard.press("Enter")
            else:
                page.click(link)
        response = info.value
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        # The viewer keeps the body to itself: the same address, fetched by the browser.
        pdf = page.context.request.get(response.url).body()
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert "Apply for a Budgeting Loan" in text and "Do you live with a partner?" in text
        assert f"{round(len(pdf) / 1024)} KB" in details
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
