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
        worker.visit(f"/staff/cases/{case.reference}/")
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
