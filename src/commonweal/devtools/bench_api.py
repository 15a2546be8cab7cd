"""`commonweal bench api`: applications registered per second through the REST API, against
a floor measured in the same run, on the same gunicorn server, on PostgreSQL.

A registration is `POST /api/v1/applications/` with a whole Budgeting Loan (each for a
different person, by email address), a unique Idempotency-Key and a bearer key holding
`applications:register`: the key looked up and its call counted against its rate limit, the
body parsed and checked against the schema, the idempotency record, every answer checked by
the same rules as the online questions, then the person's record, the application, the case
with its due date, its first event and the notice in the outbox, in one transaction.

The floor is "the same inserts": `/bench/registration-inserts/` on the same server, through
the same middleware, with the same JSON body, writes in one transaction exactly the rows a
registration writes (the person with their sign-in, contact point and history; the
application; the case, its first event, its checks' task row; the notice and its
message; the access record; the idempotency record; the key's call count), copied from a
registration made in the warm-up with fresh keys and the body's person. Nothing is read,
checked or validated. The ratio is then what the platform's own work costs on top of the
writes it cannot avoid: the key check, schema validation, idempotency, checking every
answer, and the ORM.

For comparison the bench also times the intake bench's floor, `/bench/bare-insert/`: one row
holding the same body, posted as a signed-in person with a CSRF token. That is the cost of
the request path alone, and far stricter (a registration writes twelve rows and counts the
call); its ratio is printed too.

Each concurrent client has its own key (an integration), so no one key's rate-limit window
holds every call; the limit itself is raised for the served process, as a fast run would
otherwise be refused (429) after 600 calls a minute. The bare insert, like the intake
bench's floor, signs in a different person for each request.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from django.conf import settings

from commonweal.devtools import bench

DEMO_DIR = Path(__file__).resolve().parents[1] / "catalogue" / "demo"
RATE_FOR_THE_BENCH = 10_000_000

Request = Callable[[httpx.Client], bool]


@dataclass
class Plan:
    warmup_registrations: list[Request]
    warmup_floor: list[Request]
    registrations: list[Request]
    floor: list[Request]
    bare: list[Request]
    # The reference of a registration made in the warm-up, whose rows the floor copies.
    sample: dict


def application(email: str) -> dict:
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS

    return {
        "service": "budgeting-loan",
        "channel": "phone",
        "identity_check": "knowledge",
        "language": "en",
        "person": {"email": email},
        "answers": BUDGETING_LOAN_ANSWERS,
    }


def prepare(*, registrations: int, warmup: int, clients: int) -> Plan:
    """The service and the demo council that runs it, a key per client, and a signed-in
    session for each floor request; returns the requests to make."""
    from commonweal.api import services as api_services
    from commonweal.catalogue import services as catalogue_services
    from commonweal.devtools.organisations import organisations_demo_ensure

    catalogue_services.service_import(
        yaml_text=(DEMO_DIR / "budgeting-loan.yaml").read_text(encoding="utf-8")
    )
    council = organisations_demo_ensure()["financial-support"].organisation
    tokens = [
        api_services.api_key_create(
            organisation=council, name=f"Bench client {i}", scopes=["applications:register"]
        )[1]
        for i in range(clients)
    ]
    run = secrets.token_hex(3)
    bodies = [
        json.dumps(application(f"bench-{run}-{i}@example.com")).encode()
        for i in range(3 * (registrations + warmup))
    ]
    each = registrations + warmup
    register_bodies = bodies[:each]
    floor_bodies = bodies[each : 2 * each]
    bare_bodies = bodies[2 * each :]
    sessions = _signed_in_sessions(len(bare_bodies))

    def register(index: int, body: bytes) -> Request:
        headers = {
            "Authorization": f"Bearer {tokens[index % clients]}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        }

        def request(client: httpx.Client) -> bool:
            response = client.post("/api/v1/applications/", content=body, headers=headers)
            return response.status_code == 201 and b'"reference"' in response.content

        return request

    def bare(session: tuple[str, str], body: bytes) -> Request:
        session_key, csrf = session
        data = {"application": body.decode(), "csrfmiddlewaretoken": csrf}
        cookies = {settings.SESSION_COOKIE_NAME: session_key, "csrftoken": csrf}

        def request(client: httpx.Client) -> bool:
            response = client.post("/bench/bare-insert/", data=data, cookies=cookies)
            return response.status_code == 302

        return request

    sample: dict = {}

    def same_inserts(body: bytes) -> Request:
        def request(client: httpx.Client) -> bool:
            response = client.post(
                f"/bench/registration-inserts/?sample={sample['reference']}",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            return response.status_code == 201

        return request

    registering = [register(i, body) for i, body in enumerate(register_bodies)]
    floor = [same_inserts(body) for body in floor_bodies]
    bare_floor = [bare(s, body) for s, body in zip(sessions, bare_bodies, strict=True)]
    # The warm-up touches every path, so none pays for a cold worker in the figures.
    return Plan(
        warmup_registrations=registering[:warmup],
        warmup_floor=floor[:warmup] + bare_floor[:warmup],
        registrations=registering[warmup:],
        floor=floor[warmup:],
        bare=bare_floor[warmup:],
        sample=sample,
    )


@contextlib.contextmanager
def rate_limit_raised() -> Iterator[None]:
    """The served process's per-key rate limit raised out of reach (it reads the
    environment when it starts); the count is still made on every call."""
    name = "COMMONWEAL_API_RATE_PER_MINUTE"
    before = os.environ.get(name)
    os.environ[name] = str(RATE_FOR_THE_BENCH)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _signed_in_sessions(count: int) -> list[tuple[str, str]]:
    """`count` people, each signed in, made in bulk: (session key, CSRF secret) pairs."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from commonweal.accounts.models import User

    run = secrets.token_hex(3)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"floor-{run}-{i}@example.com", password=unusable) for i in range(count)]
    )
    store = SessionStore()
    expires = timezone.now() + timedelta(hours=2)
    backend = "django.contrib.auth.backends.ModelBackend"
    sessions, pairs = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        pairs.append((key, bench.csrf_secret()))
    Session.objects.bulk_create(sessions, batch_size=1000)
    return pairs


# The floor: the same inserts, and nothing else.

_TEMPLATES: dict[str, dict] = {}


def _templates(sample_reference: str) -> dict:
    """The rows a real registration wrote (read once per process, in the warm-up)."""
    if sample_reference in _TEMPLATES:
        return _TEMPLATES[sample_reference]
    from commonweal.accounts.models import User
    from commonweal.api.models import IdempotentRequest
    from commonweal.cases.models import Case, CaseEvent
    from commonweal.intake.models import Application
    from commonweal.messaging.models import Message, Notice
    from commonweal.people.models import ContactPoint, Person, PersonChange
    from commonweal.privacy.models import AccessRecord

    def row(queryset) -> dict:
        values = dict(queryset.values()[0])
        values.pop("id", None)
        return values

    case = Case.objects.get(reference=sample_reference)
    found = {
        "case": row(Case.objects.filter(pk=case.pk)),
        "application": row(Application.objects.filter(pk=case.application_id)),
        "person": row(Person.objects.filter(pk=case.person_id)),
        "user": row(User.objects.filter(person__pk=case.person_id)),
        "contact_point": row(ContactPoint.objects.filter(person_id=case.person_id)),
        "person_change": row(PersonChange.objects.filter(person_id=case.person_id)),
        "event": row(CaseEvent.objects.filter(case=case)),
        "notice": row(Notice.objects.filter(case=case)),
        "message": row(Message.objects.filter(case=case)),
        "access": row(AccessRecord.objects.filter(case_id=case.pk)),
        "idempotent": row(IdempotentRequest.objects.order_by("-pk")),
    }
    _TEMPLATES[sample_reference] = found
    return found


def registration_rows_insert(*, sample_reference: str, body: bytes) -> None:
    """The work of the floor: the rows one registration writes (its person with their
    sign-in, contact point and history; the application; the case, its first event, its
    checks' task; the notice and message; the access record; the idempotency record
    and the key's call count), copied from a sample registration with fresh keys and this
    body's person and answers, inserted in one transaction. Nothing is read, checked or
    validated: the difference from a registration is everything the platform does besides
    writing."""
    from django.db import connection, transaction
    from django.utils import timezone

    from commonweal.accounts.models import User
    from commonweal.api.models import ApiCallCount, IdempotentRequest
    from commonweal.cases.models import Case, CaseEvent
    from commonweal.checks.tasks import run_checks
    from commonweal.core.references import new_reference
    from commonweal.intake.models import Application
    from commonweal.messaging.models import Message, Notice
    from commonweal.people.models import ContactPoint, Person, PersonChange
    from commonweal.privacy.models import AccessRecord

    t = _templates(sample_reference)
    data = json.loads(body)
    email = data["person"]["email"]
    answers = data["answers"]
    reference = new_reference("BL")
    now = timezone.now()
    table = connection.ops.quote_name(ApiCallCount._meta.db_table)
    count_call = (
        f"INSERT INTO {table} (api_key_id, minute, calls) VALUES (%s, %s, 1) "  # noqa: S608  # nosec B608
        f"ON CONFLICT (api_key_id, minute) DO UPDATE SET calls = {table}.calls + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            count_call, [t["idempotent"]["api_key_id"], now.replace(second=0, microsecond=0)]
        )
    with transaction.atomic():
        (user,) = User.objects.bulk_create([User(**{**t["user"], "email": email})])
        (person,) = Person.objects.bulk_create(
            [
                Person(
                    **{
                        **t["person"],
                        "public_id": uuid.uuid4(),
                        "account_id": user.pk,
                        "email": email,
                        "given_name": answers["given-name"],
                        "family_name": answers["family-name"],
                    }
                )
            ]
        )
        ContactPoint.objects.bulk_create(
            [ContactPoint(**{**t["contact_point"], "person_id": person.pk, "value": email})]
        )
        PersonChange.objects.bulk_create(
            [PersonChange(**{**t["person_change"], "person_id": person.pk})]
        )
        (application,) = Application.objects.bulk_create(
            [
                Application(
                    **{
                        **t["application"],
                        "id": uuid.uuid4(),
                        "person_id": person.pk,
                        "reference": reference,
                        "answers": answers,
                        "submitted_at": now,
                    }
                )
            ]
        )
        (case,) = Case.objects.bulk_create(
            [
                Case(
                    **{
                        **t["case"],
                        "reference": reference,
                        "application_id": application.pk,
                        "person_id": person.pk,
                        "opened_at": now,
                    }
                )
            ]
        )
        CaseEvent.objects.bulk_create([CaseEvent(**{**t["event"], "case_id": case.pk})])
        run_checks.enqueue(case_id=case.pk)
        (notice,) = Notice.objects.bulk_create(
            [
                Notice(
                    **{
                        **t["notice"],
                        "id": uuid.uuid4(),
                        "person_id": person.pk,
                        "case_id": case.pk,
                    }
                )
            ]
        )
        Message.objects.bulk_create(
            [
                Message(
                    **{
                        **t["message"],
                        "id": uuid.uuid4(),
                        "notice_id": notice.pk,
                        "person_id": person.pk,
                        "case_id": case.pk,
                        "to_address": email,
                    }
                )
            ]
        )
        AccessRecord.objects.bulk_create(
            [
                AccessRecord(
                    **{
                        **t["access"],
                        "person_id": person.pk,
                        "case_id": case.pk,
                        "accessed_at": now,
                    }
                )
            ]
        )
        IdempotentRequest.objects.bulk_create(
            [IdempotentRequest(**{**t["idempotent"], "key": str(uuid.uuid4())})]
        )
