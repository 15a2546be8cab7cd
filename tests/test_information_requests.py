"""Asking the person for more information (issue 16): the caseworker lists what they need,
the clock stops and the person is told by their channel with the list; the person answers
on a page of their own (a file per document, an answer per question); the clock restarts
with the due date moved on by the days waited, and the caseworker gets a task. An empty
request is refused, a double click makes one request, and nobody else reaches the page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent, InformationRequest, Task
from commonweal.core.working_days import add_working_days, working_days_between
from commonweal.intake.models import Upload
from commonweal.messaging.models import Message
from tests.test_portal_decisions import TINY_PNG, page_text
from tests.workspace import citizen_case, make_staff

pytestmark = pytest.mark.django_db

ITEMS = [
    {"kind": "document", "text": "A bank statement from the last month"},
    {"kind": "question", "text": "How much rent do you pay each week?"},
]


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def citizen_and_case(staff):
    return citizen_case()


def _ask(case, staff, items=ITEMS, reason="To check your savings"):
    return cases_services.case_information_request(
        case_id=case.pk, items=items, reason=reason, by=staff.caseworker, revision=None
    )


def _post_ask(client, case, rows):
    data = {"revision": Case.objects.get(pk=case.pk).revision, "reason": "To check"}
    for number, (kind, text) in enumerate(rows, start=1):
        data[f"item-{number}-kind"] = kind
        data[f"item-{number}-text"] = text
    return client.post(f"/staff/cases/{case.reference}/do/ask-information/", data)


def test_the_caseworker_asks_and_the_person_is_told_with_the_list(client, staff, citizen_and_case):
    _account, case = citizen_and_case
    client.force_login(staff.caseworker)
    form = client.get(f"/staff/cases/{case.reference}/messages/")
    assert form.status_code == 200
    assert 'name="item-1-text"' in form.content.decode()
    assert 'name="item-5-text"' in form.content.decode()
    response = _post_ask(
        client,
        case,
        [("document", "A bank statement"), ("question", "How much rent do you pay?"), ("", "")],
    )
    assert response.status_code == 302
    request = InformationRequest.objects.get(case=case)
    assert request.items == [
        {"kind": "document", "text": "A bank statement"},
        {"kind": "question", "text": "How much rent do you pay?"},
    ]
    case.refresh_from_db()
    assert case.clock_stopped_on == timezone.localdate()
    assert case.stage == "more-information"  # the service's stage that waits for the person
    message = Message.objects.get(case=case, event="more_information_needed")
    assert message.channel == "email"
    assert message.to_address == "sam.evans@example.com"
    assert "Send us: A bank statement" in message.body
    assert "Tell us: How much rent do you pay?" in message.body
    assert f"/applications/{case.reference}/" in message.body
    assert CaseEvent.objects.filter(case=case, kind="information_requested").exists()
    # The case summary shows the request to staff.
    summary = page_text(client.get(f"/staff/cases/{case.reference}/"))
    assert "Information asked for" in summary and "Waiting for the person" in summary
    assert "A bank statement" in summary


def test_a_request_with_nothing_asked_is_refused(client, staff, citizen_and_case):
    _account, case = citizen_and_case
    client.force_login(staff.caseworker)
    response = _post_ask(client, case, [("document", "  "), ("question", "")])
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#ask-information-items"' in html
    assert "Enter at least one document or question" in page_text(response)
    assert not InformationRequest.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).clock_stopped_on is None
    with pytest.raises(cases_services.CaseActionRefused):
        _ask(case, staff, items=[])
    assert not Message.objects.filter(case=case, event="more_information_needed").exists()


def test_a_double_submit_makes_one_request(client, staff, citizen_and_case):
    _account, case = citizen_and_case
    client.force_login(staff.caseworker)
    revision = Case.objects.get(pk=case.pk).revision
    data = {"revision": revision, "item-1-kind": "document", "item-1-text": "Payslip"}
    first = client.post(f"/staff/cases/{case.reference}/do/ask-information/", data)
    second = client.post(f"/staff/cases/{case.reference}/do/ask-information/", data)
    assert first.status_code == second.status_code == 302
    assert InformationRequest.objects.filter(case=case).count() == 1
    assert Message.objects.filter(case=case, event="more_information_needed").count() == 1


def test_the_person_answers_and_the_clock_restarts(client, staff, citizen_and_case, monkeypatch):
    account, case = citizen_and_case
    cases_services.case_assign(
        case_id=case.pk, assignee_id=staff.caseworker.pk, by=staff.caseworker, revision=None
    )
    due_before = Case.objects.get(pk=case.pk).due_date
    asked_on = timezone.localdate()
    _ask(case, staff)
    # They answer two weeks later: the due date moves on by the working days waited.
    later = timezone.now() + datetime.timedelta(days=14)
    monkeypatch.setattr(timezone, "now", lambda: later)
    answered_on = timezone.localdate()
    client.force_login(account)
    page = client.get(f"/applications/{case.reference}/information/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Send us: A bank statement from the last month" in text
    assert "Tell us: How much rent do you pay each week?" in text
    assert 'type="file"' in page.content.decode()
    # Every item must be answered.
    missing = client.post(f"/applications/{case.reference}/information/", {"item-2": "£95"})
    assert missing.status_code == 400
    assert 'href="#item-1"' in missing.content.decode()
    assert InformationRequest.objects.get(case=case).status == "waiting"
    response = client.post(
        f"/applications/{case.reference}/information/",
        {
            "item-1": SimpleUploadedFile("statement.png", TINY_PNG, content_type="image/png"),
            "item-2": "£95 a week",
        },
    )
    assert response.status_code == 302
    request = InformationRequest.objects.get(case=case)
    assert request.status == "answered" and request.answered_by == account
    assert request.answers[1] == {"text": "£95 a week"}
    upload = Upload.objects.get(pk=request.answers[0]["upload"])
    assert upload.original_name == "statement.png"
    case.refresh_from_db()
    assert case.clock_stopped_on is None
    assert case.stage == "received"  # back where it was
    waited = working_days_between(asked_on, answered_on)
    assert waited > 0
    assert case.due_date == add_working_days(due_before, waited)
    task = Task.objects.get(case=case, title="Look at the information the person sent")
    assert task.assigned_to == staff.caseworker
    assert CaseEvent.objects.filter(case=case, kind="information_received").exists()
    # Staff see the answer on the case summary.
    client.force_login(staff.caseworker)
    summary = page_text(client.get(f"/staff/cases/{case.reference}/"))
    assert "Answered" in summary and "£95 a week" in summary and "statement.png" in summary


def test_someone_else_cannot_open_the_request(client, staff, citizen_and_case):
    _account, case = citizen_and_case
    _ask(case, staff)
    other, _other_case = citizen_case("robin.other@example.com")
    client.force_login(other)
    assert client.get(f"/applications/{case.reference}/information/").status_code == 404
    posted = client.post(f"/applications/{case.reference}/information/", {"item-2": "x"})
    assert posted.status_code == 404
    assert InformationRequest.objects.get(case=case).status == "waiting"


def test_information_requests_always_go_whatever_the_person_chose(staff, citizen_and_case):
    _account, case = citizen_and_case
    person = case.person
    person.updates_declined = ["stage_changed", "delay"]
    person.save(update_fields=["updates_declined"])
    _ask(case, staff)
    assert Message.objects.filter(case=case, event="more_information_needed").count() == 1


def test_retention_takes_the_requests_and_answers_of_an_old_closed_case(staff, citizen_and_case):
    from commonweal.rights import services as rights_services

    account, case = citizen_and_case
    request = _ask(case, staff)
    cases_services.case_information_answer(
        case_id=case.pk,
        request_id=request.pk,
        answers=[{"upload": "not-a-file-here", "name": "x.pdf"}, {"text": "£95 a week"}],
        by=account,
    )
    Case.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=2200), outcome="refused"
    )
    counts = rights_services.retention_run()
    assert counts["cases_anonymised"] == 1
    assert not InformationRequest.objects.filter(case=case).exists()
