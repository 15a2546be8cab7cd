"""The browser tests' own checks find what they look for: a test that cannot fail proves
nothing."""

from __future__ import annotations

import pytest

from .citizen import Citizen
from .conftest import VIEWPORT

pytestmark = pytest.mark.browser

# An image without a text alternative and pale grey text: two failures axe must report.
BAD_MARKUP = """() => document.querySelector("main h1").insertAdjacentHTML("afterend",
    '<img src="/static/commonweal/favicon.svg">'
    + '<p class="govuk-body" style="color:#c8c8c8">Pale</p>')"""


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_axe_reports_problems(chromium, demo_site, axe, javascript):
    # The test spoils the page with inline style, which the site's Content Security Policy
    # would refuse.
    context = chromium.new_context(
        base_url=demo_site, java_script_enabled=javascript, viewport=VIEWPORT, bypass_csp=True
    )
    if javascript:
        axe.install(context)
    page = context.new_page()
    try:
        page.goto("/")
        axe.check(page, "as served", javascript=javascript)
        axe.finish()
        assert axe.problems == []
        # Playwright's own evaluate still works with JavaScript off; the page's scripts do not.
        page.evaluate(BAD_MARKUP)
        axe.check(page, "spoiled", javascript=javascript)
        axe.finish()
    finally:
        context.close()
    found = " ".join(axe.problems)
    assert "image-alt" in found and "color-contrast" in found, axe.problems
    assert "main > img" in found or "img" in found


def test_keyboard_checks_notice_an_invisible_focus_and_an_unreachable_element(
    chromium, demo_site, axe
):
    # The test hides focus with an inline stylesheet, which the site's policy would refuse.
    context = chromium.new_context(base_url=demo_site, viewport=VIEWPORT, bypass_csp=True)
    axe.install(context)
    page = context.new_page()
    try:
        citizen = Citizen(page, keyboard=True, language="en", axe=axe)
        citizen.visit("/")
        citizen.tab_to('main a[href="/check-status/"]')
        assert citizen.focus_problems == []
        # Links look the same focused or not.
        page.add_style_tag(
            content="a, a:focus { outline: none !important; box-shadow: none !important;"
            " background: none !important; color: #1d70b8 !important;"
            " text-decoration: underline 1px !important; }"
        )
        citizen.tab_to('main a[href="/applications/"]')
        citizen.tab_to('main a[href="/check-status/"]', backwards=True)
        assert citizen.focus_problems == [
            '/: no visible focus on main a[href="/applications/"]',
            '/: no visible focus on main a[href="/check-status/"]',
        ]
        with pytest.raises(AssertionError, match="did not reach"):
            citizen.tab_to("#nothing-has-this-id")
    finally:
        context.close()
