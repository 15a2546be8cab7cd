"""A caseworker decides a pair in the person index's review queue: with JavaScript off
(mouse) and by keyboard alone (JavaScript on), every page checked with axe-core."""

from __future__ import annotations

import pytest

from commonweal.personindex import services
from commonweal.personindex.models import ReviewPair
from tests.test_person_index import _small_index, trained_model
from tests.workspace import make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_caseworker_decides_a_pair(chromium, demo_site, axe, mode, tmp_path):
    keyboard = mode == "keyboard"
    staff = make_staff()
    _small_index(tmp_path)
    # A match threshold no pair reaches, so every scored pair waits for a person.
    services.index_link(model=trained_model(), match_threshold=1.01, review_threshold=0.01)
    pair = ReviewPair.objects.order_by("-match_probability", "pk").first()
    assert pair is not None

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit("/staff/")
        worker.activate('a[href="/staff/person-index/review/"]')
        assert page.locator("h1").inner_text().strip() == "Records to review"
        card = page.locator(f"#pair-{pair.pk}")
        assert pair.record_a.source_id in card.inner_text()
        worker.submit(f'#pair-{pair.pk} button[value="same"]')
        assert "Recorded: the same person" in page.locator("main").inner_text()
        assert page.locator(f"#pair-{pair.pk}").count() == 0
        assert worker.focus_problems == []
        axe.finish()
        assert axe.problems == []
    finally:
        context.close()
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("confirmed", staff.caseworker)
