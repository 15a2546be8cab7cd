"""The REST API: keys and scopes, the catalogue, registering an application in one call
(idempotent), reading a case; one error shape; the committed OpenAPI document."""

import json
from pathlib import Path

import pytest

from commonweal.api import services as api_services
from commonweal.api.models import ApiKey
from commonweal.cases.models import Case
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "api" / "openapi.json"


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def token(staff):
    council = staff.teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council,
        name="Call centre",
        scopes=["applications:register", "cases:read"],
    )
    return token


def post(client, token, body, key="first-try", **headers):
    return client.post(
        "/api/v1/applications/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


APPLICATION = {
    "service": "budgeting-loan",
    "channel": "phone",
    "identity_check": "knowledge",
    "person": {"email": "sam.evans@example.com"},
    "answers": BUDGETING_LOAN_ANSWERS,
}


def test_the_catalogue_is_public(client):
    services = client.get("/api/v1/services/").json()
    loan = next(s for s in services if s["slug"] == "budgeting-loan")
    assert loan["title"]["cy"] and any(q["id"] == "ni-number" for q in loan["questions"])


def test_register_an_application_in_one_call_once(client, token):
    first = post(client, token, APPLICATION)
    assert first.status_code == 201, first.content
    body = first.json()
    case = Case.objects.get(reference=body["reference"])
    assert body["case"]["stage"] == "received" and case.channel == "phone"
    assert case.person.full_name == "Sam Evans"
    # A retry with the same key gets the same answer and makes no second case.
    again = post(client, token, APPLICATION)
    assert again.status_code == 201 and again.json() == body
    assert Case.objects.count() == 1
    # The same key for something else is refused.
    other = post(client, token, {**APPLICATION, "channel": "paper"})
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_second_registration_for_the_same_person_finds_their_record(client, token):
    """The second finds the record the first made; its new phone number is not written over
    the record's but waits for the team's check (it used to be written straight away)."""
    from commonweal.people.models import ContactChange, ContactPoint, Person, PersonChange

    first = post(client, token, APPLICATION).json()
    assert first["contact_details"] == "on_record"
    moved = {**BUDGETING_LOAN_ANSWERS, "phone": "07700 900456"}
    second = post(client, token, {**APPLICATION, "answers": moved}, key="second").json()
    assert second["contact_details"] == "waiting_for_check"
    person = Person.objects.get()
    assert {case.reference for case in person.cases.all()} == {
        first["reference"],
        second["reference"],
    }
    assert person.email == "sam.evans@example.com" and person.account.email == person.email
    assert ContactPoint.objects.filter(person=person, kind="email", is_primary=True).count() == 1
    history = list(PersonChange.objects.filter(person=person).order_by("id"))
    assert len(history) == 1
    assert history[0].fields["record"] == ["", "created"]
    assert history[0].fields["email"] == ["", "sam.evans@example.com"]
    assert history[0].fields["family_name"] == ["", "Evans"]
    assert person.phone == BUDGETING_LOAN_ANSWERS["phone"]
    change = ContactChange.objects.get(person=person, status="pending")
    assert change.fields == {"phone": [BUDGETING_LOAN_ANSWERS["phone"], "+447700900456"]}
    assert change.case_reference == second["reference"]


def test_bad_answers_get_field_errors_in_one_shape(client, token):
    answers = {**BUDGETING_LOAN_ANSWERS, "ni-number": "not one", "made-up": "x"}
    response = post(client, token, {**APPLICATION, "answers": answers})
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"answers.ni-number", "answers.made-up"} <= fields
    unknown = post(client, token, {**APPLICATION, "colour": "blue"}, key="k2")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "colour"
    garbage = client.post(
        "/api/v1/applications/",
        b"{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="k3",
    )
    assert garbage.status_code == 400 and "errors" in garbage.json()
    assert Case.objects.count() == 0


def test_keys_scopes_and_revocation(client, staff, token):
    assert post(client, "cw_nope_nope", APPLICATION).status_code == 401
    assert client.post("/api/v1/applications/", {}).status_code == 401
    council = staff.teams["financial-support"].organisation
    key, reader = api_services.api_key_create(
        organisation=council, name="Reader", scopes=["cases:read"]
    )
    assert post(client, reader, APPLICATION).status_code == 403
    api_services.api_key_revoke(key=key)
    response = client.get("/api/v1/cases/BL-2345-6789/", HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert response.status_code == 401


def test_read_a_case_of_ones_own_organisation_only(client, staff, token):
    reference = post(client, token, APPLICATION).json()["reference"]
    case = client.get(f"/api/v1/cases/{reference}/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert case.status_code == 200
    assert case.json()["timeline"][0]["kind"] in ("submitted", "task_added", "message_sent")
    charity = staff.teams["provider"].organisation
    _key, theirs = api_services.api_key_create(
        organisation=charity, name="Charity", scopes=["cases:read"]
    )
    other = client.get(f"/api/v1/cases/{reference}/", HTTP_AUTHORIZATION=f"Bearer {theirs}")
    assert other.status_code == 404


def test_the_committed_openapi_document_matches_the_code(client):
    served = client.get("/api/v1/schema/").json()
    assert served["openapi"].startswith("3.")
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert served == committed, "run `commonweal api schema > docs/api/openapi.json`"


@pytest.fixture
def writer(staff):
    council = staff.teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council,
        name="Case system",
        scopes=["applications:register", "cases:read", "cases:update", "people:read"],
    )
    return token


def call(client, method, url, token, body=None, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return getattr(client, method)(
        url,
        json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )


def test_note_stage_and_decision_through_the_api(client, writer):
    from commonweal.cases.models import CaseEvent, Decision

    reference = post(client, writer, APPLICATION, key="reg-1").json()["reference"]
    base = f"/api/v1/cases/{reference}/"
    note = call(client, "post", base + "notes/", writer, {"text": "Called the person"}, "n1")
    assert note.status_code == 200
    assert (
        call(
            client, "post", base + "notes/", writer, {"text": "Called the person"}, "n1"
        ).status_code
        == 200
    )
    assert CaseEvent.objects.filter(case__reference=reference, kind="note").count() == 1
    bad = call(client, "post", base + "stage/", writer, {"stage": "decided"}, "s1")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "refused"
    moved = call(client, "post", base + "stage/", writer, {"stage": "checking"}, "s2")
    assert moved.status_code == 200 and moved.json()["stage"] == "checking"
    stale = call(
        client, "post", base + "stage/", writer, {"stage": "received", "revision": 1}, "s3"
    )
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "stale"
    no_reason = call(client, "post", base + "decision/", writer, {"outcome": "refused"}, "d1")
    assert no_reason.status_code == 400
    decided = call(
        client,
        "post",
        base + "decision/",
        writer,
        {"outcome": "refused", "reasons": ["savings-too-high"], "explanation": "Savings £1,800"},
        "d2",
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "refused"
    assert Decision.objects.get(case__reference=reference).decided_by.email.startswith(
        "integration-"
    )


def test_an_idempotency_key_is_bound_to_the_path_and_method_as_well_as_the_body(client, writer):
    from commonweal.cases.models import CaseEvent

    first = post(client, writer, APPLICATION, key="reg-a").json()["reference"]
    second = post(client, writer, APPLICATION, key="reg-b").json()["reference"]
    note = {"text": "Called the person"}
    done = call(client, "post", f"/api/v1/cases/{first}/notes/", writer, note, "shared")
    assert done.status_code == 200 and done.json()["reference"] == first
    # The same key and body on another case's path is another request: refused, and the
    # first case's answer is not handed back for it.
    other = call(client, "post", f"/api/v1/cases/{second}/notes/", writer, note, "shared")
    assert other.status_code == 409
    assert other.json()["errors"] == [
        {
            "field": "Idempotency-Key",
            "code": "reused",
            "message": "This Idempotency-Key was used for a different request "
            "(another method, path or body).",
        }
    ]
    assert not CaseEvent.objects.filter(case__reference=second, kind="note").exists()
    # Nor on another kind of call with the same body.
    elsewhere = call(client, "post", f"/api/v1/cases/{first}/stage/", writer, note, "shared")
    assert elsewhere.status_code in (400, 409) and "reference" not in elsewhere.json()
    # The same request again still gets the first answer.
    again = call(client, "post", f"/api/v1/cases/{first}/notes/", writer, note, "shared")
    assert again.status_code == 200 and again.json() == done.json()
    # The method is part of it too: the same key, path and body with another method.
    api_key = ApiKey.objects.get(name="Case system")
    replay = api_services.idempotent(
        api_key=api_key,
        key="shared",
        method="PUT",
        path=f"/api/v1/cases/{first}/notes/",
        request_body=json.dumps(note).encode(),
        make=lambda: (200, {"made": "again"}),
    )
    assert replay[0] == 409


def raw_post(client, token, body: bytes, key: str, **headers):
    return client.post(
        "/api/v1/applications/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def test_a_lone_surrogate_in_an_answer_or_an_email_is_a_field_error(token):
    from django.test import Client

    client = Client(raise_request_exception=False)
    # json.dumps writes "\ud800" as the escape an attacker sends.
    answers = {**BUDGETING_LOAN_ANSWERS, "given-name": "Sam\ud800"}
    in_answer = raw_post(
        client, token, json.dumps({**APPLICATION, "answers": answers}).encode(), "s1"
    )
    assert in_answer.status_code == 400 and in_answer["Content-Type"].startswith("application/json")
    assert in_answer.json()["errors"][0]["field"] == "answers.given-name"
    assert in_answer.json()["errors"][0]["code"] == "invalid_text"
    email = {**APPLICATION, "person": {"email": "\ud800@example.com"}}
    in_email = raw_post(client, token, json.dumps(email).encode(), "s2")
    assert in_email.status_code == 400
    assert in_email.json()["errors"][0]["field"] == "person.email"
    # In a key, too (the error names where, without repeating the key).
    in_key = client.post(
        "/api/v1/applications/",
        b'{"service": "budgeting-loan", "channel": "phone", "answers": {"\\udfff": 1}}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="s3",
    )
    assert in_key.status_code == 400 and in_key.json()["errors"][0]["field"] == "answers"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (5, "invalid_type"),
        (["Sam"], "invalid_type"),
        ({"first": "Sam"}, "invalid_type"),
        (True, "invalid_type"),
        ("Sam\u0000", "invalid_text"),
        ("Sam\u0001", "invalid"),
    ],
    ids=["number", "list", "object", "boolean", "nul", "control"],
)
def test_text_answers_refuse_anything_but_text(client, token, answer, code):
    answers = {**BUDGETING_LOAN_ANSWERS, "given-name": answer}
    response = post(client, token, {**APPLICATION, "answers": answers})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("answers.given-name", code)]
    assert Case.objects.count() == 0


def test_other_answers_take_their_own_json_types(client, token):
    wrong = {
        **BUDGETING_LOAN_ANSWERS,
        "date-of-birth": 19791104,
        "ni-number": ["AB123456C"],
        "address": "1 High Street",
    }
    response = post(client, token, {**APPLICATION, "answers": wrong})
    assert response.status_code == 400
    found = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert found == {
        ("answers.date-of-birth", "invalid_type"),
        ("answers.ni-number", "invalid_type"),
        ("answers.address", "invalid_type"),
    }


def test_a_body_over_the_limit_and_an_unknown_host_get_the_json_error_shape(token, settings):
    from django.test import Client

    client = Client(raise_request_exception=False)
    big = b'{"service": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    too_large = raw_post(client, token, big, "big")
    assert too_large.status_code == 400
    assert too_large["Content-Type"].startswith("application/json")
    assert too_large.json()["errors"][0]["code"] == "too_large"
    for response in (
        client.get("/api/v1/services/", HTTP_HOST="evil.example"),
        raw_post(client, token, json.dumps(APPLICATION).encode(), "host", HTTP_HOST="evil.example"),
    ):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["errors"] == [
            {
                "field": "Host",
                "code": "unknown_host",
                "message": "This host name is not served here",
            }
        ]
    # A NUL in a query string, and an address the API does not have, answer in the same shape.
    nul = client.get("/api/v1/people/?q=%00", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert nul.status_code == 400 and nul.json()["errors"][0]["field"] == "q"
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    assert Case.objects.count() == 0


def test_people_search_pages_and_contact_preferences(client, writer, staff):
    post(client, writer, APPLICATION, key="reg-2")
    page = call(client, "get", "/api/v1/people/?q=Evans&limit=1", writer)
    assert page.status_code == 200
    body = page.json()
    assert len(body["people"]) == 1 and body["people"][0]["cases"]
    person_id = body["people"][0]["id"]
    assert call(client, "get", "/api/v1/people/?after=%%%", writer).status_code == 400
    url = f"/api/v1/people/{person_id}/contact-preferences/"
    assert call(client, "get", url, writer).json()["language"] == "en"
    changed = call(
        client,
        "put",
        url,
        writer,
        {
            "channels": ["letter"],
            "language": "cy",
            "accessible_format": "large_print",
            "quiet_hours": True,
            "reason": "Phoned the call centre",
        },
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["channels"][0] == "letter" and changed.json()["language"] == "cy"
    # Another organisation's key cannot see them.
    _key, theirs = api_services.api_key_create(
        organisation=staff.teams["provider"].organisation, name="Charity", scopes=["people:read"]
    )
    assert call(client, "get", url, theirs).status_code == 404
    assert call(client, "get", "/api/v1/people/?q=Evans", theirs).json()["people"] == []


def test_too_many_calls_get_retry_after(client, writer, settings, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    settings.COMMONWEAL_API_RATE_PER_MINUTE = 3
    clock = [dt.datetime(2026, 11, 26, 12, 0, 45, tzinfo=dt.UTC)]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    for _ in range(3):
        assert call(client, "get", "/api/v1/cases/BL-2345-6789/", writer).status_code == 404
    limited = call(client, "get", "/api/v1/cases/BL-2345-6789/", writer)
    # The limit is counted per clock minute: 15 seconds until this one ends.
    assert limited.status_code == 429 and limited["Retry-After"] == "15"
    assert limited.json()["errors"][0]["code"] == "rate_limited"
    clock[0] = dt.datetime(2026, 11, 26, 12, 1, 0, tzinfo=dt.UTC)
    assert call(client, "get", "/api/v1/cases/BL-2345-6789/", writer).status_code == 404


def test_people_search_costs_the_same_whatever_the_page_size(
    client, writer, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as context:
            assert call(client, "get", url, writer).status_code == 200
        return len(context.captured_queries)

    post(client, writer, APPLICATION, key="reg-3")
    one = queries("/api/v1/people/?q=Evans")
    for number in range(4):
        post(
            client,
            writer,
            {**APPLICATION, "person": {"email": f"p{number}@example.com"}},
            key=f"r{number}",
        )
    assert queries("/api/v1/people/?q=Evans") == one


def test_bodies_must_be_json_and_the_document_says_so(client, writer):
    response = client.post(
        "/api/v1/applications/",
        json.dumps(APPLICATION),
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {writer}",
        HTTP_IDEMPOTENCY_KEY="plain",
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "Content-Type"
    schema = client.get("/api/v1/schema/").json()
    register = schema["paths"]["/api/v1/applications/"]["post"]
    assert "429" in register["responses"] and "415" in register["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in register["parameters"])


def test_the_bench_floor_writes_the_same_rows_as_a_registration(client, token, settings):
    """`commonweal bench api` compares registrations with their floor: the same inserts and
    nothing else. The floor must write every row a registration writes, no more, no less."""
    from django.apps import apps

    def counts() -> dict:
        return {
            model._meta.label: model.objects.count()
            for model in apps.get_models()
            if model._meta.app_label not in ("sessions", "contenttypes", "auth", "admin")
        }

    before = counts()
    first = post(client, token, APPLICATION)
    assert first.status_code == 201
    after_registration = counts()
    # Off unless the bench turns it on.
    url = f"/bench/registration-inserts/?sample={first.json()['reference']}"
    body = json.dumps({**APPLICATION, "person": {"email": "floor@example.com"}})
    assert client.post(url, body, content_type="application/json").status_code == 404
    settings.COMMONWEAL_BENCH_ENDPOINTS = True
    assert client.post(url, body, content_type="application/json").status_code == 201
    after_floor = counts()
    registration = {k: after_registration[k] - before[k] for k in before}
    floor = {k: after_floor[k] - after_registration[k] for k in before}
    # The key's call count is one row a minute (both count the call in it).
    for changed in (registration, floor):
        changed.pop("api.ApiCallCount")
    assert {k: v for k, v in registration.items() if v} == {k: v for k, v in floor.items() if v}
    assert registration["cases.Case"] == 1 and registration["privacy.AccessRecord"] == 1
