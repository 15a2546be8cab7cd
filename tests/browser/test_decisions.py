"""The decision pages in the browser, with JavaScript off (mouse) and by keyboard alone
(JavaScript on), every page checked with axe-core: a caseworker approves with an amount and
reads the preview before sending; a team leader corrects the decision; the person reads
it, asks for a reconsideration, and reads the answer with where to go next."""

from __future__ import annotations

import pytest

from commonweal.cases import services as cases_services
from commonweal.cases.models import Decision
from commonweal.organisations.selectors import staff_context
from commonweal.payments.models import PaymentInstruction
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser


def _browser(chromium, demo_site, user, axe, keyboard: bool):
    context = signed_in_context(chromium, demo_site, user, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Citizen(page, keyboard=keyboard, language="en", axe=axe)


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_decision_is_previewed_corrected_and_reconsidered(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    account, case = citizen_case()
    decision_url = f"/staff/cases/{case.reference}/decision/"

    # A caseworker approves for less than the rules worked out: the form asks why.
    context, page, worker = _browser(chromium, demo_site, staff.caseworker, axe, keyboard)
    try:
        worker.visit(decision_url)
        assert page.input_value("#amount") == "400.00"
        worker.answer(
            {
                "outcome": "approved",
                "reasons": ["loan-approved"],
                "amount": "350",
                "explanation": "We can lend you £350 towards the cooker.",
            }
        )
        worker.submit('main form button[value="preview"]', "without a reason for the amount")
        summary = page.locator(".govuk-error-summary").inner_text()
        assert "Say why the amount is not the £400 the rules worked out" in summary
        worker.fill('[name="amount_reason"]', "The cooker costs £350.")
        worker.submit('main form button[value="preview"]', "to the preview")
        main = page.locator("main").inner_text()
        assert "Check the decision before you send it" in main
        assert "Loan amount\n£350" in main or "Loan amount £350" in main.replace("\t", " ")
        # The loan is an offer: the preview shows it, and the offer notice that tells them.
        assert "We can lend you £350." in main
        assert f"Your offer: Budgeting Loan ({case.reference})" in main
        # Change, then back to the preview, then send.
        worker.submit('main form button[value="change"]', "changing")
        assert page.input_value("#amount") == "350"
        worker.submit('main form button[value="preview"]', "to the preview again")
        worker.submit('main form button[value="send"]')
        assert "Decision recorded" in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    first = Decision.objects.get(case=case)
    assert first.amount_pence == 35_000
    assert PaymentInstruction.objects.get(case=case).amount_pence == 35_000

    # A team leader corrects it: the amount should have been £300.
    context, page, leader = _browser(chromium, demo_site, staff.leader, axe, keyboard)
    try:
        leader.visit(f"/staff/cases/{case.reference}/")
        leader.activate(f'main a[href="{decision_url}correct/"]')
        assert "The decision you are correcting" in page.locator("main").inner_text()
        leader.answer(
            {
                "amount": "300",
                "amount_reason": "They had £50 from the crisis fund.",
                "explanation": "We can lend you £300 towards the cooker.",
                "correction_reason": "We missed the £50 from the crisis fund.",
            }
        )
        leader.submit('main form button[value="preview"]', "to the preview")
        assert "Check the corrected decision" in page.locator("h1").inner_text()
        leader.submit('main form button[value="send"]')
        assert "Decision corrected" in page.locator("main").inner_text()
        assert leader.focus_problems == []
    finally:
        context.close()
    corrected = Decision.objects.get(case=case, supersedes=first)
    assert corrected.amount_pence == 30_000
    # The corrected amount is a new offer; its payment waits for the person's answer.
    assert PaymentInstruction.objects.get(case=case, status="awaiting").amount_pence == 30_000

    # The person reads the corrected decision and asks us to look at it again.
    context, page, person = _browser(chromium, demo_site, account, axe, keyboard)
    try:
        person.visit(f"/applications/{case.reference}/")
        main = page.locator("main").inner_text()
        assert "We corrected a mistake in our decision of" in main
        assert "We missed the £50 from the crisis fund." in main
        assert "We can lend you £300." in main
        person.activate(f'main a[href="/applications/{case.reference}/reconsideration/"]')
        person.fill('[name="reason"]', "The crisis fund paid my electricity, not the cooker.")
        person.submit("main form button.govuk-button")
        assert person.focus_problems == []
    finally:
        context.close()

    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You are right: the crisis payment was for your electricity.",
        amount_pence=35_000,
        amount_reason="The crisis payment was for something else.",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
    )

    # The answer: changed, why, and where to go next (not another look).
    context, page, person = _browser(chromium, demo_site, account, axe, keyboard)
    try:
        person.visit(f"/applications/{case.reference}/")
        main = page.locator("main").inner_text()
        assert "We have looked at our decision again" in main
        assert "We have changed our decision." in main
        assert "the crisis payment was for your electricity" in main
        assert "We can lend you £350." in main  # the new offer, to accept or decline
        assert page.locator('main a[href="https://www.ombudsman.wales/"]').count() == 1
        assert page.locator(f'main a[href$="/{case.reference}/reconsideration/"]').count() == 0
        person.visit(f"/applications/{case.reference}/reconsideration/", "after the review")
        assert "We have already looked at this decision again" in page.locator("main").inner_text()
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
