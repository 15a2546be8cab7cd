"""The GOV.UK Notify channel, through Notify's own Python client.

GOV.UK Notify cannot be reached from tests: these run against `tests.notify_server`, a
local HTTP server that speaks the documented Notify API (and checks the client's tokens as
Notify does)."""

from __future__ import annotations

import io
import socket
import time
import uuid
from dataclasses import dataclass

import jwt
import pytest
import requests

from commonweal.messaging.channels import PermanentFailure, Sent, Status, TemporaryFailure
from commonweal.messaging.channels.notify import NotifyChannel, status_from_callback
from tests import notify_server as fake_notify

notify_server = fake_notify.notify_server  # the fixture


class PdfFile:
    """Stands in for the message's `letter_pdf` FieldFile."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.name = "letter.pdf"

    def __bool__(self) -> bool:
        return True

    def open(self, mode: str = "rb") -> io.BytesIO:
        assert mode == "rb"
        return io.BytesIO(self.data)


@dataclass
class FakeMessage:
    """The attributes of `OutgoingMessage`, plus `letter_pdf`."""

    kind: str
    to_address: str = ""
    subject: str = ""
    body: str = ""
    language: str = "en"
    provider_reference: str = ""
    letter_pdf: PdfFile | None = None
    id: uuid.UUID = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.id = self.id or uuid.uuid4()


def email(**kwargs) -> FakeMessage:
    defaults = {
        "to_address": "sam.evans@example.com",
        "subject": "Your application has been received",
        "body": "We have your application for a blue badge.",
    }
    return FakeMessage(kind="email", **{**defaults, **kwargs})


def sms(**kwargs) -> FakeMessage:
    defaults = {"to_address": "+447700900123", "body": "We have your application."}
    return FakeMessage(kind="sms", **{**defaults, **kwargs})


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    weasyprint = pytest.importorskip("weasyprint")
    return weasyprint.HTML(string="<p>Hello</p>").write_pdf()


def send(message: FakeMessage) -> Sent:
    return NotifyChannel().send(message, idempotency_key=str(message.id))


def test_channel_names_its_kinds():
    assert NotifyChannel.name == "notify"
    assert NotifyChannel.kinds == ("email", "sms", "letter")


def test_email_is_sent_with_our_reference(notify_server):
    message = email()

    sent = send(message)

    assert sent == Sent(provider_reference=sent.provider_reference, delivered=False)
    [received] = notify_server.sent()
    assert received.id == sent.provider_reference
    assert received.type == "email"
    assert received.reference == str(message.id)
    assert received.email_address == "sam.evans@example.com"
    assert received.template_id == notify_server.email_template_id
    assert received.personalisation == {
        "subject": "Your application has been received",
        "body": "We have your application for a blue badge.",
    }


def test_text_message_is_sent_with_our_reference(notify_server):
    message = sms(body="Neges: mae gennym eich cais.")

    sent = send(message)

    [received] = notify_server.sent()
    assert received.id == sent.provider_reference
    assert received.type == "sms"
    assert received.reference == str(message.id)
    assert received.phone_number == "+447700900123"
    assert received.template_id == notify_server.sms_template_id
    assert received.personalisation == {"body": "Neges: mae gennym eich cais."}


def test_precompiled_letter_is_sent_with_our_reference(notify_server, letter_pdf):
    assert letter_pdf.startswith(b"%PDF-")
    message = FakeMessage(kind="letter", to_address="1 High Street\nCardiff\nCF10 1AA")
    message.letter_pdf = PdfFile(letter_pdf)

    sent = send(message)

    [received] = notify_server.sent()
    assert received.id == sent.provider_reference
    assert received.type == "letter"
    assert received.reference == str(message.id)
    assert received.pdf == letter_pdf
    pypdf = pytest.importorskip("pypdf")
    [page] = pypdf.PdfReader(io.BytesIO(received.pdf)).pages
    assert "Hello" in page.extract_text()


def test_letter_without_pdf_fails_permanently_without_a_call(notify_server):
    with pytest.raises(PermanentFailure, match="no PDF"):
        send(FakeMessage(kind="letter", to_address="1 High Street"))
    assert notify_server.requests == []


def test_a_token_signed_with_the_wrong_secret_is_refused(notify_server, settings):
    settings.COMMONWEAL_NOTIFY_API_KEY = (
        f"commonweal_test-{notify_server.service_id}-{uuid.uuid4()}"
    )

    with pytest.raises(PermanentFailure, match=r"403.*AuthError.*API key not found"):
        send(email())
    assert notify_server.sent() == []
    assert len(notify_server.requests) == 1


def test_a_token_for_another_service_is_refused(notify_server, settings):
    settings.COMMONWEAL_NOTIFY_API_KEY = f"commonweal_test-{uuid.uuid4()}-{notify_server.secret}"

    with pytest.raises(PermanentFailure, match=r"403.*service not found"):
        send(email())
    assert notify_server.sent() == []


def test_an_invalid_email_address_fails_permanently(notify_server):
    with pytest.raises(
        PermanentFailure, match=r"400.*ValidationError: email_address Not a valid email address"
    ):
        send(email(to_address="sam.evans-at-example"))
    assert notify_server.sent() == []


def test_a_number_that_is_not_a_uk_mobile_fails_permanently(notify_server):
    with pytest.raises(PermanentFailure, match="phone_number Not a UK mobile number"):
        send(sms(to_address="+442920123456"))
    assert notify_server.sent() == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_server_error_is_temporary(notify_server, method):
    """Whether the look-up for an earlier send fails, or the send itself."""
    notify_server.fail_next(1, 500, method=method)

    with pytest.raises(TemporaryFailure, match=r"500.*Internal server error"):
        send(email())
    assert notify_server.sent() == []


def test_rate_limiting_is_temporary_and_a_retry_goes_through(notify_server):
    message = email()
    notify_server.fail_next(1, 429, method="POST")

    with pytest.raises(TemporaryFailure, match=r"429.*RateLimitError"):
        send(message)
    assert notify_server.sent() == []

    sent = send(message)
    [received] = notify_server.sent()
    assert received.id == sent.provider_reference


def test_notify_out_of_reach_is_temporary(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.COMMONWEAL_NOTIFY_BASE_URL = f"http://127.0.0.1:{port}"
    settings.COMMONWEAL_NOTIFY_API_KEY = f"test-{uuid.uuid4()}-{uuid.uuid4()}"
    settings.COMMONWEAL_NOTIFY_EMAIL_TEMPLATE_ID = str(uuid.uuid4())

    with pytest.raises(TemporaryFailure):
        send(email())


def test_a_retry_after_a_crash_sends_nothing_new(notify_server):
    message = email()
    first = send(message)
    # The worker died before it saved the reference: the message is handed out again.
    assert message.provider_reference == ""

    again = send(message)

    assert again.provider_reference == first.provider_reference
    assert len(notify_server.sent()) == 1
    assert [m for m, _ in notify_server.requests].count("POST") == 1


def test_a_retry_after_a_crash_finds_a_letter_too(notify_server, letter_pdf):
    message = FakeMessage(kind="letter", letter_pdf=PdfFile(letter_pdf))
    first = send(message)

    again = send(message)

    assert again.provider_reference == first.provider_reference
    assert len(notify_server.sent(type="letter")) == 1


def test_a_retry_after_notify_failed_to_deliver_sends_again(notify_server):
    message = email()
    first = send(message)
    notify_server.set_status(first.provider_reference, "temporary-failure")

    again = send(message)

    assert again.provider_reference != first.provider_reference
    assert [n.reference for n in notify_server.sent()] == [str(message.id)] * 2


def test_another_message_is_not_taken_for_a_retry(notify_server):
    first, second = send(email()), send(email())

    assert first.provider_reference != second.provider_reference
    assert len(notify_server.sent()) == 2


def test_a_known_provider_reference_is_not_sent_again(notify_server):
    message = email(provider_reference="740e5834-3a29-46b4-9a6f-16142fde533a")

    sent = send(message)

    assert sent.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert notify_server.requests == []


def test_without_an_api_key_nothing_is_sent(notify_server, settings):
    settings.COMMONWEAL_NOTIFY_API_KEY = ""

    with pytest.raises(PermanentFailure, match=r"GOV\.UK Notify is not configured"):
        send(email())
    with pytest.raises(PermanentFailure, match=r"GOV\.UK Notify is not configured"):
        send(sms())
    assert notify_server.requests == []


def test_without_the_setting_at_all_nothing_is_sent(notify_server, settings):
    del settings.COMMONWEAL_NOTIFY_API_KEY

    with pytest.raises(PermanentFailure, match=r"GOV\.UK Notify is not configured"):
        send(email())
    assert notify_server.requests == []


def test_without_a_template_nothing_is_sent(notify_server, settings):
    settings.COMMONWEAL_NOTIFY_SMS_TEMPLATE_ID = ""

    with pytest.raises(PermanentFailure, match="COMMONWEAL_NOTIFY_SMS_TEMPLATE_ID"):
        send(sms())
    assert notify_server.requests == []


@pytest.mark.parametrize(
    ("notify_status", "expected"),
    [
        ("created", Status("sending")),
        ("sending", Status("sending")),
        ("delivered", Status("delivered")),
        ("permanent-failure", Status("failed", "The address or number does not exist")),
        ("temporary-failure", "temporary-failure"),
        ("technical-failure", "temporary-failure"),
    ],
)
def test_check_status_maps_notify_statuses(notify_server, notify_status, expected):
    message = email()
    message.provider_reference = send(message).provider_reference
    notify_server.set_status(message.provider_reference, notify_status)

    status = NotifyChannel().check_status(message)

    if isinstance(expected, str):
        assert status.status == expected
        assert status.reason
    else:
        assert status == expected


@pytest.mark.parametrize(
    ("notify_status", "expected"),
    [
        ("pending-virus-check", "sending"),
        ("received", "delivered"),
        ("accepted", "delivered"),
        ("validation-failed", "failed"),
        ("cancelled", "failed"),
    ],
)
def test_check_status_maps_letter_statuses(notify_server, letter_pdf, notify_status, expected):
    message = FakeMessage(kind="letter", letter_pdf=PdfFile(letter_pdf))
    message.provider_reference = send(message).provider_reference
    notify_server.set_status(message.provider_reference, notify_status)

    assert NotifyChannel().check_status(message).status == expected


def test_check_status_without_a_reference_asks_nothing(notify_server):
    assert NotifyChannel().check_status(email()) is None
    assert notify_server.requests == []


def test_check_status_of_an_unknown_notification_is_none(notify_server):
    message = email(provider_reference=str(uuid.uuid4()))

    assert NotifyChannel().check_status(message) is None
    assert notify_server.requests == [("GET", f"/v2/notifications/{message.provider_reference}")]


def test_check_status_when_notify_fails_is_none(notify_server):
    message = email()
    message.provider_reference = send(message).provider_reference
    notify_server.fail_next(1, 500)

    assert NotifyChannel().check_status(message) is None


def callback(**changes) -> dict:
    """A delivery-status callback body, as Notify documents it."""
    payload = {
        "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
        "reference": "6f9f1e4c-9a3e-4d0e-8d5b-0a3f9c7e2b11",
        "to": "sam.evans@example.com",
        "status": "delivered",
        "created_at": "2025-06-01T12:00:00.000000Z",
        "completed_at": "2025-06-01T12:00:05.000000Z",
        "sent_at": "2025-06-01T12:00:01.000000Z",
        "notification_type": "email",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
        "template_version": 1,
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


@pytest.mark.parametrize(
    ("notify_status", "expected"),
    [
        ("delivered", Status("delivered")),
        ("permanent-failure", Status("failed", "The address or number does not exist")),
        ("sending", Status("sending")),
    ],
)
def test_status_from_callback(notify_status, expected):
    notification_id, status = status_from_callback(callback(status=notify_status))

    assert notification_id == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert status == expected


def test_status_from_callback_temporary_failure():
    _, status = status_from_callback(callback(status="temporary-failure", notification_type="sms"))
    assert status.status == "temporary-failure"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "delivered",
        {},
        callback(id=None),
        callback(id="not-a-uuid"),
        callback(id=12),
        callback(status=None),
        callback(status="lost-in-the-post"),
        callback(status=3),
        callback(notification_type="fax"),
    ],
)
def test_status_from_callback_rejects_malformed_payloads(payload):
    with pytest.raises(ValueError):
        status_from_callback(payload)


def test_the_fake_server_checks_tokens_as_notify_does(notify_server):
    """The stand-in refuses what Notify refuses, so the tests above mean something."""
    url = f"{notify_server.url}/v2/notifications"

    def get(token: str | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(url, headers=headers, timeout=5)

    def token(**claims) -> str:
        claims = {"iss": notify_server.service_id, "iat": int(time.time()), **claims}
        return jwt.encode(claims, notify_server.secret, algorithm="HS256")

    assert get(token()).status_code == 200
    refused = get(None)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["error"] == "AuthError"
    stale = get(token(iat=int(time.time()) - 60))
    assert stale.status_code == 403
    assert stale.json() == {
        "status_code": 403,
        "errors": [
            {
                "error": "AuthError",
                "message": "Error: Your system clock must be accurate to within 30 seconds",
            }
        ],
    }
    assert (
        get(jwt.encode({"iss": notify_server.service_id}, notify_server.secret)).status_code == 403
    )
    assert get(token(iss=str(uuid.uuid4()))).status_code == 403
