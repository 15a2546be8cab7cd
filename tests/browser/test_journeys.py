"""Every demo service applied for in a real browser, from the service list to checking the
status after signing out: in English and in Welsh, with JavaScript off (using the mouse)
and by keyboard alone (JavaScript on). Every page on the way is checked with axe-core, and
in the keyboard runs weighed."""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from commonweal.catalogue import selectors as catalogue
from commonweal.intake.models import Application
from tests.journeys import DEMO_JOURNEYS, status_check_details

from .citizen import PAGE_WEIGHT_LIMIT, Citizen
from .conftest import VIEWPORT

pytestmark = pytest.mark.browser

EMAIL = "sam.evans@example.com"
# Optional file questions: in the JavaScript-off runs a real PNG is uploaded to them.
UPLOADS = {"home-adaptation": "ot-report", "carers-grant": "evidence"}

# Budgeting Loan is walked every way; the other services in English with JavaScript off and
# in Welsh by keyboard, which keeps the browser suite to a few minutes on two cores.
RUNS = [
    ("budgeting-loan", "en", "js-off"),
    ("budgeting-loan", "cy", "keyboard"),
    ("budgeting-loan", "cy", "js-off"),
    ("budgeting-loan", "en", "keyboard"),
    ("home-adaptation", "en", "js-off"),
    ("home-adaptation", "cy", "keyboard"),
    ("energy-support", "en", "js-off"),
    ("energy-support", "cy", "keyboard"),
    ("carers-grant", "en", "js-off"),
    ("carers-grant", "cy", "keyboard"),
]


def small_png(width: int = 12, height: int = 8) -> bytes:
    """A real (tiny, red) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    rows = b"".join(b"\x00" + b"\xd4\x35\x1c" * width for _row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def assert_error_shown(citizen: Citizen) -> None:
    """The page shows GOV.UK's error summary, whose links lead to the fields in error, and
    the inline errors; its title starts "Error:". With JavaScript, the summary has focus."""
    page = citizen.page
    assert page.locator(".govuk-error-summary").count() == 1, f"{citizen.path}: no error summary"
    assert page.locator(".govuk-error-message").count() >= 1, f"{citizen.path}: no inline error"
    assert page.title().startswith(("Error:", "Gwall:")), page.title()
    targets = page.eval_on_selector_all(
        ".govuk-error-summary a",
        """links => links.map(a => {
            const target = document.getElementById(a.hash.slice(1));
            return [a.hash, target ? target.tagName : null];
        })""",
    )
    assert targets, f"{citizen.path}: the error summary has no links"
    for href, tag in targets:
        assert tag in ("INPUT", "TEXTAREA", "SELECT"), f"{citizen.path}: {href} leads to {tag}"
    if citizen.keyboard:
        focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
        assert citizen.focused_matches(".govuk-error-summary"), (
            f"{page.url}: the error summary does not have focus, {focused} has"
        )


@pytest.mark.parametrize(("slug", "language", "mode"), RUNS, ids=["-".join(run) for run in RUNS])
def test_apply_and_track(chromium, demo_site, axe, mailoutbox, tmp_path, slug, language, mode):
    keyboard = mode == "keyboard"
    journey = DEMO_JOURNEYS[slug]
    definition = catalogue.published_service(slug=slug).definition
    title = definition.title.text(language)
    # After applying, pages name the application by the service's plain name.
    plain_name = definition.name.text(language)
    plain_name = plain_name[0].upper() + plain_name[1:]
    first_stage = definition.stages[0].title.text(language)

    context = chromium.new_context(
        base_url=demo_site,
        java_script_enabled=keyboard,
        viewport=VIEWPORT,
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    citizen = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    uploaded = None
    try:
        # Find the service, in the language chosen.
        citizen.visit("/")
        if language == "cy":
            citizen.language = "cy"
            citizen.activate('a[hreflang="cy"]', "in Welsh")
        assert page.locator(f'main a[href="/services/{slug}/"]').inner_text().strip() == title
        if keyboard:
            citizen.use_skip_link()
        citizen.activate(f'main a[href="/services/{slug}/"]')
        assert page.locator("h1").inner_text().strip() == title
        citizen.activate("main a.govuk-button--start")

        # Check they can apply; the first question is sent empty once to see the error.
        checked_error = False
        while "/eligibility/" in citizen.path:
            question_id = citizen.path.rstrip("/").split("/")[-1]
            if not checked_error:
                citizen.submit("main form button.govuk-button", "with an error")
                assert_error_shown(citizen)
                checked_error = True
            citizen.answer({"answer": journey["eligibility"][question_id]})
            citizen.submit("main form button.govuk-button")

        # Sign in with a code sent by email.
        assert citizen.path == "/sign-in/", citizen.path
        citizen.answer({"email": EMAIL})
        citizen.submit("main form button.govuk-button")
        assert citizen.path == "/sign-in/code/", citizen.path
        codes = [m for m in mailoutbox if EMAIL in m.to]
        assert codes, "no sign-in code was emailed"
        code = re.search(r"\b(\d{6})\b", codes[-1].subject).group(1)
        citizen.answer({"code": code})
        citizen.submit("main form button.govuk-button")

        # Every question page, until "Check your answers".
        checked_error = False
        for _step in range(60):
            path = citizen.path
            if path.endswith("/check-your-answers/"):
                break
            if path.endswith("/use-details-we-hold/"):
                # The address they signed in with is held: may it be used?
                citizen.answer({"reuse": "yes"})
                citizen.submit("main form button.govuk-button")
                assert citizen.path.endswith("/confirm-your-details/"), citizen.path
                continue
            if path.endswith("/confirm-your-details/"):
                citizen.submit("main form button.govuk-button")
                continue
            assert f"/services/{slug}/apply/" in path, path
            page_id = path.rstrip("/").split("/")[-1]
            answers = journey["pages"][page_id]
            postcode = page.locator('input[name$="-lookup-postcode"]:not([type="hidden"])')
            if postcode.count():
                name = postcode.get_attribute("name")
                question_id = name.removesuffix("-lookup-postcode")
                citizen.fill(f'[name="{name}"]', "")
                citizen.submit('button[value="find"]', "with an error")
                assert_error_shown(citizen)
                citizen.fill(f'[name="{name}"]', answers["lookup"]["postcode"])
                citizen.submit('button[value="find"]', "addresses found")
                if keyboard:
                    # "Search again" goes back to the postcode, then the same one is found.
                    citizen.activate('main a.govuk-button--secondary[href*="address=find"]')
                    citizen.fill(f'[name="{name}"]', answers["lookup"]["postcode"])
                    citizen.submit('button[value="find"]', "addresses found")
                citizen.choose(f"{question_id}-choice", answers["lookup"]["choice"])
                citizen.submit('button[value="choose"]')
                continue
            if not checked_error:
                citizen.submit('button[value="continue"]', "with an error")
                assert_error_shown(citizen)
                checked_error = True
            citizen.answer(answers)
            if not keyboard and UPLOADS.get(slug) == page_id:
                uploaded = tmp_path / f"{page_id}-photo.png"
                uploaded.write_bytes(small_png())
                page.set_input_files(f'input[type="file"][name="{page_id}"]', str(uploaded))
            citizen.submit('button[value="continue"]')
        else:
            raise AssertionError("the journey did not reach check your answers")

        # Check the answers and send them.
        if uploaded is not None:
            assert uploaded.name in page.locator("main .govuk-summary-list").inner_text()
        citizen.submit("main form button.govuk-button")
        assert "/confirmation/" in citizen.path, citizen.path
        reference = page.locator(".govuk-panel .app-reference").inner_text().strip()
        application = Application.objects.get(status="submitted")
        assert reference == application.reference
        if uploaded is not None:
            assert application.answers[UPLOADS[slug]]["name"] == uploaded.name

        # Where the application is.
        citizen.activate(f'main a[href="/applications/{reference}/"]')
        main = page.locator("main").inner_text()
        assert reference in main and first_stage in main and plain_name in main

        # Sign out, then check the status with the reference, date of birth and postcode.
        citizen.activate('form[action="/sign-out/"] button')
        citizen.activate('a[href="/check-status/"]')
        citizen.submit("main form button.govuk-button", "with an error")
        assert_error_shown(citizen)
        details = status_check_details(journey, reference)
        citizen.answer(
            {
                "reference": details["reference"],
                "dob-day": details["dob-day"],
                "dob-month": details["dob-month"],
                "dob-year": details["dob-year"],
                "postcode": details["postcode"],
            }
        )
        citizen.submit("main form button.govuk-button", "result")
        main = page.locator("main").inner_text()
        assert reference in main and first_stage in main and plain_name in main
    finally:
        context.close()
        axe.finish()
        for problem in axe.problems:
            print(problem)

    assert not axe.problems, "axe found accessibility problems:\n" + "\n".join(axe.problems)
    assert len(axe.pages) >= 20, axe.pages
    if keyboard:
        assert not citizen.focus_problems, "\n".join(citizen.focus_problems)
        assert not citizen.fonts, f"fonts were downloaded: {citizen.fonts}"
        too_heavy = [(name, size) for name, size in citizen.weights if size > PAGE_WEIGHT_LIMIT]
        assert not too_heavy, f"pages over {PAGE_WEIGHT_LIMIT} bytes: {too_heavy}"
        assert len(citizen.weights) == len(axe.pages)
