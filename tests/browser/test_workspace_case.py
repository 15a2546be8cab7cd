"""The staff case page on a 1280 × 800 screen: the header with the main actions stays in view,
"Make a decision" is inside the first screen on every section, the sections are reached by
keyboard (JavaScript on) and by mouse (JavaScript off), and anchors and focused elements land
below the header. Every page is checked with axe-core."""

from __future__ import annotations

import pytest

from commonweal.cases import services as cases_services
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}
SECTIONS = [
    ("", "Summary"),
    ("answers/", "Answers"),
    ("evidence/", "Evidence"),
    ("checks/", "Checks and rules"),
    ("messages/", "Messages"),
    ("history/", "History"),
    ("payments/", "Payments"),
    ("access/", "Access"),
]


def box_of(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def in_first_screen(page, selector: str) -> float:
    """The distance from the top of the screen to the bottom edge of the element, which
    must be inside the screen (asserted); the page is scrolled to the top first."""
    page.evaluate("() => window.scrollTo(0, 0)")
    box = box_of(page, selector)
    bottom = box["y"] + box["height"]
    assert box["y"] >= 0 and bottom < SCREEN["height"], (selector, box)
    return bottom


def below_the_header(page, selector: str) -> None:
    """The element is in view and not under the header that stays in view."""
    header = box_of(page, ".app-case-header")
    box = box_of(page, selector)
    header_bottom = header["y"] + header["height"]
    assert box["y"] >= header_bottom - 1, (selector, box, header)
    assert box["y"] + box["height"] <= SCREEN["height"], (selector, box)


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_the_case_page_keeps_its_header_and_the_decision_in_the_first_screen(
    chromium, demo_site, axe, mode
):
    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case()
    # A long history, so that the page scrolls well past the first screen.
    for number in range(30):
        cases_services.case_note_add(
            case_id=case.pk,
            text=f"Note {number}: rang the person about their application and left a message.",
            for_person=False,
            by=staff.caseworker,
        )
    base = f"/staff/cases/{case.reference}/"

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_viewport_size(SCREEN)
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit(base)
        bottom = in_first_screen(page, "#decide-action")
        print(f"\n{mode}: the decision action's bottom edge is {bottom:.0f} px from the top")
        header = box_of(page, ".app-case-header")
        print(f"{mode}: the case header is {header['height']:.0f} px tall")
        assert header["height"] < SCREEN["height"] / 4, header

        # Every section, from the row of section links; the header comes with each.
        for slug, title in SECTIONS[1:] + SECTIONS[:1]:
            worker.activate(f'main a.app-case-sections__link[href="{base}{slug}"]')
            assert worker.path == f"{base}{slug}"
            current = page.locator('main .app-case-sections [aria-current="page"]')
            assert current.count() == 1 and current.inner_text().strip() == title
            assert page.locator("h1").inner_text().strip() == "Sam Evans"
            in_first_screen(page, "#decide-action")

        # Scrolled to the end of a long section, the header and its actions stay in view.
        worker.visit(f"{base}history/")
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.evaluate("() => window.scrollY") > SCREEN["height"]
        assert abs(box_of(page, ".app-case-header")["y"]) < 1
        decide = box_of(page, "#decide-action")
        assert decide["y"] >= 0 and decide["y"] + decide["height"] < SCREEN["height"]

        # An anchor lands below the header, not under it.
        worker.visit(f"{base}history/#tasks")
        assert page.evaluate("() => window.scrollY") > 0
        below_the_header(page, "#tasks")

        if keyboard:
            # An element reached by Tab while the page has it under the header is scrolled
            # out from under it (WCAG 2.2, "Focus Not Obscured").
            page.locator("#note-text").focus()
            page.evaluate(
                """() => {
                    const header = document.querySelector('.app-case-header');
                    const button = document.querySelector('#note-form button');
                    const top = button.getBoundingClientRect().top + window.scrollY;
                    window.scrollTo(0, top - header.offsetHeight / 2);
                }"""
            )
            assert (
                box_of(page, "#note-form button")["y"] < box_of(page, ".app-case-header")["height"]
            )
            worker.tab_to("#note-form button")
            below_the_header(page, "#note-form button")
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_referred_case_shows_only_the_sections_its_referral_allows(
    chromium, demo_site, axe, mode
):
    from commonweal.organisations.selectors import staff_context
    from tests.workspace import agree_to_sharing

    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case()
    agree_to_sharing(case)
    cases_services.case_refer(
        case_id=case.pk,
        organisation_id=staff.teams["provider"].organisation_id,
        scope=["person", "timeline"],
        reason="Furniture from the charity's store",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
    )
    base = f"/staff/cases/{case.reference}/"
    context = signed_in_context(chromium, demo_site, staff.provider, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_viewport_size(SCREEN)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit(base)
        links = page.locator("main .app-case-sections__link")
        assert [links.nth(i).inner_text().strip() for i in range(links.count())] == [
            "Summary",
            "History",
            "Access",
        ]
        assert page.locator("#decide-action").count() == 0  # they cannot act on it
        worker.activate(f'main a.app-case-sections__link[href="{base}history/"]')
        assert "Application submitted" in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
