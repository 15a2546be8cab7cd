"""Rules in the browser: a caseworker approves a case as the rules suggest (one-click), and a
service owner tries rules on sample answers; JavaScript off (mouse) and keyboard alone
(JavaScript on), every page checked with axe-core."""

from __future__ import annotations

import pytest

from commonweal.accounts.models import User
from commonweal.cases.models import Decision
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.rules import services as rules_services
from tests.test_rules import finish_checks, make_case, use_policy
from tests.workspace import make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_approve_as_the_rules_suggest_and_try_rules(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    owner = User.objects.create_user(
        "owner@council.example", display_name="Owen Owner", is_staff=True
    )
    organisations.membership_ensure(
        user=owner, team=staff.teams["financial-support"], role=Role.SERVICE_OWNER
    )
    use_policy("one_click")
    citizen = User.objects.create_user("sam.evans@example.com")
    case = make_case(citizen)
    finish_checks(case)
    rules_services.automation_consider(case_id=case.pk)

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit(f"/staff/cases/{case.reference}/checks/")
        # The rules in caseworker words first; the engine's working folded away.
        said = page.locator("#rules-plain").inner_text()
        assert "Sam does not get Universal Credit." in said
        assert "Sam's household savings of £250 are under the £1,000 limit" in said
        assert page.locator("#rules-working summary").inner_text() == "Show the rules' working"
        assert not page.locator("#rules-working table").is_visible()
        worker.submit("#approve-as-rules-suggest button")
        assert "Approved as the rules suggest" in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    assert Decision.objects.get(case=case).decided_by == staff.caseworker

    context = signed_in_context(chromium, demo_site, owner, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    tester = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        tester.visit("/staff/rules/")
        tester.activate('main a[href^="/staff/rules/budgeting-loan/"]')
        tester.fill('[name="sample"]', "{not json")
        tester.submit("main form button.govuk-button", "bad sample")
        assert page.locator(".govuk-error-summary").count() == 1
        tester.fill(
            '[name="sample"]',
            '{"answers": {"has-partner": false, "single-child-benefit": false,'
            ' "single-savings": "0", "amount": "300", "date-of-birth": "1990-05-01"},'
            ' "eligibility":'
            ' {"qualifying-benefit": "yes", "universal-credit": "no", "existing-debt": "no",'
            ' "industrial-action": "no"}}',
        )
        tester.submit("main form button.govuk-button", "result")
        explanation = page.locator("#explanation").inner_text()
        assert "You can borrow up to £348. We can lend you £300." in explanation
        said = page.locator("#rules-plain").inner_text()
        assert (
            "The most they can borrow is £348, because the person does not get Child Benefit "
            "and the person does not live with a partner."
        ) in said
        # The working opens with the details' summary, by keyboard or mouse, with no script.
        assert not page.locator("#rules-working table").is_visible()
        if keyboard:
            tester.tab_to("#rules-working summary")
            page.keyboard.press("Enter")
        else:
            page.click("#rules-working summary")
        working = page.locator("#rules-working table")
        assert working.is_visible()
        text = working.inner_text()
        assert "qualifying-benefit" in text and "answers.single_savings = £0" in text
        assert tester.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
