"""Every business action is one API call: assign and transfer a case, refer it and end a
referral, post and read secure messages, create and complete tasks, upload evidence, read
payment instructions, make and read data requests. Each needs its scope (403 without),
answers 404 for another organisation's case, replays an Idempotency-Key without a second
record, refuses bad input in the one error shape, writes the access log, and queues the
webhook its domain event names."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commonweal.api import services as api_services
from commonweal.api.models import ApiKey
from commonweal.cases.models import Case, CaseEvent, Referral, Task
from commonweal.core.models import FileScan
from commonweal.intake.models import Upload
from commonweal.messaging.models import Message, ThreadMessage
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.privacy.models import AccessRecord
from commonweal.rights.models import DataRequest
from commonweal.webhooks import services as webhooks
from commonweal.webhooks.models import WebhookDelivery
from tests import webhook_receiver as receiver_module
from tests.test_answers import png_bytes
from tests.test_api import APPLICATION, post
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db
webhook_receiver = receiver_module.webhook_receiver  # the fixture

ALL_SCOPES = list(ApiKey.Scope.values)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def council(staff):
    return staff.teams["financial-support"].organisation


@pytest.fixture
def token(council, settings):
    settings.COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE = True
    _key, token = api_services.api_key_create(
        organisation=council, name="Case system", scopes=ALL_SCOPES
    )
    return token


@pytest.fixture
def hooks(council, staff):
    """The council's systems subscribed to every event (deliveries are queued, not sent)."""
    admin = staff.leader
    organisations.membership_ensure(
        user=admin, team=staff.teams["financial-support"], role=Role.ADMINISTRATOR
    )
    webhooks.subscription_create(
        organisation=council,
        url="http://127.0.0.1:9/events",
        event_types=list(webhooks.EVENT_TYPES),
        by=admin,
    )
    webhooks.subscribers_cache_clear()


@pytest.fixture
def reference(client, token):
    response = post(client, token, APPLICATION, key="registration")
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def call(client, method, url, token, body=None, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def key_with(council, *scopes, name="Narrow"):
    return api_services.api_key_create(organisation=council, name=name, scopes=list(scopes))[1]


def other_organisations_token(staff):
    charity = staff.teams["provider"].organisation
    return key_with(charity, *ALL_SCOPES, name="Charity")


def queued(event_type: str, subject: str) -> list[dict]:
    return [
        delivery.payload["data"]
        for delivery in WebhookDelivery.objects.filter(event_type=event_type)
        if delivery.payload["subject"] == subject
    ]


def api_reads(reference: str, category: str) -> int:
    """How many of the person's access records are this integration's, naming `category`."""
    case = Case.objects.get(reference=reference)
    return sum(
        category in categories
        for categories in AccessRecord.objects.filter(
            person_id=case.person_id, via="api"
        ).values_list("categories", flat=True)
    )


def logged(reference: str, category: str) -> bool:
    return api_reads(reference, category) > 0


def assert_one_error_shape(response, status: int, field: str) -> None:
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert errors and all(set(error) == {"field", "code", "message"} for error in errors)
    assert errors[0]["field"] == field, errors


# Assign and transfer


def test_assign_a_case_once_to_a_member_of_its_team(client, staff, council, token, reference):
    url = f"/api/v1/cases/{reference}/assignment/"
    body = {"assignee": staff.caseworker.email}
    first = call(client, "post", url, token, body, "assign-1")
    assert first.status_code == 200, first.content
    assert first.json()["assigned_to"] == staff.caseworker.email
    assert first.json()["team"] == "financial-support"
    again = call(client, "post", url, token, body, "assign-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert CaseEvent.objects.filter(case__reference=reference, kind="assigned").count() == 1
    assert Case.objects.get(reference=reference).assigned_to == staff.caseworker
    assert logged(reference, "timeline")
    # Someone in another team, or no one we know, is refused with the field.
    elsewhere = call(client, "post", url, token, {"assignee": staff.other_team.email}, "a-2")
    assert_one_error_shape(elsewhere, 400, "assignee")
    nobody = call(client, "post", url, token, {"assignee": "who@example.com"}, "a-3")
    assert_one_error_shape(nobody, 400, "assignee")
    # Taken off everyone.
    off = call(client, "post", url, token, {"assignee": None}, "a-4")
    assert off.status_code == 200 and off.json()["assigned_to"] is None
    # Without the scope, and for another organisation.
    narrow = key_with(council, "cases:read", "cases:update")
    assert_one_error_shape(call(client, "post", url, narrow, body, "a-5"), 403, "")
    assert_one_error_shape(
        call(client, "post", url, other_organisations_token(staff), body, "a-6"), 404, ""
    )
    bad = call(client, "post", url, token, {"assignee": 7, "colour": "blue"}, "a-7")
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} >= {"colour"}


def test_transfer_a_case_to_another_team_with_a_reason(client, token, reference):
    url = f"/api/v1/cases/{reference}/team/"
    body = {"team": "adaptations", "reason": "It is about a ramp"}
    moved = call(client, "post", url, token, body, "move-1")
    assert moved.status_code == 200 and moved.json()["team"] == "adaptations"
    assert call(client, "post", url, token, body, "move-1").json() == moved.json()
    events = CaseEvent.objects.filter(case__reference=reference, kind="transferred")
    assert [event.data["reason"] for event in events] == ["It is about a ramp"]
    unknown = call(client, "post", url, token, {"team": "nope", "reason": "x"}, "move-2")
    assert_one_error_shape(unknown, 400, "team")
    no_reason = call(client, "post", url, token, {"team": "financial-support"}, "move-3")
    assert_one_error_shape(no_reason, 400, "reason")


def test_a_stale_revision_is_refused_as_409(client, staff, token, reference):
    url = f"/api/v1/cases/{reference}/assignment/"
    body = {"assignee": staff.caseworker.email, "revision": 999}
    assert_one_error_shape(call(client, "post", url, token, body, "stale"), 409, "")


# Referrals


def test_refer_a_case_and_end_the_referral(client, staff, council, token, reference, hooks):
    url = f"/api/v1/cases/{reference}/referrals/"
    body = {"organisation": "care-and-repair", "scope": [], "reason": "Help with repairs"}
    made = call(client, "post", url, token, body, "refer-1")
    assert made.status_code == 201, made.content
    referral = made.json()
    assert referral["organisation"] == "care-and-repair" and referral["ended_at"] is None
    assert call(client, "post", url, token, body, "refer-1").json() == referral
    assert Referral.objects.filter(case__reference=reference).count() == 1
    assert queued("referral.started", reference)[0]["organisation"] == "care-and-repair"
    # Referred there already; to one's own organisation; to nobody; sharing without consent.
    twice = call(client, "post", url, token, body, "refer-2")
    assert_one_error_shape(twice, 400, "organisation")
    own = call(client, "post", url, token, {**body, "organisation": council.slug}, "refer-3")
    assert_one_error_shape(own, 400, "organisation")
    nobody = call(client, "post", url, token, {**body, "organisation": "nope"}, "refer-4")
    assert_one_error_shape(nobody, 400, "organisation")
    bad_scope = call(client, "post", url, token, {**body, "scope": ["everything"]}, "refer-5")
    assert_one_error_shape(bad_scope, 400, "scope.0")

    end = f"{url}{referral['id']}/end/"
    ended = call(client, "post", end, token, {}, "end-1")
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    assert call(client, "post", end, token, {}, "end-1").json() == ended.json()
    assert queued("referral.ended", reference) == [
        {
            "reference": reference,
            "service": Case.objects.get(reference=reference).service_id,
            "referral": referral["id"],
            "organisation": "care-and-repair",
        }
    ]
    assert_one_error_shape(call(client, "post", end, token, {}, "end-2"), 400, "")
    missing = call(client, "post", f"{url}999999/end/", token, {}, "end-3")
    assert_one_error_shape(missing, 404, "referral_id")
    narrow = key_with(council, "cases:update")
    assert_one_error_shape(call(client, "post", url, narrow, body, "refer-6"), 403, "")
    theirs = other_organisations_token(staff)
    assert_one_error_shape(call(client, "post", end, theirs, {}, "end-4"), 404, "")


# Tasks


def test_create_and_complete_a_task(client, staff, council, token, reference, hooks):
    url = f"/api/v1/cases/{reference}/tasks/"
    body = {
        "title": "Call about the payslip",
        "due_date": "2030-01-31",
        "assignee": staff.colleague.email,
    }
    made = call(client, "post", url, token, body, "task-1")
    assert made.status_code == 201, made.content
    task = made.json()
    assert task["assigned_to"] == staff.colleague.email and task["due_date"] == "2030-01-31"
    assert call(client, "post", url, token, body, "task-1").json() == task
    assert Task.objects.filter(case__reference=reference, title=body["title"]).count() == 1
    assert queued("task.created", reference)[-1]["task"] == task["id"]
    empty = call(client, "post", url, token, {"title": ""}, "task-2")
    assert_one_error_shape(empty, 400, "title")
    bad_date = call(client, "post", url, token, {"title": "x", "due_date": "soon"}, "task-3")
    assert_one_error_shape(bad_date, 400, "due_date")

    done_url = f"{url}{task['id']}/complete/"
    done = call(client, "post", done_url, token, {"outcome": "Payslip arrived"}, "done-1")
    assert done.status_code == 200 and done.json()["outcome"] == "Payslip arrived"
    assert done.json()["completed_at"] is not None
    assert (
        call(client, "post", done_url, token, {"outcome": "Payslip arrived"}, "done-1").json()
        == done.json()
    )
    assert queued("task.completed", reference) == [
        {
            "reference": reference,
            "service": Case.objects.get(reference=reference).service_id,
            "task": task["id"],
        }
    ]
    twice = call(client, "post", done_url, token, {"outcome": "again"}, "done-2")
    assert_one_error_shape(twice, 400, "")
    # A task of another case is not this case's.
    other = post(client, token, {**APPLICATION, "person": {}}, key="registration-2").json()
    elsewhere = call(
        client,
        "post",
        f"/api/v1/cases/{other['reference']}/tasks/{task['id']}/complete/",
        token,
        {},
        "done-3",
    )
    assert_one_error_shape(elsewhere, 404, "task_id")
    narrow = key_with(council, "cases:update")
    assert_one_error_shape(call(client, "post", url, narrow, body, "task-4"), 403, "")
    assert_one_error_shape(
        call(client, "post", url, other_organisations_token(staff), body, "task-5"), 404, ""
    )


# Secure messages


def test_post_and_read_secure_messages(client, staff, council, token, reference):
    url = f"/api/v1/cases/{reference}/messages/"
    written = call(client, "post", url, token, {"body": "We have your payslip, thank you."}, "m-1")
    assert written.status_code == 201, written.content
    message = written.json()
    assert message["from_staff"] and message["body"].startswith("We have your payslip")
    assert (
        call(client, "post", url, token, {"body": "We have your payslip, thank you."}, "m-1").json()
        == message
    )
    assert ThreadMessage.objects.filter(case__reference=reference).count() == 1
    # The person is told there is a message (never what it says).
    assert Message.objects.filter(case__reference=reference, event="new_secure_message").exists()
    assert CaseEvent.objects.filter(case__reference=reference, kind="thread_message").count() == 1

    before = api_reads(reference, "messages")
    thread = call(client, "get", url, token)
    assert thread.status_code == 200
    assert [m["id"] for m in thread.json()["messages"]] == [message["id"]]
    assert api_reads(reference, "messages") == before + 1
    blank = call(client, "post", url, token, {"body": ""}, "m-2")
    assert_one_error_shape(blank, 400, "body")
    reader = key_with(council, "messages:read")
    assert call(client, "get", url, reader).status_code == 200
    assert_one_error_shape(call(client, "post", url, reader, {"body": "Hi"}, "m-3"), 403, "")
    assert_one_error_shape(call(client, "get", url, key_with(council, "cases:read")), 403, "")
    assert_one_error_shape(call(client, "get", url, other_organisations_token(staff)), 404, "")


# Evidence


def upload(client, token, reference, content, name="payslip.pdf", key="e-1"):
    return client.post(
        f"/api/v1/cases/{reference}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_upload_evidence_once_checked_by_its_content(
    client, staff, council, token, reference, hooks, settings
):
    added = upload(client, token, reference, PDF)
    assert added.status_code == 201, added.content
    evidence = added.json()
    assert evidence["content_type"] == "application/pdf" and evidence["size"] == len(PDF)
    assert evidence["scan"] == "not_scanned"
    assert upload(client, token, reference, PDF).json() == evidence
    stored = Upload.objects.get(application__case__reference=reference, question_id="evidence")
    assert stored.file.read() == PDF and str(stored.id) == evidence["id"]
    assert queued("evidence.added", reference)[0]["evidence"] == evidence["id"]
    assert logged(reference, "evidence")
    # The same key with another file is another request.
    assert upload(client, token, reference, PDF + b" ", key="e-1").status_code == 409
    # By content, not name; not empty; not over the limit.
    text = upload(client, token, reference, b"just some text", key="e-2")
    assert_one_error_shape(text, 400, "file")
    assert "JPG, PNG or PDF" in text.json()["errors"][0]["message"]
    assert_one_error_shape(upload(client, token, reference, b"", key="e-3"), 400, "file")
    settings.COMMONWEAL_UPLOAD_MAX_BYTES = 1024
    big = upload(client, token, reference, PDF + b"0" * 4096, key="e-4")
    assert_one_error_shape(big, 400, "file")
    assert "smaller than" in big.json()["errors"][0]["message"]
    missing = client.post(
        f"/api/v1/cases/{reference}/evidence/",
        {},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="e-5",
    )
    assert_one_error_shape(missing, 400, "file")
    assert Upload.objects.filter(question_id="evidence").count() == 1
    assert_one_error_shape(
        upload(client, key_with(council, "cases:update"), reference, PDF, key="e-6"), 403, ""
    )
    assert_one_error_shape(
        upload(client, other_organisations_token(staff), reference, PDF, key="e-7"), 404, ""
    )


def test_uploaded_evidence_waits_in_quarantine_for_the_scanner(client, token, reference, settings):
    settings.COMMONWEAL_FILE_SCANNER = "clamd"
    added = upload(client, token, reference, png_bytes(), name="photo.png")
    assert added.status_code == 201 and added.json()["scan"] == "pending"
    stored = Upload.objects.get(pk=added.json()["id"])
    scan = FileScan.objects.get(name=stored.file.name)
    assert scan.status == "pending" and scan.kind == "upload"


# Payments


def test_read_a_cases_payment_instructions(
    client, staff, council, token, reference, settings, tmp_path
):
    from commonweal.cases import services as cases_services
    from commonweal.organisations.selectors import staff_context

    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    case = Case.objects.get(reference=reference)
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You can borrow the amount below.",
        amount_pence=40_000,
        amount_reason="",
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=case.revision,
    )
    before = api_reads(reference, "person")
    url = f"/api/v1/cases/{reference}/payments/"
    read = call(client, "get", url, token)
    assert read.status_code == 200, read.content
    (payment,) = read.json()["payments"]
    assert payment["status"] == "awaiting" and payment["amount_pence"] == 40_000
    assert payment["account_last_four"] == "3445" and "00733445" not in read.content.decode()
    assert api_reads(reference, "person") == before + 1
    assert_one_error_shape(call(client, "get", url, key_with(council, "cases:read")), 403, "")
    assert_one_error_shape(call(client, "get", url, other_organisations_token(staff)), 404, "")


# Data requests


def test_make_and_read_data_requests(client, staff, council, token, reference, hooks):
    from commonweal.organisations.selectors import staff_context
    from commonweal.rights import services as rights_services

    url = f"/api/v1/cases/{reference}/data-requests/"
    body = {
        "subject": "person",
        "field": "family_name",
        "what_is_wrong": "Misspelt",
        "should_be": "Evans-Jones",
    }
    made = call(client, "post", url, token, body, "dr-1")
    assert made.status_code == 201, made.content
    request = made.json()
    assert request["status"] == "open" and request["value_shown"] == "Evans"
    assert call(client, "post", url, token, body, "dr-1").json() == request
    # The same field again while it is open: the open one, not a second.
    assert call(client, "post", url, token, body, "dr-2").status_code == 200
    assert DataRequest.objects.count() == 1
    assert DataRequest.objects.get().case.reference == reference
    assert queued("data_request.made", reference)[0]["data_request"] == request["id"]
    answer = call(
        client, "post", url, token, {**body, "subject": "answer", "field": "savings"}, "dr-3"
    )
    assert answer.status_code == 201 and answer.json()["subject"] == "answer"
    wrong = call(client, "post", url, token, {**body, "field": "shoe_size"}, "dr-4")
    assert_one_error_shape(wrong, 400, "field")

    rights_services.data_request_resolve(
        request_id=request["id"],
        corrected=False,
        reason="It is spelt as on the passport",
        values={},
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
    )
    assert queued("data_request.answered", reference)[0]["status"] == "not_corrected"
    before = api_reads(reference, "answers")
    listed = call(client, "get", url, token)
    assert listed.status_code == 200
    rows = listed.json()["data_requests"]
    assert [row["status"] for row in rows] == ["not_corrected", "open"]
    assert api_reads(reference, "answers") == before + 1
    writer = key_with(council, "data_requests:write")
    assert_one_error_shape(call(client, "get", url, writer), 403, "")
    assert_one_error_shape(
        call(client, "post", url, key_with(council, "data_requests:read"), body, "dr-5"), 403, ""
    )
    assert_one_error_shape(call(client, "get", url, other_organisations_token(staff)), 404, "")


# Message delivery events


def test_a_case_messages_delivery_is_an_event(client, token, reference, hooks):
    from commonweal.messaging import services as messaging_services

    message = Message.objects.filter(case__reference=reference).first()
    Message.objects.filter(pk=message.pk).update(status="sent")
    message.refresh_from_db()
    messaging_services.message_status_update(message=message, status="delivered")
    (data,) = queued("message.delivered", reference)
    assert data["message"] == str(message.pk) and data["channel"] == message.channel


def test_every_new_event_type_can_be_subscribed_to():
    assert {
        "message.delivered",
        "message.failed",
        "task.created",
        "task.completed",
        "referral.started",
        "referral.ended",
        "evidence.added",
        "data_request.made",
        "data_request.answered",
    } <= set(webhooks.EVENT_TYPES)


def test_the_new_events_reach_a_subscribed_system_signed(
    client, staff, council, token, reference, webhook_receiver, run_tasks
):
    """Queued in the change's transaction, then sent by the worker like every event."""
    subscription = webhooks.subscription_create(
        organisation=council,
        url=webhook_receiver.url,
        event_types=["task.created", "task.completed", "referral.started"],
        by=staff.leader,
    )
    webhook_receiver.secret = subscription.secret
    url = f"/api/v1/cases/{reference}/tasks/"
    task = call(client, "post", url, token, {"title": "Ring back"}, "hook-1").json()
    call(client, "post", f"{url}{task['id']}/complete/", token, {}, "hook-2")
    referral = {"organisation": "care-and-repair", "reason": "Repairs"}
    call(client, "post", f"/api/v1/cases/{reference}/referrals/", token, referral, "hook-3")
    assert webhooks.deliveries_dispatch() == 3
    run_tasks()
    received = sorted(
        (event["type"], event["subject"]) for event in webhook_receiver.events.values()
    )
    assert received == [
        ("uk.gov.commonweal.referral.started", reference),
        ("uk.gov.commonweal.task.completed", reference),
        ("uk.gov.commonweal.task.created", reference),
    ]
    assert webhook_receiver.refused == []
