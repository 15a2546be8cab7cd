"""A bulk move on the team queue by keyboard alone, with JavaScript on and off: tick two
cases, choose the stage and press Move, check the confirmation page (with axe-core),
confirm."""

from __future__ import annotations

import pytest

from commonweal.cases.models import Case, CaseEvent
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


class KeyboardWorker(Citizen):
    """A member of staff using only the keyboard, in a browser with JavaScript on or off
    (the citizen's driver ties the keyboard to JavaScript on; staff pages are not weighed
    against the citizen pages' budget)."""

    def __init__(self, page, *, javascript: bool, axe):
        super().__init__(page, keyboard=True, language="en", axe=axe)
        self.javascript = javascript

    def arrived(self, label: str = "") -> None:
        name = f"{self.path} {label}".strip()
        assert self.page.get_attribute("html", "lang") == "en", name
        self.axe.check(self.page, name, javascript=self.javascript)

    def use_skip_link(self) -> None:
        """Without JavaScript, "Skip to main content" is a plain link to #main-content: the
        browser moves where Tab goes next there, without focusing the main element (GOV.UK
        Frontend's script makes it focusable)."""
        if self.javascript:
            super().use_skip_link()
            return
        self.page.keyboard.press("Tab")
        assert self.focused_matches("a.govuk-skip-link"), f"{self.path}: Tab missed the skip link"
        self.page.keyboard.press("Enter")
        assert self.page.url.endswith("#main-content"), f"{self.path}: skip link went nowhere"

    def select(self, selector: str, value: str) -> None:
        """Choose an option of a closed select with the arrow keys, as a keyboard user does."""
        self.tab_to(selector)
        count = self.page.locator(f"{selector} option").count()
        for _press in range(count + 1):
            if self.page.eval_on_selector(selector, "el => el.value") == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{self.path}: could not choose {value} in {selector}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_bulk_move_by_keyboard(chromium, demo_site, axe, javascript):
    staff = make_staff()
    _account, first = citizen_case()
    _other, second = citizen_case("robin.other@example.com")

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=javascript)
    if javascript:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = KeyboardWorker(page, javascript=javascript, axe=axe)
    try:
        worker.visit("/staff/queue/")
        worker.tick("cases", [str(first.pk), str(second.pk)])
        worker.select("#bulk-stage", "checking")
        worker.activate("#bulk-move", "the confirmation page")
        assert worker.path == "/staff/queue/confirm/"
        assert "Check before you move these cases" in page.locator("h1").inner_text()
        changes = page.locator("main table").first.inner_text()
        assert first.reference in changes and second.reference in changes
        assert (
            "2 cases will move to Checking your application." in page.locator("main").inner_text()
        )
        # Nothing has moved yet.
        assert Case.objects.filter(stage="checking").count() == 0

        worker.activate("#bulk-confirm", "after confirming")
        assert worker.path == "/staff/queue/"
        assert "2 cases moved to Checking your application." in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert "/staff/queue/confirm/ the confirmation page" in axe.pages
    assert axe.problems == []
    assert set(
        Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("stage", flat=True)
    ) == {"checking"}
    assert CaseEvent.objects.filter(kind="stage_changed", data__bulk=True).count() == 2
