"""The caseworker workspace, through the pages, as staff use it."""

import datetime
import re

import pytest
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent, Decision
from commonweal.checks import services as checks_services
from commonweal.messaging.models import Message
from commonweal.organisations.selectors import staff_context
from tests.workspace import agree_to_sharing, make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return submit_case(citizen)


def staff_client(client, user):
    client.force_login(user)
    return client


def test_new_case_lands_in_the_team_queue(client, staff, case):
    assert case.team == staff.teams["financial-support"]
    page = staff_client(client, staff.caseworker).get("/staff/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.reference in html
    assert "Sam Evans" in html
    assert "1 open case" in html


def test_workspace_refuses_citizens_and_asks_strangers_to_sign_in(client, citizen_client, case):
    assert citizen_client.get("/staff/").status_code == 403
    assert citizen_client.get(f"/staff/cases/{case.reference}/").status_code == 403
    client.logout()
    response = client.get("/staff/queue/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_other_team_and_provider_cannot_open_the_case(client, staff, case):
    for user in (staff.other_team, staff.provider):
        response = staff_client(client, user).get(f"/staff/cases/{case.reference}/")
        assert response.status_code == 404
        assert (
            case.reference not in staff_client(client, user).get("/staff/queue/").content.decode()
        )


def test_case_page_shows_person_answers_and_timeline(client, staff, case):
    html = (
        staff_client(client, staff.caseworker)
        .get(f"/staff/cases/{case.reference}/")
        .content.decode()
    )
    assert "Sam Evans" in html
    assert "AB123456C" in html or "AB 12 34 56 C" in html
    assert "Make a decision" in html
    # The answers and the timeline are sections of the case page of their own.
    section = f"/staff/cases/{case.reference}/%s/"
    html = staff_client(client, staff.caseworker).get(section % "answers").content.decode()
    assert "Sam Evans" in html  # the header, on every section
    assert "Jo Evans" in html  # an answer
    html = staff_client(client, staff.caseworker).get(section % "history").content.decode()
    assert "Application received" in html


def test_assign_and_stale_edit_is_refused(client, staff, case):
    c = staff_client(client, staff.caseworker)
    response = c.post(
        f"/staff/cases/{case.reference}/do/assign/",
        {"assignee": "me", "revision": case.revision},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == staff.caseworker
    # A second member of staff acting on the page as it was before is told, not obeyed.
    stale = staff_client(client, staff.colleague).post(
        f"/staff/cases/{case.reference}/do/assign/",
        {"assignee": str(staff.colleague.pk), "revision": case.revision - 1},
    )
    assert stale.status_code == 409
    assert "Someone else changed this case" in stale.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == staff.caseworker


def test_cannot_assign_outside_the_team(client, staff, case):
    response = staff_client(client, staff.caseworker).post(
        f"/staff/cases/{case.reference}/do/assign/",
        {"assignee": str(staff.other_team.pk), "revision": case.revision},
    )
    assert response.status_code == 400
    assert "someone in the team that holds it" in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to is None


def test_bulk_assign(client, staff, citizen, other_citizen):
    """Assigning from the queue goes through the confirmation page (tests/test_bulk_actions.py
    has the rest)."""
    cases = [submit_case(citizen), submit_case(other_citizen)]
    c = staff_client(client, staff.leader)
    chosen = {"cases": [str(x.pk) for x in cases], "action": "assign"}
    page = c.post("/staff/queue/confirm/", {**chosen, "assignee": str(staff.colleague.pk)})
    assert page.status_code == 200
    token = re.search(r'name="batch" value="(\w+)"', page.content.decode()).group(1)
    response = c.post(
        "/staff/queue/confirm/",
        {**chosen, "assignee": str(staff.colleague.pk), "step": "confirm", "batch": token},
    )
    assert response.status_code == 302
    assert Case.objects.filter(assigned_to=staff.colleague).count() == 2
    assert CaseEvent.objects.filter(kind="assigned", data__bulk=True).count() == 2
    refused = c.post(
        "/staff/queue/confirm/",
        {"cases": [str(cases[0].pk)], "action": "assign", "assignee": str(staff.other_team.pk)},
    )
    assert refused.status_code == 400
    assert Case.objects.filter(assigned_to=staff.colleague).count() == 2


def test_move_stage_follows_the_service(client, staff, case):
    c = staff_client(client, staff.caseworker)
    bad = c.post(
        f"/staff/cases/{case.reference}/do/move/", {"stage": "decided", "revision": case.revision}
    )
    assert bad.status_code == 400
    assert "by a decision" in bad.content.decode()
    ok = c.post(
        f"/staff/cases/{case.reference}/do/move/", {"stage": "checking", "revision": case.revision}
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.stage == "checking"


def test_refusal_needs_reasons_and_is_told_to_the_person(client, staff, case):
    c = staff_client(client, staff.caseworker)
    url = f"/staff/cases/{case.reference}/decision/"
    response = c.post(url, {"outcome": "refused", "step": "send", "revision": case.revision})
    assert response.status_code == 400
    assert "Choose at least one reason for refusing" in response.content.decode()
    assert not Decision.objects.exists()
    before = Message.objects.count()
    response = c.post(
        url,
        {
            "outcome": "refused",
            "reasons": ["savings-too-high"],
            "explanation": "Your savings were £1,800.",
            "step": "send",
            "revision": case.revision,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.closed_at is not None and case.outcome == "refused" and case.stage == "decided"
    decision = Decision.objects.get(case=case)
    assert decision.reasons == ["savings-too-high"] and decision.decided_by == staff.caseworker
    told = Message.objects.filter(event="decision_made").get()
    assert Message.objects.count() == before + 1
    assert told.to_address == "sam.evans@example.com"
    assert "savings" not in told.body  # the content is read signed in
    # A second decision on the closed case is refused, not recorded.
    again = c.post(
        url,
        {
            "outcome": "approved",
            "reasons": ["loan-approved"],
            "explanation": "Approved",
            "amount": "400",
            "step": "send",
            "revision": case.revision,
        },
    )
    assert Decision.objects.count() == 1
    assert again.status_code in (400, 409)
    assert "This case is closed" in again.content.decode() or "Someone else changed" in (
        again.content.decode()
    )


def test_red_check_blocks_approval_unless_a_leader_overrides(client, staff, case):
    checks_services.check_result_record(
        case=case,
        check_name="duplicate-ni-number",
        status="red",
        reasons=["Same NI number on BL-XXXX"],
    )
    url = f"/staff/cases/{case.reference}/decision/"
    approval = {
        "outcome": "approved",
        "reasons": ["loan-approved"],
        "explanation": "You can borrow £400.",
        "amount": "400",
        "step": "send",
        "revision": case.revision,
    }
    refused = staff_client(client, staff.caseworker).post(url, approval)
    assert refused.status_code == 400
    assert "Only a team leader can approve" in refused.content.decode()
    leader = staff_client(client, staff.leader)
    no_reason = leader.post(url, approval)
    assert no_reason.status_code == 400
    ok = leader.post(
        url, {**approval, "override_reason": "Same person, duplicate record; checked with DWP"}
    )
    assert ok.status_code == 302
    assert Decision.objects.get(case=case).override_reason.startswith("Same person")
    assert CaseEvent.objects.filter(case=case, kind="check_overridden").exists()


def test_clock_stops_while_waiting_and_restarts_when_the_person_replies(staff, case, citizen):
    from commonweal.messaging import services as messaging

    due = case.due_date
    context = staff_context(user=staff.caseworker)
    assert context.is_staff
    cases_services.case_move(
        case_id=case.pk, stage_id="more-information", by=staff.caseworker, revision=case.revision
    )
    case.refresh_from_db()
    assert case.clock_stopped_on == timezone.localdate()
    # Pretend the case has waited since 10 days ago.
    Case.objects.filter(pk=case.pk).update(
        clock_stopped_on=timezone.localdate() - datetime.timedelta(days=14)
    )
    messaging.thread_message_post(
        case=case, by=citizen, from_staff=False, body="Here is my payslip"
    )
    case.refresh_from_db()
    assert case.clock_stopped_on is None
    assert case.stage == "received"  # back where it was before waiting
    assert case.due_date > due  # the waiting days do not count
    assert case.awaiting_reply_since is not None


def test_notes_tasks_and_flags(client, staff, case):
    c = staff_client(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/do/"
    assert c.post(base + "note/", {"text": ""}).status_code == 400
    assert c.post(base + "note/", {"text": "Called, no answer"}).status_code == 302
    assert (
        c.post(base + "note/", {"text": "We have your payslip", "for_person": "yes"}).status_code
        == 302
    )
    note, update = CaseEvent.objects.filter(case=case, kind__in=["note", "update"]).order_by("id")
    assert not note.visible_to_person and update.visible_to_person
    bad_date = c.post(
        base + "task/",
        {"title": "Chase", "task-due-day": "31", "task-due-month": "2", "task-due-year": "2027"},
    )
    assert bad_date.status_code == 400
    assert (
        c.post(
            base + "task/",
            {
                "title": "Chase payslip",
                "task-due-day": "3",
                "task-due-month": "3",
                "task-due-year": "2031",
                "assignee": str(staff.caseworker.pk),
            },
        ).status_code
        == 302
    )
    my_work = c.get("/staff/").content.decode()
    assert "Chase payslip" in my_work
    assert c.post(base + "flag/", {"flag": "urgent:yes"}).status_code == 302
    assert "Urgent" in c.get("/staff/queue/?flag=urgent").content.decode()
    assert c.post(base + "flag/", {"flag": "made-up:yes"}).status_code == 400


def _reconsidered_case(staff, citizen):
    """A case decided, then asked to be looked at again: open at the review stage."""
    case = submit_case(citizen)
    cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Your savings are over the limit.",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=Case.objects.get(pk=case.pk).revision,
    )
    cases_services.case_reconsideration_request(
        case_id=case.pk, by=citizen, reason="My savings are in a pension."
    )
    return case


def test_the_reconsideration_filter_shows_only_cases_looked_at_again(client, staff, citizen, case):
    reconsidered = _reconsidered_case(staff, citizen)
    c = staff_client(client, staff.caseworker)
    everything = c.get("/staff/queue/").content.decode()
    assert case.reference in everything and reconsidered.reference in everything
    filtered = c.get("/staff/queue/?flag=reconsideration").content.decode()
    assert reconsidered.reference in filtered
    assert "Reconsideration" in filtered  # the row's flag
    assert case.reference not in filtered
    assert "1 open case" in filtered


def test_referral_shows_only_the_shared_parts(client, staff, case):
    agree_to_sharing(case)
    c = staff_client(client, staff.caseworker)
    provider_org = staff.teams["provider"].organisation
    response = c.post(
        f"/staff/cases/{case.reference}/do/refer/",
        {
            "organisation": str(provider_org.pk),
            "scope": ["person"],
            "reason": "Help with furniture",
            "revision": case.revision,
        },
    )
    assert response.status_code == 302
    provider = staff_client(client, staff.provider)
    page = provider.get(f"/staff/cases/{case.reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sam Evans" in html
    assert "Jo Evans" not in html  # answers were not shared
    assert "Make a decision" not in html
    assert provider.get(f"/staff/cases/{case.reference}/decision/").status_code == 403
    assert case.reference in provider.get("/staff/queue/?team=").content.decode()


def test_team_leader_sees_workload(client, staff, case):
    cases_services.case_assign(
        case_id=case.pk, assignee_id=staff.colleague.pk, by=staff.leader, revision=None
    )
    html = staff_client(client, staff.leader).get("/staff/workload/").content.decode()
    assert "Col League" in html
    assert staff_client(client, staff.caseworker).get("/staff/workload/").status_code == 403


@pytest.mark.parametrize(
    "query", ["Evans", "sam evans", "AB 12 34 56 C", "cf83 1aa", "4/11/1979", "1979-11-04"]
)
def test_search_finds_the_case(client, staff, case, query):
    html = (
        staff_client(client, staff.caseworker).get("/staff/search/", {"q": query}).content.decode()
    )
    assert case.reference in html, query


def test_search_by_reference_and_not_other_teams(client, staff, case):
    assert (
        case.reference
        in staff_client(client, staff.caseworker)
        .get("/staff/search/", {"q": case.reference.lower()})
        .content.decode()
    )
    assert (
        case.reference
        not in staff_client(client, staff.other_team)
        .get("/staff/search/", {"q": "Evans"})
        .content.decode()
    )


@pytest.mark.parametrize(
    "url",
    [
        "/staff/queue/?team=abc&page=-1&sort=drop&due=x&assigned=%00",
        "/staff/search/?q=" + "x" * 5000,
        "/staff/cases/NOPE/",
        "/staff/cases/BL-0000-0000/decision/",
    ],
)
def test_bad_input_is_not_a_server_error(client, staff, url):
    # A NUL (%00) is refused before the page with a 400 that says why.
    assert staff_client(client, staff.caseworker).get(url).status_code in (200, 400, 404)


def test_unknown_action_and_missing_revision(client, staff, case):
    c = staff_client(client, staff.caseworker)
    assert c.post(f"/staff/cases/{case.reference}/do/explode/").status_code == 404
    response = c.post(f"/staff/cases/{case.reference}/do/move/", {"stage": "checking"})
    assert response.status_code == 409


def test_staff_record_a_legal_appointee(client, staff, case):
    c = staff_client(client, staff.caseworker)
    url = f"/staff/cases/{case.reference}/do/representative/"
    bad = c.post(url, {"name": "", "email": "nope", "relationship": "appointee"})
    assert bad.status_code == 400
    assert "Enter their full name" in bad.content.decode()
    ok = c.post(
        url,
        {
            "name": "Jo Evans",
            "email": "jo.evans@example.com",
            "relationship": "appointee",
            "legal_authority": "DWP appointee letter BF56",
            "rep_scope": ["view", "messages", "act"],
        },
    )
    assert ok.status_code == 302
    html = c.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Jo Evans" in html and "DWP appointee letter BF56" in html


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commonweal.catalogue import selectors as catalogue

    catalogue.published_cache_clear()
    catalogue.definitions_cache_clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def _busy_case(staff, citizen):
    """A case with something in every part of the page."""
    from commonweal.messaging import services as messaging

    case = submit_case(citizen)
    cases_services.case_assign(
        case_id=case.pk, assignee_id=staff.caseworker.pk, by=staff.leader, revision=None
    )
    cases_services.case_flag_set(case_id=case.pk, code="urgent", on=True, by=staff.caseworker)
    cases_services.task_add(
        case_id=case.pk,
        title="Call",
        due_date=None,
        assignee_id=staff.caseworker.pk,
        by=staff.caseworker,
    )
    cases_services.case_note_add(
        case_id=case.pk, text="Note", for_person=False, by=staff.caseworker
    )
    messaging.thread_message_post(case=case, by=citizen, from_staff=False, body="Hello")
    checks_services.check_result_record(case=case, check_name="x", status="amber", reasons=["y"])
    return case


def test_list_pages_and_case_page_keep_a_constant_number_of_queries(client, staff, citizen):
    first = _busy_case(staff, citizen)
    c = staff_client(client, staff.caseworker)
    pages = [
        "/staff/",
        "/staff/queue/",
        "/staff/queue/?flag=urgent&due=on_track",
        "/staff/queue/?flag=reconsideration",
        "/staff/search/?q=Evans",
    ]
    _reconsidered_case(staff, citizen)
    before = {url: _queries(c, url) for url in pages}
    case_before = _queries(c, f"/staff/cases/{first.reference}/")
    for _ in range(4):
        _busy_case(staff, citizen)
        _reconsidered_case(staff, citizen)
    after = {url: _queries(c, url) for url in pages}
    assert after == before
    # The same case page, now that the person and the team have more elsewhere.
    assert _queries(c, f"/staff/cases/{first.reference}/") == case_before
    leader = staff_client(client, staff.leader)
    assert _queries(leader, "/staff/workload/") <= before["/staff/queue/"] + 6


def test_case_page_queries_do_not_grow_with_its_history(client, staff, citizen):
    from commonweal.messaging import services as messaging

    case = _busy_case(staff, citizen)
    c = staff_client(client, staff.caseworker)
    url = f"/staff/cases/{case.reference}/"
    before = _queries(c, url)
    for number in range(5):
        cases_services.case_note_add(
            case_id=case.pk, text=f"Note {number}", for_person=True, by=staff.caseworker
        )
        cases_services.task_add(
            case_id=case.pk,
            title=f"Task {number}",
            due_date=None,
            assignee_id=None,
            by=staff.caseworker,
        )
        messaging.thread_message_post(
            case=case, by=staff.caseworker, from_staff=True, body=f"Reply {number}"
        )
    assert _queries(c, url) == before


def test_decision_errors_lead_to_their_fields(client, staff, case):
    import re

    c = staff_client(client, staff.caseworker)
    response = c.post(
        f"/staff/cases/{case.reference}/decision/",
        {"outcome": "refused", "revision": case.revision},
    )
    html = response.content.decode()
    targets = re.findall(r'govuk-error-summary__list.*?href="#([^"]+)"', html, re.S)
    assert targets and all(f'id="{target}"' in html for target in targets), targets


def test_a_double_click_writes_once(client, staff, case):
    from commonweal.messaging.models import ThreadMessage

    c = staff_client(client, staff.caseworker)
    base = f"/staff/cases/{case.reference}/do/"
    for _ in range(2):
        assert c.post(base + "note/", {"text": "Phoned twice"}).status_code == 302
        assert c.post(base + "task/", {"title": "Chase GP letter"}).status_code == 302
        assert c.post(base + "message/", {"body": "Please call us"}).status_code == 302
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1
    assert case.tasks.count() == 1
    assert ThreadMessage.objects.filter(case=case).count() == 1
    assert Message.objects.filter(case=case, event="new_secure_message").count() == 1


def test_staff_sign_in_with_a_password(client, staff):
    from commonweal.accounts import services as accounts_services
    from tests.signin import totp_code

    staff.caseworker.set_password("correct horse battery")
    staff.caseworker.save()
    secret = accounts_services.staff_totp_demo_set(user=staff.caseworker)
    response = client.get("/staff/queue/")
    assert response["Location"].startswith("/staff/sign-in/?next=/staff/queue/")
    wrong = client.post("/staff/sign-in/", {"email": staff.caseworker.email, "password": "nope"})
    assert wrong.status_code == 400
    assert "email address or password is not correct" in wrong.content.decode()
    ok = client.post(
        "/staff/sign-in/",
        {
            "email": staff.caseworker.email.upper(),
            "password": "correct horse battery",
            "next": "/staff/queue/",
        },
    )
    # The password alone is not enough: the one-time code comes next.
    assert ok.status_code == 302 and ok["Location"] == "/staff/sign-in/code/"
    assert client.get("/staff/queue/").status_code == 302
    done = client.post("/staff/sign-in/code/", {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == "/staff/queue/"


def test_staff_sign_in_limits_guessing(client, staff):
    staff.caseworker.set_password("correct horse battery")
    staff.caseworker.save()
    for _ in range(10):
        client.post("/staff/sign-in/", {"email": staff.caseworker.email, "password": "guess"})
    locked = client.post(
        "/staff/sign-in/", {"email": staff.caseworker.email, "password": "correct horse battery"}
    )
    assert locked.status_code == 429
    assert "too many attempts" in locked.content.decode()


def test_citizens_cannot_use_the_staff_sign_in(client, citizen):
    citizen.set_password("a citizen password")
    citizen.save()
    response = client.post(
        "/staff/sign-in/", {"email": citizen.email, "password": "a citizen password"}
    )
    assert response.status_code == 400


def test_evidence_is_served_only_to_staff_who_may_see_the_case(client, staff, case):
    from django.core.files.base import ContentFile

    from commonweal.intake.models import Upload
    from tests.browser.test_journeys import small_png

    upload = Upload(
        application=case.application,
        question_id="evidence",
        original_name="payslip.png",
        content_type="image/png",
        extension="png",
        size=len(small_png()),
        sha256="0" * 64,
        uploaded_by=case.application.account,
    )
    upload.file.save("upload", ContentFile(small_png()), save=False)
    upload.save()
    url = f"/staff/cases/{case.reference}/files/{upload.pk}/"
    mine = staff_client(client, staff.caseworker).get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content).startswith(b"\x89PNG")
    assert (
        "payslip.png"
        in staff_client(client, staff.caseworker)
        .get(f"/staff/cases/{case.reference}/evidence/")
        .content.decode()
    )
    for user in (staff.other_team, staff.provider):
        other = staff_client(client, user)
        assert other.get(url).status_code == 404
        # Nor through the citizens' address for the same file.
        assert other.get(f"/files/{upload.pk}/").status_code == 404


def test_a_saved_reply_fills_the_message_box(client, staff, case, citizen):
    import html

    from commonweal.catalogue.models import Service
    from commonweal.messaging.models import SavedReply
    from commonweal.people.models import Person

    statement = SavedReply.objects.create(
        service=case.service,
        title="Ask for a bank statement",
        body_en="Please send your latest bank statement.",
        body_cy="Anfonwch eich cyfriflen banc ddiweddaraf.",
    )
    elsewhere = SavedReply.objects.create(
        service=Service.objects.exclude(pk=case.service_id).first(),
        title="Another service's reply",
        body_en="Not for this case.",
    )
    c = staff_client(client, staff.caseworker)
    url = f"/staff/cases/{case.reference}/messages/"

    def message_box(query: str) -> str:
        page = c.get(url + query).content.decode()
        found = page.split('id="message-body"', 1)[1].split(">", 1)[1].split("</textarea>")[0]
        return html.unescape(found).strip()

    assert f'href="?reply={statement.pk}#message-body"' in c.get(url).content.decode()
    assert message_box(f"?reply={statement.pk}") == "Please send your latest bank statement."
    # Only a reply this page offers: not another service's, not nonsense.
    assert message_box(f"?reply={elsewhere.pk}") == ""
    assert message_box("?reply=nonsense") == ""
    # In the person's language.
    Person.objects.filter(account=citizen).update(language="cy")
    assert message_box(f"?reply={statement.pk}") == "Anfonwch eich cyfriflen banc ddiweddaraf."
