"""A caseworker decides a case in the workspace and the person reads the decision and
replies to a message: with JavaScript off (mouse) and by keyboard alone (JavaScript on),
every page checked with axe-core."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from commonweal.cases.models import Case, Decision
from commonweal.messaging.models import Message, SavedReply, ThreadMessage
from tests.workspace import agree_to_sharing, citizen_case, make_staff

from .citizen import Citizen
from .conftest import VIEWPORT

pytestmark = pytest.mark.browser


def signed_in_context(chromium, base_url: str, user, *, javascript: bool):
    """A browser already signed in as `user` (the sign-in journey has its own tests)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        base_url=base_url, java_script_enabled=javascript, viewport=VIEWPORT
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_caseworker_decides_and_the_person_reads_it_and_replies(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    account, case = citizen_case()
    saved = SavedReply.objects.create(
        service=case.service,
        title="Ask for a bank statement",
        body_en="Please send your latest bank statement.",
    )

    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit("/staff/")
        worker.activate('a[href="/staff/queue/"]')
        assert case.reference in page.locator("main table").inner_text()
        worker.activate(f'main a[href="/staff/cases/{case.reference}/"]')
        assert page.locator("h1").inner_text().strip() == "Sam Evans"

        # Take the case, then write to the person.
        worker.submit('main button[value="me"]')
        assert "Casey Worker" in page.locator("#summary + dl, main").first.inner_text()
        # The messages are a section of the case page of their own. Start from a saved
        # reply: following its link fills the message box.
        worker.activate(f'main a[href="/staff/cases/{case.reference}/messages/"]')
        worker.activate(f'main a[href="?reply={saved.pk}#message-body"]')
        assert page.locator('[name="body"]').input_value() == saved.body_en
        worker.submit("#message-form button.govuk-button")
        assert "Message sent" in page.locator("main").inner_text()

        # A refusal without reasons is refused, with the error summary.
        worker.activate(f'main a[href="/staff/cases/{case.reference}/decision/"]')
        worker.choose("outcome", "refused")
        worker.submit("main form button.govuk-button", "without reasons")
        assert page.locator(".govuk-error-summary").count() == 1
        assert "at least one reason" in page.locator(".govuk-error-summary").inner_text()
        worker.choose("outcome", "refused")
        worker.tick("reasons", ["savings-too-high"])
        worker.fill('[name="explanation"]', "Your savings were £1,800 on the day you applied.")
        worker.submit("main form button.govuk-button", "to the preview")
        assert "Check the decision before you send it" in page.locator("h1").inner_text()
        worker.submit('main form button[value="send"]')
        assert "Decision: Refused" in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()

    decision = Decision.objects.get(case=case)
    assert decision.reasons == ["savings-too-high"]
    assert Message.objects.filter(case=case, event="decision_made").exists()

    # The person reads the decision and replies to the message.
    context = signed_in_context(chromium, demo_site, account, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    person = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        person.visit("/applications/")
        person.activate(f'main a[href="/applications/{case.reference}/"]')
        text = page.locator("main").inner_text()
        assert "more savings than the limit" in text
        assert "Your savings were £1,800" in text
        person.activate(f'main a[href="/applications/{case.reference}/messages/"]')
        assert "Please send your latest bank statement." in page.locator("main").inner_text()
        person.fill('[name="body"]', "I have attached it.")
        person.submit("main form button.govuk-button")
        assert "I have attached it." in page.locator("main").inner_text()
        assert person.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    reply = ThreadMessage.objects.get(case=case, from_staff=False)
    assert reply.body == "I have attached it."
    assert Case.objects.get(pk=case.pk).awaiting_reply_since is not None


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_workspace_pages_pass_axe(chromium, demo_site, axe, mode):
    """The pages the casework journey above does not reach, with something on them:
    search results, workload, a referred case as the provider sees it, and taking an
    application by phone (with its error summary)."""
    keyboard = mode == "keyboard"
    staff = make_staff()
    _account, case = citizen_case()
    from django.utils import timezone

    from commonweal.cases import services as cases_services
    from commonweal.organisations.selectors import staff_context

    # Due today, so it is in the workload's "due this week".
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate())

    agree_to_sharing(case)
    cases_services.case_refer(
        case_id=case.pk,
        organisation_id=staff.teams["provider"].organisation_id,
        scope=["person", "timeline"],
        reason="Furniture from the charity's store",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
    )
    for user, urls in (
        (
            staff.leader,
            ["/staff/search/?q=Evans", "/staff/workload/", "/staff/queue/?due=at_risk"],
        ),
        (staff.provider, ["/staff/queue/", f"/staff/cases/{case.reference}/"]),
    ):
        context = signed_in_context(chromium, demo_site, user, javascript=keyboard)
        if keyboard:
            axe.install(context)
        page = context.new_page()
        worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
        try:
            for url in urls:
                worker.visit(url)
                assert case.reference in page.locator("main").inner_text(), url
        finally:
            context.close()
    context = signed_in_context(chromium, demo_site, staff.caseworker, javascript=keyboard)
    if keyboard:
        axe.install(context)
    page = context.new_page()
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit("/staff/assisted/")
        worker.submit("main form button.govuk-button", "with errors")
        assert page.locator(".govuk-error-summary").count() == 1
        worker.answer({"service": "budgeting-loan", "channel": "phone", "identity": "knowledge"})
        worker.submit("main form button.govuk-button")
        assert "/eligibility/" in worker.path
        assert "Taking an application for someone" in page.locator("main").inner_text()
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
