"""Offers and payment holds in a real browser with axe-core, with JavaScript off (mouse)
and by keyboard alone (JavaScript on): the person accepts a loan offer in their account; a
team leader records an answer given by phone, holds the payment and releases it."""

from __future__ import annotations

import pytest

from commonweal.accounts import services as accounts_services
from commonweal.cases.models import Offer
from commonweal.payments.models import PaymentChange, PaymentInstruction
from commonweal.people import services as people_services
from tests.offers import offered_case
from tests.workspace import make_staff

from .citizen import Citizen
from .test_casework import signed_in_context

pytestmark = pytest.mark.browser

REPAYMENTS = "You will repay £5.05 a week for 91 weeks, then £4.45 in the last week."


def _account(email: str):
    account = accounts_services.account_for_email(email=email)
    people_services.person_for_account(account=account)
    return account


def _browser(chromium, demo_site, axe, user, keyboard: bool):
    context = signed_in_context(chromium, demo_site, user, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Citizen(page, keyboard=keyboard, language="en", axe=axe)


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_the_person_accepts_their_loan_offer(chromium, demo_site, axe, mode, settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    keyboard = mode == "keyboard"
    staff = make_staff()
    account = _account("sam.evans@example.com")
    case = offered_case(account, staff.leader)
    context, page, person = _browser(chromium, demo_site, axe, account, keyboard)
    try:
        person.visit(f"/applications/{case.reference}/")
        main = page.locator("main").inner_text()
        assert "We can lend you £464." in main and REPAYMENTS in main
        person.activate(f'main a[href="/applications/{case.reference}/offer/"]')
        assert "We take the repayments from your benefit" in page.locator("main").inner_text()
        # Sent without an answer: the error summary, linked to the question.
        person.submit("main form button.govuk-button", "without an answer")
        summary = page.locator(".govuk-error-summary")
        assert summary.count() == 1
        assert "Select whether you accept or decline" in summary.inner_text()
        assert page.locator('.govuk-error-summary a[href="#answer"]').count() == 1
        person.choose("answer", "accept")
        person.submit("main form button.govuk-button")
        assert page.locator(".govuk-panel__title").inner_text().strip() == "Offer accepted"
        person.activate("main a.govuk-link[href$='/" + case.reference + "/']")
        assert "The offer was accepted on" in page.locator("main").inner_text()
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert Offer.objects.get(case=case).status == "accepted"
    assert PaymentInstruction.objects.get(case=case).status == "pending"


def _open_details(worker: Citizen, page, selector: str) -> None:
    """Open a <details> element, by its summary, as a person would."""
    if worker.keyboard:
        worker.tab_to(f"{selector} summary")
        page.keyboard.press("Enter")
    else:
        page.click(f"{selector} summary")
    assert page.locator(selector).get_attribute("open") is not None


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_a_leader_records_a_phone_answer_then_holds_and_releases_the_payment(
    chromium, demo_site, axe, mode, settings, tmp_path
):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    keyboard = mode == "keyboard"
    staff = make_staff()
    case = offered_case(_account("sam.evans@example.com"), staff.leader)
    payment = PaymentInstruction.objects.get(case=case)
    context, page, leader = _browser(chromium, demo_site, axe, staff.leader, keyboard)
    try:
        leader.visit(f"/staff/cases/{case.reference}/payments/")
        main = page.locator("main").inner_text()
        assert REPAYMENTS in main and "Waiting for the person to accept" in main
        # The person phoned to accept.
        _open_details(leader, page, "#offer-answer-form")
        leader.choose("answer", "accept")
        leader.fill('[name="words"]', "Yes, I accept the loan.")
        leader.submit("#offer-answer-form button.govuk-button")
        assert "Answer recorded: the offer was accepted." in page.locator("main").inner_text()
        assert "Waiting for the next batch" in page.locator("#payment + dl").inner_text()
        # A query about the bank account: hold it from the case page, saying why.
        leader.fill("#payment-hold-reason", "The bank account is shared with another case")
        leader.submit("#payment-hold-form button.govuk-button")
        assert "Payment held." in page.locator("main").inner_text()
        # Released from the payments page, once the reason is given.
        leader.visit("/staff/payments/pending/")
        assert "The bank account is shared" in page.locator("#held + p + table").inner_text()
        leader.activate(f"main a[href='/staff/payments/instructions/{payment.pk}/']")
        leader.submit("main form button.govuk-button", "without a reason")
        assert page.locator(".govuk-error-summary").count() == 1
        leader.fill("#reason", "Checked with the bank: it is the person's own account")
        leader.submit("main form button.govuk-button")
        text = page.locator("main").inner_text()
        assert "Payment released." in text
        assert "Checked with the bank" in text  # the history
        assert leader.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert list(
        PaymentChange.objects.filter(instruction=payment).values_list("to_status", flat=True)
    ) == ["awaiting", "pending", "held", "pending"]
