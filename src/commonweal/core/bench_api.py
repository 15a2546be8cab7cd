"""`commonweal bench api`: applications registered per second through the REST API, against
a floor measured in the same run, on the same gunicorn server, on PostgreSQL.

A registration is `POST /api/v1/applications/` with a whole Budgeting Loan (each for a
different person, by email address), a unique Idempotency-Key and a bearer key holding
`applications:register`: the key looked up and its call counted against its rate limit, the
body parsed and checked against the schema, the idempotency record, every answer checked by
the same rules as the online questions, then the person's record, the application, the case
with its due date, its first event and the notice in the outbox, in one transaction.

The floor is the same request path minus that work. The only endpoint that inserts a row
and nothing else is `/bench/bare-insert/` (the intake bench's floor), so the floor POSTs
there, to the same server through the same middleware, the same JSON text as the
registration's body (as one form field, so the row written holds the same bytes), as a
signed-in person with a CSRF token. Authenticating that request costs about what the API's
does: a session and a user read, then the session saved (idle time-out) against a key read
and the rate-limit count and insert. What the floor leaves out is exactly the work above:
schema validation, idempotency, checking the answers, and writing the case and what goes
with it. Sending the JSON as `application/json` to that endpoint would be cheaper and
unfair the other way: Django would not parse it and the row would hold nothing.

Each concurrent client has its own key (an integration), so no one key's rate-limit window
holds every call; the limit itself is raised for the served process, as a fast run would
otherwise be refused (429) after 600 calls a minute. The floor, like the intake bench's,
signs in a different person for each request.
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

from commonweal.core import bench

DEMO_DIR = Path(__file__).resolve().parents[1] / "catalogue" / "demo"
RATE_FOR_THE_BENCH = 10_000_000

Request = Callable[[httpx.Client], bool]


@dataclass
class Plan:
    warmup: list[Request]
    registrations: list[Request]
    floor: list[Request]


def application(email: str) -> dict:
    from commonweal.core.management.commands.bench import BUDGETING_LOAN_ANSWERS

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
    from commonweal.organisations import services as organisations

    catalogue_services.service_import(
        yaml_text=(DEMO_DIR / "budgeting-loan.yaml").read_text(encoding="utf-8")
    )
    council = organisations.organisations_demo_ensure()["financial-support"].organisation
    tokens = [
        api_services.api_key_create(
            organisation=council, name=f"Bench client {i}", scopes=["applications:register"]
        )[1]
        for i in range(clients)
    ]
    run = secrets.token_hex(3)
    bodies = [
        json.dumps(application(f"bench-{run}-{i}@example.com")).encode()
        for i in range(2 * (registrations + warmup))
    ]
    register_bodies = bodies[: registrations + warmup]
    floor_bodies = bodies[registrations + warmup :]
    sessions = _signed_in_sessions(len(floor_bodies))

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

    registering = [register(i, body) for i, body in enumerate(register_bodies)]
    floor = [bare(s, body) for s, body in zip(sessions, floor_bodies, strict=True)]
    # The warm-up touches both paths, so neither pays for a cold worker in the figures.
    return Plan(
        warmup=floor[:warmup] + registering[:warmup],
        registrations=registering[warmup:],
        floor=floor[warmup:],
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
