"""A local stand-in for GOV.UK Notify's API (v2), for testing our Notify channel.

GOV.UK Notify cannot be reached from tests, so this is a real HTTP server on loopback that
speaks the parts of the documented API our client uses
(https://docs.notifications.service.gov.uk/rest-api.html):

- POST /v2/notifications/email, /v2/notifications/sms
- POST /v2/notifications/letter (precompiled letters only: "reference" and base64 "content")
- GET /v2/notifications/<id>
- GET /v2/notifications?template_type=&status=&reference=

It checks the bearer token as Notify does (a JWT signed with HS256 with the API key's
secret, `iss` the service id, `iat` within 30 seconds), checks addresses and numbers as
Notify does (only UK mobile numbers: the service is not allowed to text abroad), and
answers with Notify's response and error bodies. What it received is kept in memory.

Knobs for tests: `fail_next(count, status)` (500, 429, ...), `set_status(id, status)`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

TOKEN_BOUND_SECONDS = 30
FROM_EMAIL = "commonweal.test@notifications.service.gov.uk"
FROM_NUMBER = "GOVUK"

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_UK_MOBILE = re.compile(r"(?:\+44|0044|0)7\d{9}")
_NOTIFICATION_PATH = re.compile(r"/v2/notifications/([^/]+)")
_FINAL = {
    "delivered",
    "permanent-failure",
    "temporary-failure",
    "technical-failure",
    "received",
    "accepted",
    "validation-failed",
    "virus-scan-failed",
    "cancelled",
}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NotifyError(Exception):
    """An error answer, in Notify's shape."""

    def __init__(self, status_code: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = {"status_code": status_code, "errors": [{"error": error, "message": message}]}


@dataclass
class Notification:
    id: str
    type: str  # email, sms, letter
    reference: str | None
    status: str
    template_id: str | None = None
    email_address: str | None = None
    phone_number: str | None = None
    personalisation: dict = field(default_factory=dict)
    pdf: bytes | None = None
    created_at: str = field(default_factory=_now)
    sent_at: str | None = None
    completed_at: str | None = None


class FakeNotify:
    """The server's state and knobs; `url` and `api_key` once started."""

    def __init__(self) -> None:
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.api_key = f"commonweal_test-{self.service_id}-{self.secret}"
        self.email_template_id = str(uuid.uuid4())
        self.sms_template_id = str(uuid.uuid4())
        self.notifications: dict[str, Notification] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self._failures: list[tuple[int, str | None]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- Running -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeNotify:
        fake = self

        class Handler(_Handler):
            notify = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so that stopping is quick
            name="fake-notify",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- Knobs and records -------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500, *, method: str | None = None) -> None:
        """The next `count` requests (of `method`, if given) that pass authentication fail
        with `status` and Notify's error body for it."""
        with self._lock:
            self._failures.extend([(status, method)] * count)

    def set_status(self, notification_id: str, status: str) -> None:
        with self._lock:
            notification = self.notifications[notification_id]
            notification.status = status
            notification.sent_at = notification.sent_at or _now()
            if status in _FINAL:
                notification.completed_at = _now()

    def sent(self, *, reference: str | None = None, type: str | None = None) -> list[Notification]:
        with self._lock:
            return [
                n
                for n in self.notifications.values()
                if (reference is None or n.reference == reference)
                and (type is None or n.type == type)
            ]

    # -- The API -----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> tuple[int, dict]:
        parts = urlsplit(target)
        with self._lock:
            self.requests.append((method, parts.path))
        try:
            self._authenticate(headers.get("Authorization"))
            self._maybe_fail(method)
            if method == "POST":
                payload = self._json(body)
                if parts.path == "/v2/notifications/email":
                    return 201, self._send_email(payload)
                if parts.path == "/v2/notifications/sms":
                    return 201, self._send_sms(payload)
                if parts.path == "/v2/notifications/letter":
                    return 201, self._send_letter(payload)
            elif method == "GET":
                if parts.path == "/v2/notifications":
                    return 200, self._list(parse_qs(parts.query))
                match = _NOTIFICATION_PATH.fullmatch(parts.path)
                if match:
                    return 200, self._get(match.group(1))
            return 404, {
                "result": "error",
                "message": "The requested URL was not found on the server.",
            }
        except NotifyError as error:
            return error.status_code, error.body

    def _authenticate(self, header: str | None) -> None:
        if not header:
            raise NotifyError(
                401, "AuthError", "Unauthorized: authentication token must be provided"
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotifyError(
                401, "AuthError", "Unauthorized: authentication bearer scheme must be used"
            )
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.InvalidTokenError:
            raise NotifyError(403, "AuthError", "Invalid token: signature") from None
        if algorithm != "HS256":
            raise NotifyError(403, "AuthError", "Invalid token: algorithm used is not HS256")
        issuer = unverified.get("iss")
        if not issuer:
            raise NotifyError(403, "AuthError", "Invalid token: iss field not provided")
        if issuer != self.service_id:
            raise NotifyError(403, "AuthError", "Invalid token: service not found")
        try:
            claims = jwt.decode(
                token,
                key=self.secret,
                algorithms=["HS256"],
                options={"verify_iat": False, "require": ["iss", "iat"]},
            )
        except jwt.MissingRequiredClaimError:
            raise NotifyError(403, "AuthError", "Invalid token: iat field not provided") from None
        except jwt.InvalidTokenError:
            raise NotifyError(403, "AuthError", "Invalid token: API key not found") from None
        try:
            issued_at = int(claims["iat"])
        except (TypeError, ValueError):
            raise NotifyError(403, "AuthError", "Invalid token: iat field not provided") from None
        if abs(time.time() - issued_at) > TOKEN_BOUND_SECONDS:
            raise NotifyError(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )

    def _maybe_fail(self, method: str) -> None:
        with self._lock:
            for index, (_, only) in enumerate(self._failures):
                if only is None or only == method:
                    status, _ = self._failures.pop(index)
                    break
            else:
                return
        if status == 429:
            raise NotifyError(
                429,
                "RateLimitError",
                "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
            )
        if status >= 500:
            raise NotifyError(status, "Exception", "Internal server error")
        raise NotifyError(status, "BadRequestError", "Failed as the test asked")

    @staticmethod
    def _json(body: bytes) -> dict:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise NotifyError(
                400, "BadRequestError", "Invalid JSON supplied in POST data"
            ) from None
        if not isinstance(payload, dict):
            raise NotifyError(400, "BadRequestError", "Invalid JSON supplied in POST data")
        return payload

    @staticmethod
    def _required(payload: dict, *names: str) -> None:
        for name in names:
            if name not in payload:
                raise NotifyError(400, "ValidationError", f"{name} is a required property")

    def _template(self, payload: dict, expected_id: str, needs: tuple[str, ...]) -> dict:
        template_id = payload["template_id"]
        try:
            uuid.UUID(str(template_id))
        except ValueError:
            raise NotifyError(400, "ValidationError", "template_id is not a valid UUID") from None
        if template_id != expected_id:
            raise NotifyError(400, "BadRequestError", "Template not found")
        personalisation = payload.get("personalisation") or {}
        if not isinstance(personalisation, dict):
            raise NotifyError(400, "ValidationError", "personalisation is not of type object")
        missing = [name for name in needs if name not in personalisation]
        if missing:
            raise NotifyError(
                400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}"
            )
        return personalisation

    def _reference(self, payload: dict) -> str | None:
        reference = payload.get("reference")
        if reference is not None and not isinstance(reference, str):
            raise NotifyError(400, "ValidationError", "reference is not of type string")
        return reference

    def _template_block(self, template_id: str) -> dict:
        return {
            "id": template_id,
            "version": 1,
            "uri": f"{self.url}/v2/template/{template_id}",
        }

    def _add(self, notification: Notification) -> None:
        with self._lock:
            self.notifications[notification.id] = notification

    def _send_email(self, payload: dict) -> dict:
        self._required(payload, "email_address", "template_id")
        address = payload["email_address"]
        if not isinstance(address, str) or not _EMAIL.fullmatch(address.strip()):
            raise NotifyError(400, "ValidationError", "email_address Not a valid email address")
        personalisation = self._template(payload, self.email_template_id, ("subject", "body"))
        notification = Notification(
            id=str(uuid.uuid4()),
            type="email",
            reference=self._reference(payload),
            status="created",
            template_id=payload["template_id"],
            email_address=address.strip(),
            personalisation=personalisation,
        )
        self._add(notification)
        return {
            "id": notification.id,
            "reference": notification.reference,
            "content": {
                "subject": str(personalisation["subject"]),
                "body": str(personalisation["body"]),
                "from_email": FROM_EMAIL,
                "one_click_unsubscribe_url": None,
            },
            "uri": f"{self.url}/v2/notifications/{notification.id}",
            "template": self._template_block(notification.template_id),
        }

    def _send_sms(self, payload: dict) -> dict:
        self._required(payload, "phone_number", "template_id")
        number = payload["phone_number"]
        normalised = re.sub(r"[\s()\-]", "", number) if isinstance(number, str) else ""
        if not _UK_MOBILE.fullmatch(normalised):
            raise NotifyError(400, "ValidationError", "phone_number Not a UK mobile number")
        personalisation = self._template(payload, self.sms_template_id, ("body",))
        notification = Notification(
            id=str(uuid.uuid4()),
            type="sms",
            reference=self._reference(payload),
            status="created",
            template_id=payload["template_id"],
            phone_number=number,
            personalisation=personalisation,
        )
        self._add(notification)
        return {
            "id": notification.id,
            "reference": notification.reference,
            "content": {"body": str(personalisation["body"]), "from_number": FROM_NUMBER},
            "uri": f"{self.url}/v2/notifications/{notification.id}",
            "template": self._template_block(notification.template_id),
        }

    def _send_letter(self, payload: dict) -> dict:
        if "content" not in payload:
            raise NotifyError(
                400, "BadRequestError", "This stand-in for Notify only takes precompiled letters"
            )
        self._required(payload, "reference", "content")
        reference = self._reference(payload)
        try:
            pdf = base64.b64decode(payload["content"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise NotifyError(
                400, "ValidationError", "content is not a base64 encoded string"
            ) from None
        if not pdf.startswith(b"%PDF-"):
            raise NotifyError(400, "ValidationError", "Letter content is not a valid PDF")
        postage = payload.get("postage", "second")
        if postage not in ("first", "second", "economy"):
            raise NotifyError(
                400, "ValidationError", "postage invalid. It must be first, second or economy."
            )
        notification = Notification(
            id=str(uuid.uuid4()),
            type="letter",
            reference=reference,
            status="pending-virus-check",
            pdf=pdf,
        )
        self._add(notification)
        return {"id": notification.id, "reference": reference, "postage": postage}

    def _body(self, notification: Notification) -> dict:
        personalisation = notification.personalisation
        template_id = notification.template_id or str(uuid.UUID(int=0))
        return {
            "id": notification.id,
            "reference": notification.reference,
            "email_address": notification.email_address,
            "phone_number": notification.phone_number,
            **{f"line_{n}": None for n in range(1, 8)},
            "postcode": None,
            "postage": "second" if notification.type == "letter" else None,
            "type": notification.type,
            "status": notification.status,
            "template": {**self._template_block(template_id)},
            "body": str(personalisation.get("body", "")),
            "subject": personalisation.get("subject"),
            "created_at": notification.created_at,
            "created_by_name": None,
            "sent_at": notification.sent_at,
            "completed_at": notification.completed_at,
            "scheduled_for": None,
        }

    def _get(self, notification_id: str) -> dict:
        try:
            uuid.UUID(notification_id)
        except ValueError:
            raise NotifyError(
                400, "ValidationError", "notification_id is not a valid UUID"
            ) from None
        with self._lock:
            notification = self.notifications.get(notification_id)
        if notification is None:
            raise NotifyError(404, "NoResultFound", "No result found")
        return self._body(notification)

    def _list(self, query: dict[str, list[str]]) -> dict:
        template_type = (query.get("template_type") or [None])[0]
        if template_type is not None and template_type not in ("sms", "email", "letter"):
            raise NotifyError(
                400,
                "ValidationError",
                f"template_type {template_type} is not one of [sms, email, letter]",
            )
        statuses = query.get("status") or []
        reference = (query.get("reference") or [None])[0]
        with self._lock:
            found = [
                n
                for n in reversed(self.notifications.values())  # newest first, as Notify
                if (template_type is None or n.type == template_type)
                and (not statuses or n.status in statuses)
                and (reference is None or n.reference == reference)
            ]
        return {
            "notifications": [self._body(n) for n in found],
            "links": {"current": f"{self.url}/v2/notifications"},
        }


class _Handler(BaseHTTPRequestHandler):
    notify: FakeNotify
    server_version = "FakeNotify/1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.notify.handle(self.command, self.path, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests say what matters; a line per request would only be noise."""


@pytest.fixture
def notify_server(settings):
    """A fake GOV.UK Notify, with the Django settings pointing at it."""
    server = FakeNotify().start()
    settings.COMMONWEAL_NOTIFY_BASE_URL = server.url
    settings.COMMONWEAL_NOTIFY_API_KEY = server.api_key
    settings.COMMONWEAL_NOTIFY_EMAIL_TEMPLATE_ID = server.email_template_id
    settings.COMMONWEAL_NOTIFY_SMS_TEMPLATE_ID = server.sms_template_id
    try:
        yield server
    finally:
        server.stop()
