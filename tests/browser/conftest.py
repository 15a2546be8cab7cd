"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is never downloaded (`playwright install` cannot work here): Playwright drives
the Chromium the system provides at /usr/bin/chromium. Without it the browser tests are
skipped, loudly, unless COMMONWEAL_REQUIRE_BROWSER=1 (as in CI), when they fail.
"""

from __future__ import annotations

import os
import re
from html import escape
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection, transaction

from tests.conftest import load_demo_services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_DIR = Path(__file__).resolve().parents[2]
AXE_JS = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, with the 2.0 and 2.1 rules it builds on.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

SCRIPT_ELEMENT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def _what_is_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} does not exist"
    if not AXE_JS.exists():
        return f"{AXE_JS} does not exist (run `npm ci`)"
    return None


def _browser_required() -> bool:
    return os.environ.get("COMMONWEAL_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, started once for the whole run.

    Without it the browser tests are skipped, loudly; with COMMONWEAL_REQUIRE_BROWSER=1 the
    fixture gives None instead, and each browser test fails (see pytest_pyfunc_call)."""
    missing = _what_is_missing()
    if missing is not None:
        if _browser_required():
            yield None
            return
        pytest.skip(
            f"!!! BROWSER TESTS NOT RUN: {missing}. Install Debian's chromium package "
            "(apt-get install chromium) to run them; set COMMONWEAL_REQUIRE_BROWSER=1 to make "
            "this a failure. !!!"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """A browser test without its browser, when the browser is required: it fails (in the
    test itself, so it is reported as FAILED, not as an error in setting it up)."""
    if "chromium" in pyfuncitem.funcargs and pyfuncitem.funcargs["chromium"] is None:
        pytest.fail(
            f"COMMONWEAL_REQUIRE_BROWSER=1 but {_what_is_missing()}: the browser tests cannot run",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def live_server_media_url():
    """Uploads are never served by address: MEDIA_URL is None, so storage refuses to make
    URLs for them. Django's live server, though, wraps itself in a media files handler that
    parses MEDIA_URL when its thread starts, and with None every request fails (TypeError:
    urlparse(None) gives bytes). While the server starts, MEDIA_URL names another host,
    which that handler leaves alone; then it is None again."""
    from django.conf import settings

    original = settings.MEDIA_URL
    settings.MEDIA_URL = "http://uploads-are-not-served.invalid/"
    yield
    settings.MEDIA_URL = original


@pytest.fixture(scope="session")
def live_server(live_server_media_url, live_server):
    """pytest-django's live server, started with a MEDIA_URL it can use."""
    from django.conf import settings

    settings.MEDIA_URL = None
    return live_server


def _empty_append_only_tables() -> None:
    """Empty the tables the database keeps append-only (case events, person changes), so
    the transactional database can be flushed after the test.

    On SQLite the flush deletes rows, which their triggers refuse, so each trigger is
    dropped, its table emptied and the trigger made again, as it was. (PostgreSQL's flush
    truncates, which row triggers do not see.)"""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND sql LIKE '%BEFORE DELETE%'"
        )
        triggers = cursor.fetchall()
    # The rows may be referred to by rows the flush deletes next: no foreign key checks here.
    with (
        connection.constraint_checks_disabled(),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        for name, table, sql in triggers:
            # Names read from the database's own catalogue, not from any input.
            cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
            cursor.execute(sql)


@pytest.fixture
def demo_site(live_server, mailoutbox):
    """The live server's address, with the demo services loaded.

    The live server needs the transactional database, which is emptied after every test,
    so the demo services are loaded again for each one. Sign-in codes are read from
    `mailoutbox`: the live server runs in this process, with Django's test email backend.
    """
    load_demo_services()
    yield live_server.url
    _empty_append_only_tables()


# axe's findings, reduced to what a failure message needs.
AXE_RUN = """tags => axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
}).then(result => result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")),
})))"""


class AxeAuditor:
    """Runs axe-core on pages and keeps what it finds.

    With JavaScript on, axe runs in the page itself, as it is after GOV.UK Frontend's
    JavaScript has run. It is added to every document of the context by an init script: the
    same file `add_script_tag(path=...)` would add, but the browser keeps it compiled, which
    saves a third of a second a page.

    With JavaScript off, axe cannot run in the page: scripts added to it (`add_script_tag`,
    init scripts) do not run in a context without JavaScript. Such a page's DOM is exactly
    the HTML the server sent, so it is copied (`page.content()`), its <script> elements
    removed (so that, as in the JS-off browser, nothing changes it) and set into a separate
    page, with JavaScript on, at the same origin, with a <base> element pointing at the
    original address. The copy so loads the same stylesheets from the same server: colour
    contrast, visibility and layout are judged as in the JS-off page. Loading the address
    again in a second context with the same cookies would not do: many pages are the result
    of a POST (an error, a status check), and some GETs change the application.

    A copy is checked while the JS-off journey goes on to the next page (the result is
    collected before the next copy is made, and by `finish`), so the two run side by side.
    """

    def __init__(self, copy_page):
        self.copy_page = copy_page
        self.problems: list[str] = []
        self.pages: list[str] = []
        self._pending: tuple[str, str] | None = None

    @staticmethod
    def install(context) -> None:
        """Add axe to every page of a context with JavaScript on."""
        context.add_init_script(path=str(AXE_JS))

    def check(self, page, label: str, *, javascript: bool) -> None:
        if javascript:
            self._ensure_axe(page)
            self._record(label, page.url, page.evaluate(AXE_RUN, AXE_TAGS))
            return
        self.finish()
        html = SCRIPT_ELEMENT.sub("", page.content())
        base = f'<base href="{escape(page.url)}">'
        html = re.sub(r"(<head\b[^>]*>)", lambda m: m.group(1) + base, html, count=1)
        copy = self.copy_page
        origin = "{0.scheme}://{0.netloc}".format(urlparse(page.url))
        if not copy.url.startswith(f"{origin}/"):
            # An empty document at the site's origin, served here, not by the site.
            blank = f"{origin}/axe-copy-of-a-page-without-javascript/"
            copy.route(blank, lambda route: route.fulfill(body="<!DOCTYPE html><title>-</title>"))
            copy.goto(blank)
            copy.unroute(blank)
        copy.set_content(html, wait_until="load")
        assert copy.evaluate(
            "() => [...document.styleSheets].some(s => s.href && s.cssRules.length > 100)"
        ), f"{label}: the copy for axe has no stylesheet"
        self._ensure_axe(copy)
        copy.evaluate(f"tags => {{ window.commonwealAxe = ({AXE_RUN})(tags); }}", AXE_TAGS)
        self._pending = (label, page.url)

    def finish(self) -> None:
        """Collect the result of the copy being checked, if there is one."""
        if self._pending is not None:
            label, url = self._pending
            self._pending = None
            self._record(label, url, self.copy_page.evaluate("() => window.commonwealAxe"))

    @staticmethod
    def _ensure_axe(page) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))

    def _record(self, label: str, url: str, violations: list[dict]) -> None:
        self.pages.append(label)
        for violation in violations:
            targets = "; ".join(violation["targets"])
            self.problems.append(
                f"{label} ({url}): {violation['id']} [{violation['impact']}] "
                f"{violation['help']} -> {targets}"
            )


VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def axe_copy_page(chromium):
    """The page, with JavaScript on, where copies of JavaScript-off pages are checked. One
    for the whole run: axe stays compiled and the stylesheets cached."""
    if chromium is None:  # required but missing: the test fails by itself
        yield None
        return
    context = chromium.new_context(viewport=VIEWPORT)
    AxeAuditor.install(context)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe(axe_copy_page):
    auditor = AxeAuditor(axe_copy_page)
    yield auditor
    auditor.finish()
