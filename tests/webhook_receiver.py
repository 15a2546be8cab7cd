"""A webhook receiver for the tests: a real HTTP server on loopback that does what we tell
subscribers to do (see commonweal.webhooks.services).

It checks the signature over the raw body with the subscription's secret, refuses a
timestamp more than five minutes away, and records each event once by its Webhook-Id,
answering 200 to a repeat without recording it again. It can be stopped (the port is closed:
connections are refused) and started again on the same port.

Knobs for tests: `fail_next(count, status)` answers with an error; `drop_next(count)` stores
the event, then closes the connection without answering (the sender must retry, and the
repeat is dropped here).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOLERANCE_SECONDS = 300


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A sender that closes a kept-alive connection is not an error worth printing.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class WebhookReceiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.events: dict[str, dict] = {}  # Webhook-Id -> the CloudEvent, in arrival order
        self.seen: dict[str, int] = {}  # Webhook-Id -> how many valid requests carried it
        self.refused: list[tuple[int, str]] = []  # (status, why) of requests refused
        self.requests = 0
        self.port = 0
        self._failures: list[int] = []
        self._drops = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- Running -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.port, "never started"
        return f"http://127.0.0.1:{self.port}/hooks"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> WebhookReceiver:
        """Listen (again) on the same port as before, or a free one the first time."""
        receiver = self

        class Handler(_Handler):
            """A handler class of this receiver's own (so restarts keep the same state)."""

        Handler.receiver = receiver
        self._server = _Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="webhook-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Down: the socket is closed, so connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- Knobs -------------------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def drop_next(self, count: int = 1) -> None:
        with self._lock:
            self._drops += count

    # -- Receiving ---------------------------------------------------------------------------

    def verify(self, headers, body: bytes) -> str:
        """The Webhook-Id of a correctly signed, fresh request; ValueError otherwise."""
        delivery_id = headers.get("Webhook-Id") or ""
        timestamp = headers.get("Webhook-Timestamp") or ""
        given = headers.get("Webhook-Signature") or ""
        if not (delivery_id and timestamp.isdigit() and given.startswith("v1=")):
            raise ValueError("missing or malformed Webhook headers")
        if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
            raise ValueError("timestamp too old or in the future")
        expected = hmac.new(
            self.secret.encode(), f"{delivery_id}.{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        if not any(
            hmac.compare_digest(expected, part[3:])
            for part in given.split()
            if part.startswith("v1=")
        ):
            raise ValueError("bad signature")
        if headers.get("Content-Type", "").split(";")[0] != "application/cloudevents+json":
            raise ValueError("not a structured CloudEvent")
        return delivery_id

    def receive(self, headers, body: bytes) -> tuple[int, bool]:
        """(status to answer, whether to drop the connection instead)."""
        with self._lock:
            self.requests += 1
            try:
                delivery_id = self.verify(headers, body)
                event = json.loads(body)
                if event.get("id") != delivery_id:
                    raise ValueError("Webhook-Id is not the event's id")
            except ValueError as error:
                status = 401 if "signature" in str(error) or "timestamp" in str(error) else 400
                self.refused.append((status, str(error)))
                return status, False
            if self._failures:
                return self._failures.pop(0), False
            self.seen[delivery_id] = self.seen.get(delivery_id, 0) + 1
            self.events.setdefault(delivery_id, event)  # a repeat is not recorded again
            if self._drops:
                self._drops -= 1
                return 0, True
            return 200, False


class _Handler(BaseHTTPRequestHandler):
    receiver: WebhookReceiver
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, drop = self.receiver.receive(self.headers, body)
        if drop:
            self.close_connection = True
            self.connection.close()
            return
        answer = json.dumps({"ok": 200 <= status < 300}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        """Quiet: the tests read what the receiver recorded, not its log."""


@pytest.fixture
def webhook_receiver():
    """A running receiver; set its `secret` to the subscription's before delivering."""
    receiver = WebhookReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()
