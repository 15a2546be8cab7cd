"""The payments pages in a real browser with axe-core: a team leader finds the day's batch,
uploads a bank report that is refused, then one that is accepted (JavaScript off, and by
keyboard)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from commonweal.payments import services as payments
from commonweal.payments.models import PaymentInstruction
from tests.payments import paid_case, reconciliation_csv
from tests.workspace import make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_leader_reconciles_a_batch(chromium, demo_site, axe, mode, settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "23:59:59"
    keyboard = mode == "keyboard"
    staff = make_staff()
    made = [paid_case(staff.leader, amount_pence=amount)[1] for amount in (10_000, 25_000)]
    batch = payments.payment_batches_run(day=timezone.localdate()).made[0]
    paid_case(staff.leader)  # waiting for tomorrow's batch
    wrong = reconciliation_csv(batch, [(made[0].reference, 10_000, "paid", "")])
    right = reconciliation_csv(
        batch,
        [(made[0].reference, 10_000, "paid", ""), (made[1].reference, 25_000, "failed", "Closed")],
    )
    context = signed_in_context(chromium, demo_site, staff.leader, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    leader = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        leader.visit("/staff/payments/")
        assert f"Batch {batch.pk}" in page.locator("main").inner_text()
        leader.activate(f"main a[href='/staff/payments/batches/{batch.pk}/']")
        page.set_input_files("#reconciliation", files=[_file(wrong)])
        leader.submit("main form button.govuk-button", "with a file that does not match")
        assert page.locator(".govuk-error-summary").count() == 1
        assert "leaves out 1 payments" in page.locator(".govuk-error-summary").inner_text()
        page.set_input_files("#reconciliation", files=[_file(right)])
        leader.submit("main form button.govuk-button")
        assert "1 paid, 1 failed" in page.locator("main").inner_text()
        leader.visit("/staff/payments/pending/")
        assert "1 payment waiting" in page.locator("main").inner_text()
        assert leader.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert PaymentInstruction.objects.filter(status="failed").count() == 1


def _file(content: bytes) -> dict:
    return {"name": "report.csv", "mimeType": "text/csv", "buffer": content}
