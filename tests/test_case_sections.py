"""The staff case page in sections (issue 15): a header with the main actions over the
summary at the case's own URL and a page for each other section. Each section shows its own
content, answers 404 to a reader whose referral does not include it, records each read once in
the access log (break glass included), and makes the same number of queries however much
the case holds."""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case
from commonweal.checks import services as checks_services
from commonweal.intake.models import Upload
from commonweal.messaging import services as messaging
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.organisations.selectors import staff_context
from commonweal.privacy.models import AccessRecord
from commonweal.workspace import presenters
from tests.test_query_counts import queries_for
from tests.workspace import agree_to_sharing, citizen_case, make_staff

pytestmark = pytest.mark.django_db

# Each section: its address under the case's, and words only it shows.
SECTIONS = {
    "": 'id="summary"',
    "answers/": 'id="answers"',
    "evidence/": 'id="evidence"',
    "checks/": 'id="checks"',
    "messages/": 'id="messages"',
    "history/": 'id="timeline"',
    "payments/": 'id="payment"',
    "access/": 'id="referrals"',
}
SECTION_NAMES = {
    "": "Summary",
    "answers/": "Answers",
    "evidence/": "Evidence",
    "checks/": "Checks and rules",
    "messages/": "Messages",
    "history/": "History",
    "payments/": "Payments",
    "access/": "Access",
}


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(staff):
    _account, case = citizen_case()
    return case


def signed_in(client, user):
    client.force_login(user)
    return client


def refer_to_provider(case, staff, scope):
    agree_to_sharing(case)
    return cases_services.case_refer(
        case_id=case.pk,
        organisation_id=staff.teams["provider"].organisation_id,
        scope=scope,
        reason="Furniture from the charity's store",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
    )


def log_inserts(captured) -> int:
    return sum(
        1
        for query in captured
        if query["sql"].startswith("INSERT") and "privacy_accessrecord" in query["sql"]
    )


def section_links(html: str) -> list[str]:
    return re.findall(r'class="app-case-sections__link[^"]*" href="([^"]+)"', html)


# Each section and its header


def test_each_section_shows_its_own_part_under_the_same_header(client, staff, case):
    c = signed_in(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/"
    for slug, marker in SECTIONS.items():
        html = c.get(base + slug).content.decode()
        assert marker in html, slug
        # Only this section's part: the others' are on their own pages.
        for other, other_marker in SECTIONS.items():
            if other != slug:
                assert other_marker not in html, (slug, other)
        # The header, the same on every section.
        assert case.reference in html and "<h1" in html and "Sam Evans" in html
        assert f'href="/staff/cases/{case.reference}/decision/"' in html
        # Every section linked, this one marked as the current page.
        assert section_links(html) == [base + s for s in SECTIONS]
        current = re.findall(r'href="([^"]+)" aria-current="page">([^<]+)<', html)
        assert current == [(base + slug, SECTION_NAMES[slug])], slug


def test_the_sections_show_what_they_hold(client, staff, case):
    c = signed_in(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/"
    assert "Jo Evans" in c.get(base + "answers/").content.decode()  # an answer
    assert "No files were sent with the application." in c.get(base + "evidence/").content.decode()
    assert "Run checks again" in c.get(base + "checks/").content.decode()
    messaging.thread_message_post(
        case=case, by=staff.caseworker, from_staff=True, body="Please send a payslip."
    )
    assert "Please send a payslip." in c.get(base + "messages/").content.decode()
    cases_services.case_note_add(
        case_id=case.pk, text="Rang them back.", for_person=False, by=staff.caseworker
    )
    history = c.get(base + "history/").content.decode()
    assert "Rang them back." in history and 'id="tasks"' in history
    assert (
        "There is no offer or payment on this case." in c.get(base + "payments/").content.decode()
    )
    access = c.get(base + "access/").content.decode()
    assert "This case has not been referred to another organisation." in access
    assert 'id="refer-form"' in access and 'id="transfer-form"' in access


def test_the_header_says_when_it_is_due_and_links_every_main_action_to_its_form(
    client, staff, case
):
    Case.objects.filter(pk=case.pk).update(
        due_date=timezone.localdate() + datetime.timedelta(days=3)
    )
    cases_services.case_flag_set(case_id=case.pk, code="urgent", on=True, by=staff.caseworker)
    c = signed_in(client, staff.caseworker)
    html = c.get(f"/staff/cases/{case.reference}/answers/").content.decode()
    header = html.split('class="app-case-header"', 1)[1].split('class="app-case-sections"', 1)[0]
    assert "3 days left" in header
    assert "Application received" in header  # the stage
    assert "Urgent" in header
    assert "Nobody" in header  # not assigned yet
    links = dict(
        (text.strip(), href)
        for href, text in re.findall(r'<a class="govuk-link" href="([^"]+)">([^<]+)</a>', header)
    )
    assert set(links) == {"Ask for information", "Message", "Assign", "Move stage", "Move or refer"}
    assert "Make a decision" in header
    # Each link's anchor is on the page it names (the forms work without JavaScript).
    for text, href in links.items():
        path, anchor = href.split("#")
        assert f'id="{anchor}"' in c.get(path).content.decode(), text


def test_days_left_overdue_and_due_today_in_words(case):
    today = timezone.localdate()
    case.due_date = today + datetime.timedelta(days=1)
    assert presenters.due_days(case, "at_risk", today) == "1 day left"
    case.due_date = today - datetime.timedelta(days=2)
    assert presenters.due_days(case, "overdue", today) == "2 days overdue"
    case.due_date = today
    assert presenters.due_days(case, "at_risk", today) == "Due today"
    # Paused or closed: no count of days.
    assert presenters.due_days(case, "paused", today) == ""
    assert presenters.due_days(case, "closed", today) == ""


def test_the_header_is_in_welsh_too(client, staff, case):
    Case.objects.filter(pk=case.pk).update(
        due_date=timezone.localdate() + datetime.timedelta(days=2)
    )
    c = signed_in(client, staff.caseworker)
    c.get("/language/cy/")
    html = c.get(f"/staff/cases/{case.reference}/history/").content.decode()
    assert "2 ddiwrnod ar ôl" in html
    assert "Gofyn am wybodaeth" in html and "Gwiriadau a rheolau" in html
    assert 'aria-current="page">Hanes<' in html


# Referral scope


def test_a_referral_sees_only_its_sections_and_the_others_answer_404(client, staff, case):
    refer_to_provider(case, staff, ["person", "timeline"])
    c = signed_in(client, staff.provider)
    base = f"/staff/cases/{case.reference}/"
    html = c.get(base).content.decode()
    assert section_links(html) == [base, base + "history/", base + "access/"]
    assert "Make a decision" not in html  # read-only
    for slug in ("history/", "access/"):
        assert c.get(base + slug).status_code == 200, slug
    before = AccessRecord.objects.count()
    for slug in ("answers/", "evidence/", "checks/", "messages/", "payments/"):
        assert c.get(base + slug).status_code == 404, slug
    assert AccessRecord.objects.count() == before  # nothing was read
    # Nor does a section exist that is not one of the case page's.
    assert signed_in(client, staff.caseworker).get(base + "nonsense/").status_code == 404


def test_a_case_outside_ones_work_answers_404_on_every_section(client, staff, case):
    c = signed_in(client, staff.other_team)
    for slug in SECTIONS:
        assert c.get(f"/staff/cases/{case.reference}/{slug}").status_code == 404, slug
    assert not AccessRecord.objects.exists()


# The access log


def test_every_section_records_its_read_once(client, staff, case):
    c = signed_in(client, staff.caseworker)
    for slug in SECTIONS:
        before = AccessRecord.objects.count()
        with CaptureQueriesContext(connection) as queries:
            assert c.get(f"/staff/cases/{case.reference}/{slug}").status_code == 200
        assert log_inserts(queries.captured_queries) == 1, slug
        assert AccessRecord.objects.count() == before + 1
        record = AccessRecord.objects.latest("id")
        assert (record.case_id, record.actor_id, record.via) == (
            case.pk,
            staff.caseworker.pk,
            "case_page",
        ), slug


def test_break_glass_guards_every_section(client, staff, case):
    from commonweal.accounts.models import User

    owner = User.objects.create_user("owner@council.example", display_name="Owen Owner")
    organisations.membership_ensure(
        user=owner, team=staff.teams["adaptations"], role=Role.SERVICE_OWNER
    )
    c = signed_in(client, owner)
    for slug in SECTIONS:
        url = f"/staff/cases/{case.reference}/{slug}"
        asked = c.get(url)
        assert asked.status_code == 302, slug
        assert asked["Location"] == f"/staff/access/cases/{case.reference}/reason/?next={url}"
    assert not AccessRecord.objects.exists()
    url = f"/staff/cases/{case.reference}/history/"
    given = c.post(
        f"/staff/access/cases/{case.reference}/reason/",
        {"reason": "Caller on the phone, worker away", "next": url},
    )
    assert given["Location"] == url  # back to the section asked for
    assert c.get(url).status_code == 200
    record = AccessRecord.objects.get()
    assert record.purpose == "break_glass" and record.flagged


# Where changes go back to


def test_each_change_goes_back_to_the_section_that_shows_it(client, staff, case):
    c = signed_in(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/"

    def post(action, data):
        response = c.post(f"{base}do/{action}/", data)
        assert response.status_code == 302, (action, response.content.decode()[:200])
        return response["Location"]

    revision = lambda: str(Case.objects.get(pk=case.pk).revision)  # noqa: E731
    assert post("assign", {"assignee": "me", "revision": revision()}) == base
    assert post("flag", {"flag": "urgent:yes"}) == base
    assert post("note", {"text": "Rang them."}) == base + "history/"
    assert post("task", {"title": "Ring back"}) == base + "history/"
    assert post("message", {"body": "Please send a payslip."}) == base + "messages/"
    assert post("run-checks", {}) == base + "checks/"
    agree_to_sharing(case)
    refer = {
        "organisation": str(staff.teams["provider"].organisation_id),
        "scope": "person",
        "reason": "Furniture",
        "revision": revision(),
    }
    assert post("refer", refer) == base + "access/"
    # The flash is shown on the section gone back to.
    assert "Case referred." in c.get(base + "access/").content.decode()


def test_a_refused_change_shows_the_section_holding_its_form(client, staff, case):
    c = signed_in(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/"
    for action, data, field, current in (
        ("note", {"text": " "}, "note-text", "History"),
        ("task", {"title": ""}, "task-title", "History"),
        ("message", {"body": ""}, "message-body", "Messages"),
        (
            "assign",
            {"assignee": str(staff.other_team.pk), "revision": str(case.revision)},
            "assign-assignee",
            "Summary",
        ),
        ("refer", {"organisation": "", "reason": "", "revision": "0"}, None, "Access"),
    ):
        response = c.post(f"{base}do/{action}/", data)
        assert response.status_code in (400, 409), action
        html = response.content.decode()
        assert "govuk-error-summary" in html, action
        assert f'aria-current="page">{current}<' in html, action
        if field:
            assert f'href="#{field}"' in html and f'id="{field}"' in html, action


def test_my_work_links_a_task_to_the_tasks_in_the_history(client, staff, case):
    cases_services.task_add(
        case_id=case.pk,
        title="Ring back",
        due_date=None,
        assignee_id=staff.caseworker.pk,
        by=staff.caseworker,
    )
    html = signed_in(client, staff.caseworker).get("/staff/").content.decode()
    assert f'href="/staff/cases/{case.reference}/history/#tasks"' in html


# Query counts


def fill(case, staff, times: int) -> None:
    """More of everything a section lists: notes, tasks, messages, evidence, checks."""
    from tests.browser.test_journeys import small_png

    for number in range(times):
        cases_services.case_note_add(
            case_id=case.pk, text=f"Note {number}", for_person=False, by=staff.caseworker
        )
        cases_services.task_add(
            case_id=case.pk,
            title=f"Task {number}",
            due_date=None,
            assignee_id=staff.caseworker.pk,
            by=staff.caseworker,
        )
        messaging.thread_message_post(
            case=case, by=staff.caseworker, from_staff=True, body=f"Message {number}"
        )
        upload = Upload(
            application=case.application,
            question_id="evidence",
            original_name=f"payslip-{number}.png",
            content_type="image/png",
            extension="png",
            size=len(small_png()),
            sha256="0" * 64,
            uploaded_by=case.application.account,
        )
        upload.file.save("upload", ContentFile(small_png()), save=False)
        upload.save()
    checks_services.checks_run(case_id=case.pk)


def test_each_section_makes_the_same_number_of_queries_however_much_the_case_holds(
    client, staff, case
):
    c = signed_in(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/"
    fill(case, staff, 1)
    few = {slug: queries_for(c, base + slug) for slug in SECTIONS}
    fill(case, staff, 6)
    many = {slug: queries_for(c, base + slug) for slug in SECTIONS}
    assert many == few
    # Each section reads only what it shows: none costs what the summary and the history,
    # which show the most, cost together.
    for slug in ("answers/", "evidence/", "messages/", "payments/"):
        assert few[slug] < few[""], (slug, few)
