"""Property-based tests of the REST API against its committed OpenAPI document.

Schemathesis generates requests for every operation in docs/api/openapi.json (valid ones,
edge cases and invalid ones) and sends them to the Django app in-process, through its WSGI
handler, with a key holding every scope for the council that runs the Budgeting Loan and a
fresh Idempotency-Key each time. Every answer must be something other than a server error,
with a status code, content type and body the document declares.

So that the examples reach the successful paths too, the loaded document (not the committed
file) is given examples: a whole Budgeting Loan application, and the reference and person id
of a case registered through the API before each operation's run.
"""

import copy
import json
import uuid
from pathlib import Path

import hypothesis
import pytest
import schemathesis
import werkzeug
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from commonweal.api import services as api_services
from commonweal.api.models import ApiKey
from commonweal.cases.models import Case
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.people.models import Person
from tests.workspace import make_staff

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "api" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
APPLICATION = {
    "service": "budgeting-loan",
    "channel": "phone",
    "identity_check": "knowledge",
    "language": "en",
    "person": {"email": "sam.evans@example.com"},
    "answers": BUDGETING_LOAN_ANSWERS,
}
PATH_EXAMPLES = {"reference": "BL-SCHM-7E57", "person_id": "5c4e3a1f-0b8d-4e2a-9f6c-7d1e2b3a4c5d"}


@pytest.fixture
def wsgi_app():
    """The app as gunicorn sees it. Django closes stale connections around each request,
    which inside the test's transaction would close the test's own connection: here, as in
    Django's test client, it leaves the connection alone."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(db, settings):
    # Hundreds of calls in a few seconds from one key: the rate limit is not under test.
    settings.COMMONWEAL_API_RATE_PER_MINUTE = 1_000_000
    council = make_staff().teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Schemathesis", scopes=list(ApiKey.Scope.values)
    )
    return token


def with_examples(document: dict) -> dict:
    document = copy.deepcopy(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in PATH_EXAMPLES:
                    parameter["example"] = PATH_EXAMPLES[parameter["name"]]
            if (method, path) == ("post", "/api/v1/applications/"):
                body = operation["requestBody"]["content"]["application/json"]
                body["example"] = APPLICATION
    return document


# Loaded at import, so one test per operation (schemathesis.pytest.from_fixture, which
# could name a case made by a fixture, breaks on pytest 9.2: Function has no _nodeid).
schema = schemathesis.openapi.from_dict(with_examples(json.loads(SCHEMA.read_text("utf-8"))))


@pytest.fixture
def known_case(wsgi_app, api_token):
    """A case registered through the API, given the reference and person id that the
    examples name (the schema is loaded before any test runs, so they are fixed)."""
    registered = werkzeug.Client(wsgi_app).post(
        "/api/v1/applications/",
        json=APPLICATION,
        headers={
            "Authorization": f"Bearer {api_token}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert registered.status_code == 201, registered.text
    case = Case.objects.get(reference=registered.json["reference"])
    Case.objects.filter(pk=case.pk).update(reference=PATH_EXAMPLES["reference"])
    Person.objects.filter(pk=case.person_id).update(public_id=PATH_EXAMPLES["person_id"])
    return case


@schema.parametrize()
@hypothesis.settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written to .hypothesis/
    suppress_health_check=list(hypothesis.HealthCheck),  # function-scoped fixtures
)
def test_the_api_answers_as_its_document_says(case, wsgi_app, api_token, known_case):
    case.call_and_validate(
        app=wsgi_app,
        headers={
            "Authorization": f"Bearer {api_token}",
            "Idempotency-Key": str(uuid.uuid4()),
            # The WSGI client does not undo gzip, as an HTTP client would.
            "Accept-Encoding": "identity",
        },
        checks=CHECKS,
    )
