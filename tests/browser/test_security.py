"""The Content Security Policy in a real browser: with JavaScript on, citizen and staff pages
load their scripts and styles and the browser reports no refused content."""

from __future__ import annotations

import pytest

from tests.workspace import citizen_case, make_staff

from .conftest import VIEWPORT
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser

# Recorded before any of the page's own code runs (init scripts are not subject to the policy).
LISTEN_FOR_VIOLATIONS = """
window.commonwealViolations = [];
document.addEventListener("securitypolicyviolation", event => {
    window.commonwealViolations.push(
        `${event.violatedDirective} refused ${event.blockedURI || "inline"} ` +
        `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def visit_and_collect(context, base_url: str, paths: list[str]) -> list[str]:
    context.add_init_script(LISTEN_FOR_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    for path in paths:
        response = page.goto(base_url + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # GOV.UK Frontend's script ran: the body says so, and its components are set up.
        page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
        page.wait_for_load_state("networkidle")
        problems.extend(f"{path}: {v}" for v in page.evaluate("window.commonwealViolations"))
    page.close()
    return problems


def test_pages_load_with_javascript_and_nothing_is_refused(chromium, demo_site):
    staff = make_staff()
    account, case = citizen_case()
    reference = case.application.reference

    citizen = signed_in_context(chromium, demo_site, account, javascript=True)
    problems = visit_and_collect(
        citizen,
        demo_site,
        ["/", "/services/budgeting-loan/", f"/applications/{reference}/", "/check-status/"],
    )
    citizen.close()

    worker = signed_in_context(chromium, demo_site, staff.leader, javascript=True)
    problems += visit_and_collect(
        worker, demo_site, ["/staff/queue/", f"/staff/cases/{case.reference}/", "/staff/messages/"]
    )
    worker.close()
    assert problems == []


def test_an_inline_script_is_refused(chromium, demo_site):
    """The listener above does see violations: a script added inline is refused."""
    context = chromium.new_context(viewport=VIEWPORT, java_script_enabled=True)
    context.add_init_script(LISTEN_FOR_VIOLATIONS)
    page = context.new_page()
    page.goto(demo_site + "/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.body.append(s); }"""
    )
    page.wait_for_function("window.commonwealViolations.length > 0")
    assert page.evaluate("window.injected") is None
    assert "script-src" in page.evaluate("window.commonwealViolations")[0]
    context.close()
