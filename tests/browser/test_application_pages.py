"""What a new user found on the application page, the access page, the Budgeting Loan's
questions and the case page, checked in a real browser: with JavaScript off (mouse) and by
keyboard alone (JavaScript on), every page checked with axe-core."""

from __future__ import annotations

import pytest

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case
from commonweal.organisations.selectors import staff_context
from commonweal.people import services as people_services
from tests.journeys import BUDGETING_LOAN
from tests.test_notices import deliver_all
from tests.workspace import citizen_case, make_staff

from .citizen import Citizen
from .test_casework import signed_in_context
from .test_journeys import assert_error_shown

pytestmark = pytest.mark.browser

MODES = ["js-off", "keyboard"]


def browser_as(chromium, demo_site, axe, user, *, keyboard: bool):
    context = signed_in_context(chromium, demo_site, user, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Citizen(page, keyboard=keyboard, language="en", axe=axe)


def finish(axe, people) -> None:
    axe.finish()
    assert axe.problems == [], "\n".join(axe.problems)
    for person in people:
        assert person.focus_problems == []


@pytest.mark.parametrize("mode", MODES)
def test_the_application_page_after_a_decision_and_the_access_page(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    account, case = citizen_case()
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="We can lend you £400.",
        amount_pence=40_000,
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=Case.objects.get(pk=case.pk).revision,
    )
    deliver_all()  # the receipt and the decision, by email
    worker_context, _page, worker = browser_as(
        chromium, demo_site, axe, staff.caseworker, keyboard=keyboard
    )
    try:
        worker.visit(f"/staff/cases/{case.reference}/")  # a read the access page lists
    finally:
        worker_context.close()

    context, page, person = browser_as(chromium, demo_site, axe, account, keyboard=keyboard)
    try:
        person.visit("/applications/")
        assert "Apply for a Budgeting Loan" not in page.locator("main").inner_text()
        person.activate(f'main a[href="/applications/{case.reference}/"]')
        assert page.locator("h1").inner_text().strip() == "Budgeting Loan"
        main = page.locator("main").inner_text()
        decision, answers = main.split("Your answers")
        assert "We can lend you £400." in decision and "Date of decision" in decision
        assert "Jo Evans" in answers and "2 High Street" in answers
        assert "Date of decision" not in answers
        titles = page.locator(".app-timeline__title").all_inner_texts()
        # A loan approved is an offer to accept or decline: the notice is the offer's.
        assert titles == [
            "We told you about our offer",
            "We confirmed we have your application",
            "Offer made",
            "Decision made",
            "Application received",
        ]
        person.visit("/applications/", "again")
        person.activate('main a[href="/your-data/access/"]')
        assert "Demo Council" in page.locator("main h2").all_inner_texts()
        link = page.locator('main a[href="/contact/"]')
        assert link.count() == 1 and link.inner_text().strip() == "contact us"
        assert "contact us. Contact us" not in page.locator("main").inner_text()
        person.activate('main a[href="/contact/"]')
        assert person.path == "/contact/"
    finally:
        context.close()
    finish(axe, [worker, person])


def _to_the_partner_question(person: Citizen) -> None:
    """The eligibility questions and the pages before "Do you live with a partner?"."""
    person.visit("/services/budgeting-loan/")
    person.activate("main a.govuk-button--start")
    while "/eligibility/" in person.path:
        question_id = person.path.rstrip("/").split("/")[-1]
        person.answer({"answer": BUDGETING_LOAN["eligibility"][question_id]})
        person.submit("main form button.govuk-button")
    while not person.path.endswith("/partner/"):
        if person.path.endswith("/use-details-we-hold/"):
            person.answer({"reuse": "yes"})  # the address they signed in with, held
            person.submit("main form button.govuk-button")
            continue
        if person.path.endswith("/confirm-your-details/"):
            person.submit("main form button.govuk-button")
            continue
        page_id = person.path.rstrip("/").split("/")[-1]
        person.answer(BUDGETING_LOAN["pages"][page_id])
        person.submit('button[value="continue"]')


@pytest.mark.parametrize("mode", MODES)
def test_no_partner_questions_after_no_partner_and_every_bank_details_error_at_once(
    chromium, demo_site, axe, mode
):
    keyboard = mode == "keyboard"
    account, _case = citizen_case("robin.single@example.com")
    context, page, person = browser_as(chromium, demo_site, axe, account, keyboard=keyboard)
    try:
        _to_the_partner_question(person)
        person.answer({"has-partner": "no"})
        person.submit('button[value="continue"]')
        asked = []
        while not person.path.endswith("/bank-details/"):
            page_id = person.path.rstrip("/").split("/")[-1]
            asked.append(page.locator("h1").inner_text().strip())
            assert "partner" not in page.locator("main").inner_text().lower(), person.path
            person.answer(BUDGETING_LOAN["pages"][page_id])
            person.submit('button[value="continue"]')
        assert asked[:2] == ["Do you get Child Benefit?", "How much do you have in savings?"]

        person.answer(
            {
                "bank-details-name": "R Single",
                "bank-details-sort-code": "30-94",
                "bank-details-account-number": "12AB5678",
            }
        )
        person.submit('button[value="continue"]', "with two errors")
        assert_error_shown(person)
        summary = page.locator(".govuk-error-summary a")
        assert summary.all_inner_texts() == [
            "Enter a valid sort code like 309430",
            "Enter a valid account number like 00733445",
        ]
        assert [summary.nth(i).get_attribute("href") for i in range(2)] == [
            "#bank-details-sort-code",
            "#bank-details-account-number",
        ]
        assert (
            page.locator("#bank-details-sort-code-error")
            .inner_text()
            .endswith("Enter a valid sort code like 309430")
        )
        assert (
            page.locator("#bank-details-account-number-error")
            .inner_text()
            .endswith("Enter a valid account number like 00733445")
        )
        person.answer(BUDGETING_LOAN["pages"]["bank-details"])
        person.submit('button[value="continue"]')
        assert not person.path.endswith("/bank-details/")
    finally:
        context.close()
    finish(axe, [person])


@pytest.mark.parametrize("mode", MODES)
def test_the_case_page_of_a_phone_application(chromium, demo_site, axe, mode):
    """A phone application checked by questions only they would know, from someone whose
    accessibility needs hold markup: the Person panel shows the words as written, under a
    bold label, and the summary and the panel say the same about their identity."""
    from commonweal.catalogue import selectors as catalogue
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
    from commonweal.intake import services as intake_services

    keyboard = mode == "keyboard"
    staff = make_staff()
    application = intake_services.application_register(
        by=staff.caseworker,
        organisation_id=staff.teams["financial-support"].organisation_id,
        published=catalogue.published_service(slug="budgeting-loan"),
        channel="phone",
        identity_check="knowledge",
        person_email="jordan.price@example.com",
        answers=BUDGETING_LOAN_ANSWERS,
        language="en",
    )
    people_services.person_update(
        person=application.person,
        details={"accessibility_needs": "<b>Large print</b>, please"},
        by=None,
        reason="Told us by phone",
    )
    context, page, worker = browser_as(
        chromium, demo_site, axe, staff.caseworker, keyboard=keyboard
    )
    try:
        worker.visit("/staff/queue/")
        worker.activate(f'main a[href="/staff/cases/{application.reference}/"]')
        needs = page.locator(".govuk-inset-text")
        assert needs.inner_text().strip() == "Accessibility needs: <b>Large print</b>, please"
        assert needs.locator("strong").inner_text().strip() == "Accessibility needs:"
        assert needs.locator("b").count() == 0
        summary = page.locator(
            ".govuk-summary-list__row:has-text('Identity checked') .govuk-summary-list__value"
        ).first
        panel = page.locator('main p:has-text("Identity checked:")').inner_text()
        words = "low: answered questions only they would know"
        assert summary.inner_text().strip() == words
        assert panel.startswith(f"Identity checked: {words}")
        assert "knowledge" not in page.locator("main").inner_text()
    finally:
        context.close()
    finish(axe, [worker])
