"""Malformed requests to every address get a clear answer, never a server error."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.journeys import BUDGETING_LOAN, answer_eligibility

pytestmark = pytest.mark.django_db

SAMPLE_ARGUMENTS = {
    "slug": "budgeting-loan",
    "question_id": "universal-credit",
    "outcome_id": "universal-credit",
    "page_id": "name",
    "reference": "BL-2345-6789",
    "day": "2026-11-26",
    "upload_id": "6f1c2a9e-1b7d-4c55-9a53-0d6f54c0f001",
    "code": "cy",
    "application_id": "6f1c2a9e-1b7d-4c55-9a53-0d6f54c0f002",
    "file_id": "6f1c2a9e-1b7d-4c55-9a53-0d6f54c0f003",
    "attachment_id": "6f1c2a9e-1b7d-4c55-9a53-0d6f54c0f004",
    "representative_id": "1",
    "bulk_id": "1",
    "person_id": "6f1c2a9e-1b7d-4c55-9a53-0d6f54c0f005",
    "action": "assign",
    "postcode": "CF831AA",
    "batch_id": "1",
    "pair_id": "1",
    "number": "1",
    "other": "1",
    "name": "one-login",
    "extension": "json",
    "field": "phone",
    "purpose": "research_contact",
    "request_id": "1",
    "filter_id": "1",
    "language": "en",
    "instruction_id": "1",
    "download_id": "6f1c2a9e-1b7d-4c55-9a53-0d6f54c0f006",
    "referral_id": "1",
    "task_id": "1",
    "stage_id": "received",
    "reason_id": "no-reply",
}

NASTY_VALUES = [
    "",
    " ",
    "x" * 20_000,
    "\x00\x01",
    "<script>alert(1)</script>",
    "'; DROP TABLE people_person; --",
    "ŵŷâ😀",
    "-1",
    "99999999999999999999999",
    "1e309",
]


def citizen_pages() -> list[str]:
    """Every address in the site, with sample values in place of its parameters."""
    urls = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if "admin" in str(pattern.pattern):
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                for name, value in SAMPLE_ARGUMENTS.items():
                    route = route.replace(f"<slug:{name}>", value)
                    route = route.replace(f"<str:{name}>", value)
                    route = route.replace(f"<uuid:{name}>", value)
                    route = route.replace(f"<int:{name}>", value)
                    route = route.replace(f"<{name}>", value)
                assert "<" not in route, f"no sample value for {route}"
                urls.append("/" + route)

    walk(get_resolver().url_patterns)
    return urls


def malformed_requests(client: Client, url: str):
    yield client.get(url)
    yield client.get(url + "?next=//evil.example&change=%00&address=%ff")
    yield client.post(url, {})
    for value in NASTY_VALUES:
        yield client.post(url, {key: value for key in FIELD_NAMES})
    yield client.post(url, {key: ["a", "b"] for key in FIELD_NAMES})
    yield client.generic("POST", url, b"\xff\xfe\x00garbage", content_type="multipart/form-data")
    yield client.generic(
        "POST", url, b"--x\r\nnonsense", content_type="multipart/form-data; boundary=x"
    )
    yield client.generic("POST", url, b"{not json", content_type="application/json")
    yield client.put(url, "a=b")
    yield client.delete(url)


FIELD_NAMES = [
    "answer",
    "email",
    "code",
    "action",
    "reference",
    "dob-day",
    "dob-month",
    "dob-year",
    "postcode",
    "given-name",
    "family-name",
    "name-lookup-postcode",
    "csrfmiddlewaretoken",
    # The staff workspace's fields
    "assignee",
    "cases",
    "stage",
    "text",
    "for_person",
    "outcome",
    "reasons",
    "explanation",
    "override_reason",
    "amount",
    "amount_reason",
    "correction_reason",
    "step",
    "revision",
    "body",
    "team",
    "organisation",
    "scope",
    "reason",
    "flag",
    "task",
    "referral",
    "title",
    "task-due-day",
    "q",
    "channel",
    "identity",
    "service",
]


@pytest.mark.parametrize(
    "signed_in", ["anonymous", "citizen", "staff"], ids=["anonymous", "citizen", "staff"]
)
def test_no_malformed_request_to_any_address_gives_a_server_error(signed_in, citizen):
    client = Client(raise_request_exception=False)
    if signed_in == "staff":
        from commonweal.cases.models import Case
        from commonweal.intake.models import Application
        from tests.workspace import make_staff, submit_case

        staff = make_staff()
        case = submit_case(citizen)
        # The sample reference is a real case this member of staff works on.
        Case.objects.filter(pk=case.pk).update(reference=SAMPLE_ARGUMENTS["reference"])
        Application.objects.filter(pk=case.application_id).update(
            reference=SAMPLE_ARGUMENTS["reference"]
        )
        # New contact details waiting for a check on it.
        from commonweal.people import services as people_services

        people_services.contact_change_request(
            person=case.person,
            changes={"phone": ["", "+447700900777"]},
            reason="Given on the phone",
            case_reference=SAMPLE_ARGUMENTS["reference"],
            by=staff.caseworker,
        )
        client.force_login(staff.caseworker)
    elif signed_in == "citizen":
        client.force_login(citizen)
        answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
        client.get("/services/budgeting-loan/apply/")
    failures = []
    for url in citizen_pages():
        for response in malformed_requests(client, url):
            if response.status_code >= 500:
                failures.append((url, response.status_code))
    assert failures == []


def test_every_form_is_protected_against_cross_site_requests(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    for url in (
        "/sign-in/",
        "/check-status/",
        "/services/budgeting-loan/eligibility/universal-credit/",
    ):
        response = client.post(url, {"email": "a@example.com", "answer": "no"})
        assert response.status_code == 403
        assert "Your session has expired" in response.content.decode()


def test_every_answer_is_validated_on_the_server(citizen_client):
    answer_eligibility(citizen_client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    citizen_client.get("/services/budgeting-loan/apply/")
    response = citizen_client.post(
        "/services/budgeting-loan/apply/name/", {"given-name": "", "family-name": "x" * 300}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter your first name" in html
    assert "Answer must be 100 characters or less" in html
    assert 'href="#given-name"' in html and 'href="#family-name"' in html


def _on_the_name_page(client):
    answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    client.get("/services/budgeting-loan/apply/")
    return "/services/budgeting-loan/apply/name/"


def test_a_nul_in_a_form_or_a_query_string_gets_a_clear_400_page(citizen_client):
    from commonweal.intake.models import Application

    name_page = _on_the_name_page(citizen_client)
    for response in (
        citizen_client.post(name_page, {"given-name": "Sam\x00", "family-name": "Evans"}),
        citizen_client.post("/check-status/", {"reference": "BL\x00", "postcode": "CF83 1AA"}),
        citizen_client.get("/check-status/?reference=%00"),
        citizen_client.get("/applications/BL-2345-%00/"),
    ):
        assert response.status_code == 400
        html = response.content.decode()
        assert "What you sent has a character in it that we cannot store" in html
        assert "Sorry, there is a problem with the page you asked for" in html
    assert Application.objects.get().answers.get("given-name") is None


def test_hidden_characters_in_an_answer_get_a_field_error(citizen_client):
    from commonweal.intake.models import Application

    name_page = _on_the_name_page(citizen_client)
    response = citizen_client.post(name_page, {"given-name": "Sam\x01\x1b", "family-name": "Evans"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Answer must not include hidden characters, like a null character" in html
    assert 'href="#given-name"' in html
    # What was typed is shown again, without the characters that cannot be shown.
    assert 'value="Sam"' in html
    assert Application.objects.get().answers.get("given-name") is None


def test_an_unknown_host_gets_the_400_page_not_a_server_error():
    client = Client(raise_request_exception=False)
    response = client.get("/check-status/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not understand the request" in html and "Sign in" not in html
