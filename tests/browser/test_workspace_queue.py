"""The team queue on a 1280 × 800 screen, as a caseworker spends the day in it: at least 15
cases on the first screen, the navigation on one row, axe with JavaScript on and off, and
the next-case shortcut (with its links when JavaScript is off)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from commonweal.cases.models import Case
from tests.workspace import citizen_case, make_staff, submit_case

from .citizen import Citizen

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}
OPEN_CASES = 42

# The case rows wholly inside the window as it first shows (nothing scrolled).
ROWS_ON_FIRST_SCREEN = """() => [...document.querySelectorAll("tr[data-case-row]")]
    .map(row => row.getBoundingClientRect())
    .filter(box => box.top >= 0 && box.bottom <= window.innerHeight).length"""
# The tops of the navigation's items (and the service name): one value is one row.
NAVIGATION_ROWS = """() => new Set([...document.querySelectorAll(
    ".govuk-service-navigation__service-name, .govuk-service-navigation__item")]
    .map(item => Math.round(item.getBoundingClientRect().top))).size"""


def _signed_in(chromium, base_url: str, user, *, javascript: bool):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        base_url=base_url, java_script_enabled=javascript, viewport=SCREEN
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
    return context


@pytest.fixture
def busy_queue(demo_site):
    staff = make_staff()
    account, first = citizen_case()
    for _ in range(OPEN_CASES - 1):
        submit_case(account)
    assert Case.objects.filter(closed_at__isnull=True, team=first.team).count() >= 40
    return staff


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_the_queue_fills_a_1280_by_800_screen_and_next_case_works(
    chromium, demo_site, axe, busy_queue, mode
):
    keyboard = mode == "keyboard"
    # The team leader sees every item the navigation can hold.
    context = _signed_in(chromium, demo_site, busy_queue.leader, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit("/staff/queue/")
        visible = page.evaluate(ROWS_ON_FIRST_SCREEN)
        print(f"\n{mode}: {visible} case rows wholly visible in a 1280 x 800 window")
        assert visible >= 15, f"only {visible} case rows on the first screen"
        assert page.evaluate(NAVIGATION_ROWS) == 1, "the navigation wraps at 1280 pixels"
        # Each case is one line: a row is no taller than the tallest thing in one line.
        heights = page.evaluate(
            """() => [...document.querySelectorAll("tr[data-case-row]")]
                .map(row => row.getBoundingClientRect().height)"""
        )
        assert max(heights) < 40, heights
        # The leaders' tools open from "More", by keyboard or mouse, with or without JavaScript.
        if keyboard:
            worker.tab_to("summary.app-nav-more__summary")
            page.keyboard.press("Enter")
        else:
            page.click("summary.app-nav-more__summary")
        assert page.get_by_role("link", name="Workload").is_visible()
        axe.check(page, "/staff/queue/ with More open", javascript=keyboard)

        # Save the filters: without a name they are asked again, then kept under one (typing
        # j and k into the name types them: the shortcuts keep out of form fields).
        if keyboard:
            worker.tab_to("details.app-save-filters summary")
            page.keyboard.press("Enter")
        else:
            page.click("details.app-save-filters summary")
        worker.submit("details.app-save-filters button", "with no name")
        assert page.locator(".govuk-error-summary").count() == 1
        worker.fill("#filter-name", "Overdue jobs kept")
        worker.submit("main form button.govuk-button", "saved")
        saved = page.get_by_role("navigation", name="Your saved filters")
        assert saved.get_by_role("link", name="Overdue jobs kept").is_visible()

        references = page.locator("tr[data-case-row] a[data-case-link]").all_inner_texts()
        assert len(references) == OPEN_CASES

        if keyboard:
            # j moves along the list, Enter opens the case, j on the case goes to the next.
            page.keyboard.press("j")
            page.keyboard.press("j")
            assert page.evaluate("() => document.activeElement.textContent") == references[1]
            page.keyboard.press("k")
            assert page.evaluate("() => document.activeElement.textContent") == references[0]
            worker._go(lambda: page.keyboard.press("Enter"), "first case")
            assert worker.path == f"/staff/cases/{references[0]}/"
            assert page.locator("details.app-shortcuts summary").is_visible()
            worker._go(lambda: page.keyboard.press("j"), "by the shortcut")
            assert worker.path == f"/staff/cases/{references[1]}/"
            # Typing a j in a form field (the history section's note) types it, and stays on
            # the page; the shortcuts work from every section of the case.
            worker.visit(f"/staff/cases/{references[1]}/history/")
            field = page.locator("main textarea").first
            field.focus()
            page.keyboard.type("jk")
            assert field.input_value().endswith("jk")
            assert worker.path == f"/staff/cases/{references[1]}/history/"
            page.locator("main").first.click(position={"x": 1, "y": 1})
            worker._go(lambda: page.keyboard.press("k"), "back by the shortcut")
            assert worker.path == f"/staff/cases/{references[0]}/"
        else:
            worker.activate(f'a[href="/staff/cases/{references[0]}/"]')
            assert page.get_by_role("link", name="Next case").is_visible()
            assert page.locator("[data-shortcuts-toggle]").is_hidden()
            worker.activate('a[rel="next"]')
            assert worker.path == f"/staff/cases/{references[1]}/"
            worker.activate('a[rel="prev"]')
            assert worker.path == f"/staff/cases/{references[0]}/"
            # In Welsh, whose words are longer, the navigation and the rows fit as well.
            welsh = Citizen(page, keyboard=False, language="cy", axe=axe)
            welsh.visit("/language/cy/?next=/staff/queue/", "in Welsh")
            assert welsh.path == "/staff/queue/"
            assert page.evaluate(NAVIGATION_ROWS) == 1, "the Welsh navigation wraps"
            welsh_rows = page.evaluate(ROWS_ON_FIRST_SCREEN)
            print(f"in Welsh: {welsh_rows} case rows wholly visible")
            assert welsh_rows >= 15
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert worker.focus_problems == []
