"""Who has seen my data, in a real browser with axe-core: a caseworker opens a person's case
in the workspace; the person signs in with an emailed code and sees on "Who has seen your
data" that the caseworker's organisation looked, why and when. JavaScript off (mouse) and
keyboard alone (JavaScript on)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from commonweal.core.jinja import date_long
from commonweal.privacy.models import AccessRecord
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .conftest import VIEWPORT
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser

EMAIL = "sam.evans@example.com"


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_the_person_sees_that_the_caseworker_looked(chromium, demo_site, axe, mailoutbox, mode):
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
        worker.visit("/staff/queue/")
        worker.activate(f'main a[href="/staff/cases/{case.reference}/"]')
        assert page.locator("h1").inner_text().strip() == "Sam Evans"
    finally:
        context.close()
    assert AccessRecord.objects.filter(person_id=case.person_id, purpose="team_queue").exists()

    context = chromium.new_context(
        base_url=demo_site, java_script_enabled=keyboard, viewport=VIEWPORT
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    person = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        person.visit("/sign-in/")
        person.answer({"email": EMAIL})
        person.submit("main form button.govuk-button")
        code = re.search(r"\b(\d{6})\b", [m for m in mailoutbox if EMAIL in m.to][-1].subject)
        person.answer({"code": code.group(1)})
        person.submit("main form button.govuk-button")
        if person.path != "/applications/":
            person.visit("/applications/")
        person.activate('main a[href="/your-data/access/"]')
        assert person.path == "/your-data/access/"
        main = page.locator("main").inner_text()
        assert "Who has seen your data" in main
        assert "Demo Council" in main
        assert "Working on your case as part of their team's work" in main
        assert date_long(timezone.localdate()) in main
        assert "Caseworker" in main and "Casey Worker" not in main
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_break_glass_and_oversight_pages(chromium, demo_site, axe, mode):
    from commonweal.accounts.models import User
    from commonweal.organisations import services as organisations
    from commonweal.organisations.models import Role

    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case(EMAIL)
    owner = User.objects.create_user("owner@council.example", display_name="Owen Owner")
    organisations.membership_ensure(
        user=owner, team=staff.teams["adaptations"], role=Role.SERVICE_OWNER
    )
    leader = User.objects.create_user("lead@council.example", display_name="Lee Leader")
    organisations.membership_ensure(
        user=leader, team=staff.teams["adaptations"], role=Role.TEAM_LEADER
    )

    for user in (owner, leader, staff.leader):
        context = signed_in_context(chromium, demo_site, user, javascript=keyboard)
        if keyboard:
            axe.install(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        someone = Citizen(page, keyboard=keyboard, language="en", axe=axe)
        try:
            if user == owner:
                someone.visit(f"/staff/cases/{case.reference}/")
                assert "/reason/" in someone.path
                someone.submit("main form button.govuk-button", "with an error")
                assert page.locator(".govuk-error-summary").count() == 1
                someone.fill('[name="reason"]', "The person phoned; their caseworker is away")
                someone.submit("main form button.govuk-button")
                assert someone.path == f"/staff/cases/{case.reference}/"
            elif user == leader:
                # The service owner's team leader sees the read and its reason.
                someone.visit("/staff/access/")
                assert "The person phoned" in page.locator("main").inner_text()
            else:
                someone.visit("/staff/access/")
                someone.submit("main form button.govuk-button", "with an error")
                assert page.locator(".govuk-error-summary").count() == 1
                someone.fill('[name="reference"]', case.reference)
                someone.fill('[name="reason"]', "Complaint investigation")
                someone.submit("main form button.govuk-button")
                assert "Complaint investigation" in page.locator("main").inner_text()
            assert someone.focus_problems == []
        finally:
            context.close()
    axe.finish()
    assert axe.problems == []
