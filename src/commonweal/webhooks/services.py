"""Webhooks: events sent to the URLs organisations subscribe to, from an outbox.

`event_publish` is called inside the transaction of the change that caused the event and
writes one `WebhookDelivery` per interested subscription, so an event is never lost nor sent
for a change that was rolled back. The worker's dispatcher claims due deliveries every second
(SKIP LOCKED on PostgreSQL) and hands them, a subscription's together, to a task that POSTs
them. A 2xx answer means delivered; any other answer, or no answer, is retried after 30
seconds, 2 minutes, 10 minutes, 1 hour, then every 3 hours until a day after the event, when
the delivery has failed. Deliveries a crashed worker left "sending" are handed back by the
sweeper. A receiver may therefore see a delivery more than once, always with the same id.

What a receiver gets
--------------------

A CloudEvents 1.0 event in structured mode (https://cloudevents.io), as the request body::

    POST <subscription URL>
    Content-Type: application/cloudevents+json
    Webhook-Id: 6f1c...        (the delivery's id = the event's "id"; the same on every retry)
    Webhook-Timestamp: 1718000000   (Unix seconds when this attempt was signed)
    Webhook-Signature: v1=3b9a...   (lower-case hex)

    {"specversion": "1.0", "id": "6f1c...", "source": "/commonweal/council.example",
     "type": "uk.gov.commonweal.case.stage_changed", "subject": "HB-2024-000123",
     "time": "2024-06-10T09:30:00.123Z", "datacontenttype": "application/json", "data": {...}}

The signature scheme resembles Standard Webhooks (https://www.standardwebhooks.com), with a
hex digest::

    signature = hex(HMAC-SHA256(key=secret as UTF-8, msg=f"{id}.{timestamp}.{body}"))

where `body` is the raw request body, byte for byte. To check a request: compute the
signature over the raw body (before parsing it), compare it with the header's `v1=` value in
constant time, refuse a timestamp more than five minutes away from your clock (a replay),
then process the event unless you have already processed that Webhook-Id (a repeat). Answer
2xx quickly once the event is stored; anything else is retried.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from .models import EVENT_TYPES, Subscription, WebhookDelivery, new_secret

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.organisations.selectors import Organisation

logger = logging.getLogger("commonweal.webhooks")

# Waits after each failed attempt: 30 s, 2 min, 10 min, 1 h, then every 3 h, until a day
# after the event; then the delivery has failed.
RETRY_DELAYS = [30, 120, 600, 3600, 10800]
GIVE_UP_AFTER = datetime.timedelta(hours=24)
SENDING_TIMEOUT = datetime.timedelta(minutes=10)
# Deliveries per task. One subscription's are sent together; when its receiver does not
# answer, the rest of the batch for it is rescheduled without waiting for each to time out.
BATCH_SIZE = 50
REQUEST_TIMEOUT = 10.0
TYPE_PREFIX = "uk.gov.commonweal."
CONTENT_TYPE = "application/cloudevents+json"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}


# Subscriptions


class SubscriptionRefused(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def _resolve_checked(url: str) -> tuple[str | None, str | None]:
    """(why events must not go to this URL's host, the address to connect to). Outside
    development, hosts that resolve to private, loopback, link-local or other internal
    addresses are refused, so a subscription cannot be used to reach the platform's own
    network. In development there is nothing to pin (None)."""
    import ipaddress
    import socket

    if settings.COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE:
        return None, None
    host = urlsplit(url).hostname or ""
    try:
        addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, None)]
    except (socket.gaierror, UnicodeError):
        return f"{host} does not resolve", None
    if not addresses:
        return f"{host} does not resolve", None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            return f"{host} is an internal address ({ip})", None
    return None, addresses[0]


def address_refused(url: str) -> str | None:
    """Why events must not go to this URL's host, or None (see `_resolve_checked`)."""
    return _resolve_checked(url)[0]


def _pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL to connect to, extra headers and request extensions, so the connection goes
    to the address that was checked, not to whatever the name resolves to a moment later
    (DNS rebinding). The Host header, TLS server name and certificate check keep the name."""
    if address is None:
        return url, {}, {}
    parts = urlsplit(url)
    assert parts.hostname is not None  # the address was resolved from it  # nosec B101
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    original = parts.hostname + (f":{parts.port}" if parts.port else "")
    return (
        parts._replace(netloc=netloc).geturl(),
        {"Host": original},
        {"sni_hostname": parts.hostname},
    )


def subscription_url_check(*, url: str) -> str:
    """The URL cleaned: https, or http on this machine (for trying things out)."""
    url = (url or "").strip()
    if not url:
        raise SubscriptionRefused("Enter the URL to send events to", "url")
    try:
        URLValidator(schemes=["https", "http"])(url)
        parts = urlsplit(url)
    except (ValidationError, ValueError):
        raise SubscriptionRefused("Enter a URL, like https://example.org/webhooks", "url") from None
    if len(url) > 500:
        raise SubscriptionRefused("The URL must be 500 characters or fewer", "url")
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        raise SubscriptionRefused("The URL must start with https://", "url")
    if parts.username or parts.password:
        raise SubscriptionRefused("The URL must not contain a user name or password", "url")
    refused = address_refused(url)
    if refused:
        raise SubscriptionRefused(f"Events cannot go there: {refused}", "url")
    return url


def subscription_event_types_check(*, event_types: Iterable[str]) -> list[str]:
    """The chosen event types, known ones only, each once, in the usual order."""
    chosen = list(event_types or [])
    if not chosen:
        raise SubscriptionRefused("Choose at least one event", "event_types")
    unknown = [name for name in chosen if name not in EVENT_TYPES]
    if unknown:
        raise SubscriptionRefused(
            f"Unknown event: {', '.join(map(str, unknown))}",
            "event_types",
        )
    return [name for name in EVENT_TYPES if name in chosen]


def subscription_check(*, url: str, event_types: Iterable[str]) -> tuple[str, list[str]]:
    """The URL and event types cleaned, or SubscriptionRefused naming the field at fault."""
    return subscription_url_check(url=url), subscription_event_types_check(event_types=event_types)


def subscription_create(
    *, organisation: Organisation, url: str, event_types: Iterable[str], by: User
) -> Subscription:
    """Subscribe an organisation's URL to some event types, with a new random secret."""
    url, chosen = subscription_check(url=url, event_types=event_types)
    subscription = Subscription.objects.create(
        organisation=organisation, url=url, event_types=chosen, created_by=by
    )
    logger.info("Webhook %s for organisation %s made by %s", url, organisation.pk, by)
    _subscribers.clear()
    return subscription


def subscription_update(
    *, subscription: Subscription, url: str, event_types: Iterable[str], active: bool, by: User
) -> Subscription:
    """Change where events go and which. Deliveries already queued keep their URL's
    subscription: they go to the new URL; switched off, they fail at their next attempt."""
    url, chosen = subscription_check(url=url, event_types=event_types)
    subscription.url = url
    subscription.event_types = chosen
    subscription.active = active
    subscription.save(update_fields=["url", "event_types", "active"])
    _subscribers.clear()
    return subscription


def subscription_secret_rotate(*, subscription: Subscription, by: User) -> Subscription:
    """A new secret; deliveries from now on are signed with it."""
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret"])
    logger.info("Webhook %s secret rotated by %s", subscription.pk, by)
    return subscription


# Publishing


def event_source() -> str:
    """The CloudEvents `source`: this installation."""
    host = urlsplit(settings.COMMONWEAL_BASE_URL).netloc or "localhost"
    return f"/commonweal/{host}"


def _rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Every submission and stage change asks whom to tell; most organisations' answer changes
# rarely, so each process keeps it for a few seconds (changes made here clear it at once).
_SUBSCRIBERS_SECONDS = 5
# (subscription id, the event types it wants) of an organisation's active subscriptions.
_subscribers: dict[int, tuple[float, list[tuple[int, list[str]]]]] = {}


def _subscriptions_of(organisation_id: int) -> list[tuple[int, list[str]]]:
    import time

    now = time.monotonic()
    cached = _subscribers.get(organisation_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    found = list(
        Subscription.objects.filter(organisation_id=organisation_id, active=True).values_list(
            "pk", "event_types"
        )
    )
    _subscribers[organisation_id] = (now + _SUBSCRIBERS_SECONDS, found)
    return found


def subscribers_cache_clear() -> None:
    _subscribers.clear()


def event_publish(
    *, organisation_id: int, event_type: str, subject: str, data: dict[str, Any]
) -> int:
    """Queue an event for every active subscription of the organisation that wants its type;
    returns how many. Call it inside the transaction of the change it reports, so the event
    goes out if and only if the change is committed. Two queries, however many subscribers.

    `subject` is what the event is about (a case reference); `data` must be JSON (dates,
    UUIDs and decimals are turned into strings)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    subscriptions = [
        pk for pk, wanted in _subscriptions_of(organisation_id) if event_type in (wanted or [])
    ]
    if not subscriptions:
        return 0
    now = timezone.now()
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    source, time_text = event_source(), _rfc3339(now)
    deliveries = []
    for subscription_id in subscriptions:
        delivery_id = uuid.uuid4()
        deliveries.append(
            WebhookDelivery(
                id=delivery_id,
                subscription_id=subscription_id,
                event_type=event_type,
                payload={
                    "specversion": "1.0",
                    "id": str(delivery_id),
                    "source": source,
                    "type": f"{TYPE_PREFIX}{event_type}",
                    "subject": str(subject),
                    "time": time_text,
                    "datacontenttype": "application/json",
                    "data": data,
                },
                next_attempt_at=now,
                created_at=now,
            )
        )
    WebhookDelivery.objects.bulk_create(deliveries)
    return len(deliveries)


# Delivering


def signature(*, secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """The Webhook-Signature header's value (see the module's description)."""
    message = f"{delivery_id}.{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_request(
    *, delivery: WebhookDelivery, secret: str, now: float | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt, signed now."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(now if now is not None else time.time())
    delivery_id = str(delivery.pk)
    return body, {
        "Content-Type": CONTENT_TYPE,
        "Webhook-Id": delivery_id,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature(
            secret=secret, delivery_id=delivery_id, timestamp=timestamp, body=body
        ),
    }


def deliveries_dispatch(*, limit: int = 500) -> int:
    """Claim due deliveries and hand them to delivery tasks; returns how many.

    Safe with many workers: on PostgreSQL rows are claimed with SKIP LOCKED, and SQLite
    runs one writer at a time."""
    from .tasks import deliver_webhooks

    now = timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = list(due.values_list("pk", "subscription_id")[:limit])
        if not claimed:
            return 0
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _sub in claimed]).update(
            status=WebhookDelivery.Status.SENDING, sending_started_at=now
        )
        by_subscription: dict[int, list[str]] = {}
        for pk, subscription_id in claimed:
            by_subscription.setdefault(subscription_id, []).append(str(pk))
        batch: list[str] = []
        for ids in by_subscription.values():
            for delivery_id in ids:
                batch.append(delivery_id)
                if len(batch) == BATCH_SIZE:
                    deliver_webhooks.enqueue(batch)
                    batch = []
        if batch:
            deliver_webhooks.enqueue(batch)
    return len(claimed)


def deliveries_deliver(*, delivery_ids: list[str]) -> dict[str, int]:
    """POST a claimed batch, recording each outcome as soon as it is known."""
    deliveries = list(
        WebhookDelivery.objects.filter(pk__in=delivery_ids, status=WebhookDelivery.Status.SENDING)
        .select_related("subscription")
        .order_by("subscription_id", "created_at")
    )
    outcomes: Counter[str] = Counter()
    unreachable: dict[int, str] = {}
    with httpx.Client(
        timeout=REQUEST_TIMEOUT,
        follow_redirects=False,
        headers={"User-Agent": "Commonweal-Webhooks/1"},
    ) as client:
        for delivery in deliveries:
            subscription = delivery.subscription
            if not subscription.active:
                _failed(delivery, None, "the subscription was switched off")
                outcomes["failed"] += 1
                continue
            if subscription.pk in unreachable:
                outcome = _failed_for_now(
                    delivery, None, f"not tried: {unreachable[subscription.pk]}"
                )
                outcomes[outcome] += 1
                continue
            refused, address = _resolve_checked(subscription.url)
            if refused:
                # Checked again when sending: a name can come to point somewhere internal.
                _failed(delivery, None, f"not sent: {refused}")
                outcomes["failed"] += 1
                continue
            body, headers = signed_request(delivery=delivery, secret=subscription.secret)
            url, host_header, extensions = _pinned(subscription.url, address)
            try:
                with client.stream(
                    "POST",
                    url,
                    content=body,
                    headers={**headers, **host_header},
                    extensions=extensions,
                ) as response:
                    status_code = response.status_code
                    answer = b""
                    if not 200 <= status_code < 300:
                        for chunk in response.iter_bytes():
                            answer += chunk
                            if len(answer) >= 500:
                                break
            except (httpx.ConnectError, httpx.TimeoutException) as error:
                message = f"no answer from the receiver: {error!r}"
                unreachable[subscription.pk] = message
                outcomes[_failed_for_now(delivery, None, message)] += 1
                continue
            except httpx.HTTPError as error:
                outcomes[_failed_for_now(delivery, None, f"request failed: {error!r}")] += 1
                continue
            if 200 <= status_code < 300:
                _delivered(delivery, status_code)
                outcomes["delivered"] += 1
            else:
                text = answer[:500].decode("utf-8", "replace").strip()
                message = f"the receiver answered {status_code}" + (f": {text}" if text else "")
                outcomes[_failed_for_now(delivery, status_code, message)] += 1
    return dict(outcomes)


def _delivered(delivery: WebhookDelivery, status_code: int) -> None:
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
        status=WebhookDelivery.Status.DELIVERED,
        attempts=delivery.attempts + 1,
        last_status_code=status_code,
        last_error="",
        delivered_at=now,
    )


def _failed_for_now(delivery: WebhookDelivery, status_code: int | None, error: str) -> str:
    """Try again later, or give up a day after the event."""
    now = timezone.now()
    give_up_at = delivery.created_at + GIVE_UP_AFTER
    if now >= give_up_at:
        _failed(delivery, status_code, f"still failing a day after the event: {error}")
        return "failed"
    attempts = delivery.attempts + 1
    retry_at = min(
        now + datetime.timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]),
        give_up_at,
    )
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
        status=WebhookDelivery.Status.QUEUED,
        attempts=attempts,
        last_status_code=status_code,
        last_error=error[:2000],
        next_attempt_at=retry_at,
    )
    logger.warning("Webhook delivery %s will be retried at %s: %s", delivery.pk, retry_at, error)
    return "retry"


def _failed(delivery: WebhookDelivery, status_code: int | None, error: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
        status=WebhookDelivery.Status.FAILED,
        attempts=delivery.attempts + 1,
        last_status_code=status_code,
        last_error=error[:2000],
        failed_at=timezone.now(),
    )
    logger.warning("Webhook delivery %s failed: %s", delivery.pk, error)


def deliveries_sweep() -> int:
    """Hand back deliveries a crashed worker left "sending"; returns how many. Sending them
    again is safe: the receiver gets the same Webhook-Id and drops a repeat."""
    now = timezone.now()
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, sending_started_at__lt=now - SENDING_TIMEOUT
    ).update(status=WebhookDelivery.Status.QUEUED, next_attempt_at=now)


def deliveries_retry(*, delivery_ids: Iterable[uuid.UUID | str], by: User) -> int:
    """Send failed deliveries once more, now (an administrator fixed their receiver)."""
    count = WebhookDelivery.objects.filter(
        pk__in=list(delivery_ids), status=WebhookDelivery.Status.FAILED
    ).update(status=WebhookDelivery.Status.QUEUED, next_attempt_at=timezone.now(), failed_at=None)
    logger.info("%s webhook deliveries sent again by %s", count, by)
    return count
