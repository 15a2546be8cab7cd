"""A caseworker reads a case's automated checks and asks for them again: with JavaScript
off (mouse) and by keyboard alone, the page checked with axe-core."""

from __future__ import annotations

import pytest
from django.utils import timezone

from commonweal.checks import services as checks_services
from commonweal.checks.models import CheckRun
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_caseworker_reads_the_checks_and_runs_them_again(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case()
    checks_services.check_result_record(
        case=case,
        check_name="duplicate-ni-number",
        status="red",
        reasons=["Another person's open application for this service has the same NI number."],
        evidence={"open_cases": 1, "other_people": 1, "cases": ["BL-AAAA-BBBB"]},
    )
    checks_services.check_result_record(
        case=case,
        check_name="companies-house",
        status="error",
        reasons=["The check took too long and was stopped."],
        evidence={"error": "took longer than 20 seconds"},
    )
    checks_services.check_result_record(
        case=case, check_name="bank-details-format", status="green", reasons=["Passes."]
    )
    # The run queued when the application was sent has finished (no worker runs here).
    CheckRun.objects.filter(case=case).update(finished_at=timezone.now())

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit(f"/staff/cases/{case.reference}/checks/")
        checks = page.locator(".app-checks").inner_text()
        assert "Same NI number on another application" in checks
        assert "Could not run" in checks
        assert "The check took too long and was stopped." in checks
        worker.submit("#run-checks-form button.govuk-button")
        main = page.locator("main").inner_text()
        assert "The checks will run again in a moment" in main
        assert "have not finished yet" in main
        assert CheckRun.objects.filter(case=case, requested_by=staff.caseworker).count() == 1
        assert worker.focus_problems == []
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_checks_that_did_not_run_never_look_green_in_either_language(
    chromium, demo_site, axe, mode
):
    """The finding: "person index not built" and "modulus check not set up" showed Green,
    and in Welsh the statuses and reasons were English. A check that did not run is "Not
    run" (never the green tag), with why, in the reader's language."""
    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case()
    checks_services.checks_run(case_id=case.pk)
    CheckRun.objects.filter(case=case).update(finished_at=timezone.now())

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit(f"/staff/cases/{case.reference}/checks/")
        person_match = page.locator("#check-person-match")
        assert person_match.locator(".govuk-tag").inner_text() == "Not run"
        assert "govuk-tag--green" not in person_match.locator(".govuk-tag").get_attribute("class")
        assert "The person index has not been built yet" in person_match.inner_text()
        bank = page.locator("#check-bank-details-format")
        assert bank.locator(".govuk-tag").inner_text() == "Not run"
        assert "The modulus check is not set up" in bank.inner_text()
        # A green check is still green.
        assert page.locator("#check-account-holder-name .govuk-tag").inner_text() == "Green"
        # The evidence opens from the keyboard (or with a click, JavaScript off).
        if keyboard:
            worker.tab_to("#check-person-match summary")
            page.keyboard.press("Enter")
        else:
            page.click("#check-person-match summary")
        assert person_match.locator("details").get_attribute("open") is not None
        assert "Linkage run" in person_match.inner_text()
        # In Welsh.
        worker.language = "cy"
        worker.visit(f"/language/cy/?next=/staff/cases/{case.reference}/checks/")
        assert person_match.locator(".govuk-tag").inner_text() == "Heb ei redeg"
        assert "Nid yw'r mynegai pobl wedi'i adeiladu eto" in person_match.inner_text()
        assert page.locator("#check-account-holder-name .govuk-tag").inner_text() == "Gwyrdd"
        checks = page.locator(".app-checks").inner_text()
        for english in ("Not run", "Green", "The person index", "modulus check is not set up"):
            assert english not in checks, english
        assert worker.focus_problems == []
    finally:
        context.close()
