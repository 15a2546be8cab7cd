"""The README's pictures of decisions, taken from the real pages. Not part of the suite (the
file name does not start with test_); run it on purpose after changing these pages:

    pytest tests/browser/readme_screenshots.py

It writes docs/images/workspace-queue.png, workspace-case.png, workspace-decision-error.png,
workspace-decision-preview.png and decision-reconsidered.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from commonweal.cases import services as cases_services
from commonweal.organisations.selectors import staff_context
from tests.workspace import citizen_case, make_staff, submit_case

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

pytestmark = pytest.mark.browser


def _page(chromium, base_url: str, user, width: int, height: int):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        base_url=base_url, java_script_enabled=False, viewport={"width": width, "height": height}
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context, context.new_page()


def test_readme_screenshots(chromium, demo_site):
    staff = make_staff()
    account, case = citizen_case()
    cases_services.case_assign(
        case_id=case.pk, assignee_id=staff.caseworker.pk, by=staff.caseworker, revision=None
    )
    cases_services.case_flag_set(case_id=case.pk, code="vulnerable", on=True, by=staff.caseworker)
    # The team queue on a working day's screen: one line a case.
    for _ in range(24):
        submit_case(account)
    context, page = _page(chromium, demo_site, staff.caseworker, 1280, 800)
    try:
        page.goto("/staff/queue/")
        page.screenshot(path=IMAGES / "workspace-queue.png")
    finally:
        context.close()
    # The case page's first screen: its header with the main actions, and the summary.
    context, page = _page(chromium, demo_site, staff.caseworker, 1280, 800)
    try:
        page.goto(f"/staff/cases/{case.reference}/")
        page.screenshot(path=IMAGES / "workspace-case.png")
    finally:
        context.close()
    context, page = _page(chromium, demo_site, staff.caseworker, 1280, 900)
    try:
        page.goto(f"/staff/cases/{case.reference}/decision/")
        page.check('input[name="outcome"][value="approved"]')
        page.check('input[name="reasons"][value="loan-approved"]')
        page.check('input[name="reasons"][value="savings-too-high"]')
        page.fill("#amount", "350")
        page.fill("#explanation", "We can lend you £350 towards the cooker you told us about.")
        page.click('main form button[value="preview"]')
        page.screenshot(path=IMAGES / "workspace-decision-error.png")
        page.uncheck('input[name="reasons"][value="savings-too-high"]')
        page.fill("#amount_reason", "The cooker they chose costs £350.")
        page.click('main form button[value="preview"]')
        page.screenshot(path=IMAGES / "workspace-decision-preview.png", full_page=True)
        page.click('main form button[value="send"]')
    finally:
        context.close()
    cases_services.case_reconsideration_request(
        case_id=case.pk, by=account, reason="The cooker I need costs £400, not £350."
    )
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You sent us the shop's price: the cooker costs £400, so we can lend you £400.",
        amount_pence=40_000,
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
    )
    context, page = _page(chromium, demo_site, account, 900, 1400)
    try:
        page.goto(f"/applications/{case.reference}/")
        page.screenshot(path=IMAGES / "decision-reconsidered.png")
    finally:
        context.close()
