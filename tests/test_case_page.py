"""What the case page says about the person, as a caseworker reads it."""

import pytest

from commonweal.people import services as people_services
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


def staff_client(client, user):
    client.force_login(user)
    return client


def test_accessibility_needs_are_shown_with_a_bold_label_and_the_words_escaped(
    client, staff, citizen
):
    case = submit_case(citizen)
    people_services.person_update(
        person=case.person,
        details={"accessibility_needs": "<script>alert(1)</script> Large print, please"},
        by=None,
        reason="Test",
    )
    html = staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    html = html.content.decode()
    assert "<strong>Accessibility needs:</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Large print, please" in html
    assert "<script>alert(1)" not in html
    assert "&lt;strong&gt;" not in html


def _taken_by_phone(
    staff,
    *,
    identity_check: str,
    channel: str = "phone",
    email: str = "jordan.price@example.com",
):
    """A Budgeting Loan a caseworker took by phone (as the demo's are), with its check."""
    from commonweal.catalogue import selectors as catalogue
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
    from commonweal.intake import services as intake_services

    application = intake_services.application_register(
        by=staff.caseworker,
        organisation_id=staff.teams["financial-support"].organisation_id,
        published=catalogue.published_service(slug="budgeting-loan"),
        channel=channel,
        identity_check=identity_check,
        person_email=email,
        answers=BUDGETING_LOAN_ANSWERS,
        language="en",
    )
    return application.case


def _summary_and_panel(client, user, case) -> tuple[str, str]:
    """What the summary's "Identity checked" row and the Person panel say, as text."""
    import re
    from html import unescape

    html = staff_client(client, user).get(f"/staff/cases/{case.reference}/").content.decode()
    row = re.search(
        r'<dt class="govuk-summary-list__key">\s*Identity checked\s*</dt>\s*'
        r'<dd class="govuk-summary-list__value">\s*(.*?)\s*</dd>',
        html,
        re.DOTALL,
    )
    panel = re.search(r"Identity checked: (.*?)(?: <a |</p>)", html)
    assert row and panel, html
    return unescape(row.group(1)), unescape(panel.group(1))


def test_a_phone_application_checked_by_questions_says_the_same_in_summary_and_panel(client, staff):
    case = _taken_by_phone(staff, identity_check="knowledge")
    summary, panel = _summary_and_panel(client, staff.caseworker, case)
    assert summary == panel == "low: answered questions only they would know"
    case.person.refresh_from_db()
    assert (case.person.identity_level, case.person.identity_source) == ("low", "staff_questions")
    # The staff timeline (in the case's history) keeps how this application's caller was
    # checked.
    html = staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/history/")
    assert (
        "Application received (By phone; identity: they answered questions only they would know)"
        in html.content.decode()
    )


def test_a_document_seen_in_person_proves_identity_and_a_later_call_does_not_lower_it(
    client, staff
):
    seen = _taken_by_phone(staff, identity_check="document:passport", channel="in_person")
    summary, panel = _summary_and_panel(client, staff.caseworker, seen)
    assert summary == panel == "high: identity documents seen in person"
    # A later phone application, checked only by questions, leaves what the record knows.
    later = _taken_by_phone(staff, identity_check="knowledge")
    assert later.person_id == seen.person_id
    summary, panel = _summary_and_panel(client, staff.caseworker, later)
    assert summary == panel == "high: identity documents seen in person"


def test_an_unchecked_phone_application_says_not_checked_in_both_places(client, staff):
    case = _taken_by_phone(staff, identity_check="not_checked", email="")
    assert _summary_and_panel(client, staff.caseworker, case) == ("not checked", "not checked")
