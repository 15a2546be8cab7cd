"""GOV.UK Notify: email, text messages and precompiled letters.

Through Notify's own client, `notifications-python-client`. Our platform renders the text
itself, so the Notify templates are bare: an email template whose subject is `((subject))`
and whose body is `((body))`, and a text message template whose body is `((body))`. Letters
are sent as the PDF we made (a "precompiled letter").

Settings (all optional; with no API key nothing is sent and `send` fails permanently):

- `COMMONWEAL_NOTIFY_API_KEY`: "keyname-<service id>-<secret>", as Notify shows it.
- `COMMONWEAL_NOTIFY_BASE_URL`: the API's address (default Notify's own).
- `COMMONWEAL_NOTIFY_EMAIL_TEMPLATE_ID`, `COMMONWEAL_NOTIFY_SMS_TEMPLATE_ID`.

Notify takes no idempotency key, but every notification carries our `reference` (the
message's id), and notifications can be looked up by it. So a message sent again after a
worker died is first looked for, and only sent when Notify has not got it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from notifications_python_client.errors import APIError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from . import OutgoingMessage, PermanentFailure, Sent, Status, TemporaryFailure

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
TIMEOUT_SECONDS = 30

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_API_KEY = re.compile(rf".+-{_UUID}-{_UUID}")

_PERMANENT_FAILURE = "The address or number does not exist"
_TEMPORARY_FAILURE = "The provider could not deliver it (an inbox full, or a phone switched off)"
_TECHNICAL_FAILURE = "GOV.UK Notify had a technical problem"

# Notify's statuses, for every kind of notification, as ours.
_STATUSES: dict[str, Status] = {
    # Not final yet.
    "created": Status("sending"),
    "sending": Status("sending"),
    "pending": Status("sending"),
    "sent": Status("sending"),  # a text message abroad: no receipt will come
    "pending-virus-check": Status("sending"),  # a precompiled letter being checked
    # Email and text messages.
    "delivered": Status("delivered"),
    "permanent-failure": Status("failed", _PERMANENT_FAILURE),
    "temporary-failure": Status("temporary-failure", _TEMPORARY_FAILURE),
    "technical-failure": Status("temporary-failure", _TECHNICAL_FAILURE),
    # Letters: printed and posted; Notify does not track them further.
    "accepted": Status("delivered"),
    "received": Status("delivered"),
    "validation-failed": Status(
        "failed", "GOV.UK Notify could not print the letter: the PDF does not meet its rules"
    ),
    "virus-scan-failed": Status("failed", "GOV.UK Notify found a virus in the letter's PDF"),
    "cancelled": Status("failed", "The letter was cancelled"),
}


def status_for(notify_status: str) -> Status | None:
    """Our status for one of Notify's; None for a status we do not know."""
    return _STATUSES.get(notify_status)


def status_from_callback(payload: dict) -> tuple[str, Status]:
    """(notification id, status) from the body of a Notify delivery-status callback.

    Raises ValueError when the payload is not one: not an object, no id that is a UUID, or
    no status that Notify uses."""
    if not isinstance(payload, dict):
        raise ValueError("A Notify callback is a JSON object")
    notification_id = payload.get("id")
    if not isinstance(notification_id, str):
        raise ValueError("A Notify callback has the notification's id")
    try:
        notification_id = str(uuid.UUID(notification_id))
    except ValueError:
        raise ValueError("A Notify callback's id is a UUID") from None
    notify_status = payload.get("status")
    if not isinstance(notify_status, str):
        raise ValueError("A Notify callback has a status")
    notification_type = payload.get("notification_type")
    if notification_type is not None and notification_type not in NotifyChannel.kinds:
        raise ValueError(f"Not a kind of notification: {notification_type!r}")
    status = status_for(notify_status)
    if status is None:
        raise ValueError(f"Not a Notify status: {notify_status!r}")
    return notification_id, status


def _error_text(error: APIError) -> str:
    """Notify's error messages, as one line: '400 ValidationError: email_address ...'."""
    message = error.message
    if isinstance(message, list):
        parts = []
        for item in message:
            if isinstance(item, dict):
                name, text = item.get("error", ""), item.get("message", "")
                parts.append(f"{name}: {text}" if name else str(text))
            else:
                parts.append(str(item))
        message = "; ".join(parts)
    return f"GOV.UK Notify answered {error.status_code}: {message}"


class NotifyChannel:
    name = "notify"
    kinds = ("email", "sms", "letter")

    # -- Settings ----------------------------------------------------------------------------

    def _client(self) -> NotificationsAPIClient:
        api_key = getattr(settings, "COMMONWEAL_NOTIFY_API_KEY", "") or ""
        if not api_key:
            raise PermanentFailure("GOV.UK Notify is not configured")
        if not _API_KEY.fullmatch(api_key.strip()):
            raise PermanentFailure("The GOV.UK Notify API key is not in Notify's form")
        base_url = getattr(settings, "COMMONWEAL_NOTIFY_BASE_URL", "") or DEFAULT_BASE_URL
        # A client per call: the client keeps a requests session and is not thread-safe.
        return NotificationsAPIClient(api_key.strip(), base_url=base_url, timeout=TIMEOUT_SECONDS)

    @staticmethod
    def _template_id(kind: str) -> str:
        setting = f"COMMONWEAL_NOTIFY_{kind.upper()}_TEMPLATE_ID"
        template_id = getattr(settings, setting, "") or ""
        if not template_id:
            raise PermanentFailure(f"GOV.UK Notify has no template for {kind}: set {setting}")
        return str(template_id)

    # -- Sending -----------------------------------------------------------------------------

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Sent:
        if message.kind not in self.kinds:
            raise PermanentFailure(f"GOV.UK Notify does not send {message.kind}")
        if message.provider_reference:
            # Notify already has it: never send the same message twice.
            return Sent(provider_reference=message.provider_reference)
        client = self._client()
        try:
            return self._send(client, message, str(idempotency_key))
        finally:
            client.request_session.close()

    def _send(
        self, client: NotificationsAPIClient, message: OutgoingMessage, reference: str
    ) -> Sent:
        post = self._prepare(client, message, reference)  # settings checked before any call
        try:
            existing = self._already_sent(client, message.kind, reference)
            if existing:
                logger.info("Notify already has message %s as %s", reference, existing)
                return Sent(provider_reference=existing)
            response = post()
        except InvalidResponse as error:
            raise TemporaryFailure("GOV.UK Notify's answer was not JSON") from error
        except APIError as error:
            code = error.status_code
            if code == 429 or code >= 500:
                raise TemporaryFailure(_error_text(error)) from error
            raise PermanentFailure(_error_text(error)) from error
        except requests.RequestException as error:  # the client wraps these; in case not
            raise TemporaryFailure(f"GOV.UK Notify could not be reached: {error}") from error
        notification_id = response.get("id") if isinstance(response, dict) else None
        if not notification_id:
            raise TemporaryFailure("GOV.UK Notify's answer had no notification id")
        return Sent(provider_reference=str(notification_id))

    @staticmethod
    def _already_sent(client: NotificationsAPIClient, kind: str, reference: str) -> str:
        """The id of a notification Notify already has with our reference, or "".

        One that failed is passed over: it reached no one, so sending again is safe."""
        found = client.get_all_notifications(template_type=kind, reference=reference)
        for notification in (found or {}).get("notifications", []):
            if notification.get("reference") != reference or not notification.get("id"):
                continue
            status = status_for(str(notification.get("status")))
            if status is not None and status.status in ("failed", "temporary-failure"):
                continue
            return str(notification["id"])
        return ""

    def _prepare(
        self, client: NotificationsAPIClient, message: OutgoingMessage, reference: str
    ) -> Callable[[], Any]:
        """The call that sends `message`, made once its settings and PDF are known."""
        if message.kind == "email":
            template_id = self._template_id("email")
            return lambda: client.send_email_notification(
                email_address=message.to_address,
                template_id=template_id,
                personalisation={"subject": message.subject, "body": message.body},
                reference=reference,
            )
        if message.kind == "sms":
            template_id = self._template_id("sms")
            return lambda: client.send_sms_notification(
                phone_number=message.to_address,
                template_id=template_id,
                personalisation={"body": message.body},
                reference=reference,
            )
        pdf = getattr(message, "letter_pdf", None)
        if not pdf:
            raise PermanentFailure("The letter has no PDF to send")

        def send_letter() -> Any:
            try:
                pdf_file = pdf.open("rb")
            except FileNotFoundError:
                raise PermanentFailure("The letter's PDF is missing from storage") from None
            with pdf_file:
                return client.send_precompiled_letter_notification(
                    reference=reference, pdf_file=pdf_file
                )

        return send_letter

    # -- Status ------------------------------------------------------------------------------

    def check_status(self, message: OutgoingMessage) -> Status | None:
        """Notify's status now; None without a reference, or when Notify cannot be asked
        (not configured, unreachable, an error) or says something we do not know."""
        reference = message.provider_reference
        if not reference:
            return None
        try:
            client = self._client()
        except PermanentFailure as error:
            logger.warning("Cannot ask Notify about %s: %s", reference, error)
            return None
        try:
            notification = client.get_notification_by_id(reference)
        except InvalidResponse:
            logger.warning("Notify's answer about %s was not JSON", reference)
            return None
        except APIError as error:
            logger.warning("Cannot ask Notify about %s: %s", reference, _error_text(error))
            return None
        except requests.RequestException as error:
            logger.warning("Cannot reach Notify about %s: %s", reference, error)
            return None
        finally:
            client.request_session.close()
        notify_status = notification.get("status") if isinstance(notification, dict) else None
        status = status_for(notify_status) if isinstance(notify_status, str) else None
        if status is None:
            logger.warning("Notify status %r for %s is not one we know", notify_status, reference)
        return status
