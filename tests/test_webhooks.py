"""Webhooks: events written to an outbox in the caller's transaction, signed, sent as
CloudEvents by the worker's dispatcher and tasks, retried with back-off, and seen exactly
once (by Webhook-Id) by a real receiver on loopback, even after it was down for a while."""

import datetime
import decimal
import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from commonweal.accounts.models import User
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.webhooks import selectors, services
from commonweal.webhooks.models import Subscription, WebhookDelivery
from tests import webhook_receiver as receiver_module

webhook_receiver = receiver_module.webhook_receiver  # the fixture
Status = WebhookDelivery.Status
DELIVERIES = "/staff/admin/webhooks/webhookdelivery/"
SUBSCRIPTIONS = "/staff/admin/webhooks/subscription/"


@pytest.fixture
def council(db):
    return organisations.organisation_ensure(
        slug="hook-council", name="Hook Council", kind="council"
    )


@pytest.fixture
def charity(db):
    return organisations.organisation_ensure(
        slug="hook-charity", name="Hook Charity", kind="charity"
    )


@pytest.fixture
def admin_user(council):
    user = User.objects.create_user(
        "hooks.admin@council.example", display_name="Hook Admin", is_staff=True
    )
    team = organisations.team_ensure(organisation=council, slug="digital", name="Digital")
    organisations.membership_ensure(user=user, team=team, role=Role.ADMINISTRATOR)
    return user


@pytest.fixture
def subscribed(council, admin_user, webhook_receiver):
    """The council's subscription to every event, pointing at the running receiver."""
    subscription = services.subscription_create(
        organisation=council,
        url=webhook_receiver.url,
        event_types=list(services.EVENT_TYPES),
        by=admin_user,
    )
    webhook_receiver.secret = subscription.secret
    return subscription


def publish(organisation, event_type="application.submitted", subject="HB-1", data=None) -> int:
    with transaction.atomic():
        return services.event_publish(
            organisation_id=organisation.pk,
            event_type=event_type,
            subject=subject,
            data=data if data is not None else {"reference": subject},
        )


def deliver_due() -> int:
    """What the worker does every second: claim what is due, then run the task it queued
    (here the task's function is called with the claimed ids, in the test's thread)."""
    before = set(WebhookDelivery.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    claimed = services.deliveries_dispatch()
    ids = [
        str(pk)
        for pk in WebhookDelivery.objects.filter(status=Status.SENDING).values_list("pk", flat=True)
        if pk not in before
    ]
    if ids:
        services.deliveries_deliver(delivery_ids=ids)
    return claimed


def make_due() -> None:
    WebhookDelivery.objects.filter(status=Status.QUEUED).update(next_attempt_at=timezone.now())


# Delivering


def test_a_published_event_is_delivered_as_a_signed_cloudevent(
    subscribed,
    council,
    webhook_receiver,
    run_tasks,
    settings,
):
    settings.COMMONWEAL_BASE_URL = "https://services.council.example"
    assert publish(council, "case.stage_changed", "HB-2024-000123", {"stage": "decision"}) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.QUEUED
    assert webhook_receiver.events == {}  # nothing is sent in the caller's transaction

    assert services.deliveries_dispatch() == 1
    run_tasks()  # the worker's task runner, as in production

    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""
    assert webhook_receiver.refused == []
    event = webhook_receiver.events[str(delivery.pk)]
    assert event == delivery.payload
    assert event["specversion"] == "1.0"
    assert event["id"] == str(delivery.pk)
    assert event["source"] == "/commonweal/services.council.example"
    assert event["type"] == "uk.gov.commonweal.case.stage_changed"
    assert event["subject"] == "HB-2024-000123"
    assert event["datacontenttype"] == "application/json"
    assert event["data"] == {"stage": "decision"}
    sent_at = datetime.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert abs((sent_at - delivery.created_at).total_seconds()) < 0.01
    assert event["time"].endswith("Z")


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body():
    # The documented scheme, computed independently.
    import hashlib
    import hmac

    body = b'{"id":"abc"}'
    expected = hmac.new(b"s3cret", b"abc.1700000000." + body, hashlib.sha256).hexdigest()
    assert services.signature(
        secret="s3cret", delivery_id="abc", timestamp=1700000000, body=body
    ) == (f"v1={expected}")


def test_the_receiver_refuses_a_bad_signature_and_a_stale_timestamp(
    subscribed,
    council,
    webhook_receiver,
):
    publish(council)
    delivery = WebhookDelivery.objects.get()
    body, headers = services.signed_request(delivery=delivery, secret="not the secret")
    assert httpx.post(webhook_receiver.url, content=body, headers=headers).status_code == 401
    body, headers = services.signed_request(
        delivery=delivery, secret=subscribed.secret, now=time.time() - 301
    )
    assert httpx.post(webhook_receiver.url, content=body, headers=headers).status_code == 401
    tampered = body.replace(b"HB-1", b"HB-2")
    body, headers = services.signed_request(delivery=delivery, secret=subscribed.secret)
    assert httpx.post(webhook_receiver.url, content=tampered, headers=headers).status_code == 401
    assert webhook_receiver.events == {}
    assert httpx.post(webhook_receiver.url, content=body, headers=headers).status_code == 200
    assert list(webhook_receiver.events) == [str(delivery.pk)]


def test_a_wrong_secret_is_refused_and_retried(subscribed, council, webhook_receiver):
    webhook_receiver.secret = "an old secret"
    publish(council)
    deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.QUEUED
    assert delivery.last_status_code == 401
    assert webhook_receiver.events == {}


def test_an_error_answer_is_retried_and_the_event_delivered_once(
    subscribed,
    council,
    webhook_receiver,
):
    webhook_receiver.fail_next(1, 500)
    publish(council)
    before = timezone.now()
    assert deliver_due() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.QUEUED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert "answered 500" in delivery.last_error
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 29 <= wait <= 32
    assert deliver_due() == 0  # not due yet

    make_due()
    assert deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.DELIVERED,
        2,
        200,
    )
    assert delivery.last_error == ""
    assert webhook_receiver.seen == {str(delivery.pk): 1}
    assert list(webhook_receiver.events) == [str(delivery.pk)]


def test_retries_back_off_then_fail_a_day_after_the_event(
    subscribed,
    council,
    webhook_receiver,
):
    webhook_receiver.stop()
    publish(council)
    waits = []
    for _attempt in range(7):
        make_due()
        before = timezone.now()
        deliver_due()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == Status.QUEUED
        assert delivery.last_status_code is None
        assert "no answer from the receiver" in delivery.last_error
        waits.append(round((delivery.next_attempt_at - before).total_seconds()))
    assert waits == [30, 120, 600, 3600, 10800, 10800, 10800]
    assert delivery.attempts == 7

    # The last attempt is a day after the event, however the back-off falls.
    WebhookDelivery.objects.update(created_at=timezone.now() - datetime.timedelta(hours=23))
    make_due()
    deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.QUEUED
    give_up_at = delivery.created_at + datetime.timedelta(hours=24)
    assert abs(delivery.next_attempt_at - give_up_at) < datetime.timedelta(seconds=1)

    WebhookDelivery.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    make_due()
    deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 9
    assert delivery.failed_at is not None
    assert delivery.last_error.startswith("still failing a day after the event")
    assert deliver_due() == 0

    # An administrator fixed the receiver and sends it again.
    webhook_receiver.start()
    assert services.deliveries_retry(delivery_ids=[delivery.pk], by=None) == 1
    deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert list(webhook_receiver.events) == [str(delivery.pk)]


def test_a_receiver_down_for_a_while_sees_every_event_exactly_once(
    subscribed,
    council,
    webhook_receiver,
    run_tasks,
):
    webhook_receiver.stop()
    for number in range(20):
        publish(council, "decision.made", f"HB-{number}", {"decision": "approved"})
    ids = {str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)}

    # Down: every delivery fails and is rescheduled (one connection attempt per batch for
    # an unreachable receiver; the rest of the batch waits with it).
    for _round in range(3):
        make_due()
        assert services.deliveries_dispatch() == 20
        run_tasks()
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {3}
    assert webhook_receiver.requests == 0

    # Back up, on the same port. Three answers are lost on the way back (the receiver
    # stored the event, the sender never heard): those are sent again and dropped there.
    webhook_receiver.start()
    webhook_receiver.drop_next(3)
    rounds = 0
    while WebhookDelivery.objects.exclude(status=Status.DELIVERED).exists():
        rounds += 1
        assert rounds < 5
        make_due()
        services.deliveries_dispatch()
        run_tasks()

    assert set(webhook_receiver.events) == ids  # every event...
    assert len(webhook_receiver.events) == 20  # ...recorded once
    assert sorted(webhook_receiver.seen.values()) == [1] * 17 + [2] * 3  # repeats were dropped
    assert webhook_receiver.refused == []
    assert {event["subject"] for event in webhook_receiver.events.values()} == {
        f"HB-{number}" for number in range(20)
    }
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) <= {4, 5}


def test_the_sweep_hands_back_deliveries_a_crashed_worker_left_sending(
    subscribed,
    council,
    webhook_receiver,
    monkeypatch,
):
    from commonweal.core.management.commands import worker

    publish(council, subject="HB-1")
    publish(council, subject="HB-2")
    # The worker sent both, then died before recording it.
    with monkeypatch.context() as patched:
        patched.setattr(services, "_delivered", lambda delivery, status_code: None)
        deliver_due()
    assert WebhookDelivery.objects.filter(status=Status.SENDING).count() == 2
    assert services.deliveries_sweep() == 0  # not stuck for long enough yet

    stuck, recent = WebhookDelivery.objects.order_by("payload__subject")
    WebhookDelivery.objects.filter(pk=stuck.pk).update(
        sending_started_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    WebhookDelivery.objects.filter(pk=recent.pk).update(
        sending_started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert worker.housekeeping()["webhooks_requeued"] == 1
    stuck.refresh_from_db()
    assert stuck.status == Status.QUEUED

    deliver_due()
    stuck.refresh_from_db()
    assert stuck.status == Status.DELIVERED
    # The receiver got it twice, with the same id, and kept it once.
    assert webhook_receiver.seen[str(stuck.pk)] == 2
    assert set(webhook_receiver.events) == {str(stuck.pk), str(recent.pk)}


def test_a_switched_off_subscription_fails_its_queued_deliveries(
    subscribed,
    council,
    webhook_receiver,
    admin_user,
):
    publish(council)
    services.subscription_update(
        subscription=subscribed,
        url=subscribed.url,
        event_types=subscribed.event_types,
        active=False,
        by=admin_user,
    )
    deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert delivery.last_error == "the subscription was switched off"
    assert webhook_receiver.requests == 0
    assert publish(council) == 0


def test_a_rotated_secret_signs_the_next_attempt(
    subscribed,
    council,
    webhook_receiver,
    admin_user,
):
    old = subscribed.secret
    services.subscription_secret_rotate(subscription=subscribed, by=admin_user)
    assert subscribed.secret != old
    webhook_receiver.secret = subscribed.secret
    publish(council)
    deliver_due()
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


# Who gets what


def test_only_subscriptions_wanting_the_type_get_the_event(
    council,
    admin_user,
    webhook_receiver,
):
    wanting = services.subscription_create(
        organisation=council,
        url=webhook_receiver.url,
        event_types=["decision.made"],
        by=admin_user,
    )
    services.subscription_create(
        organisation=council,
        url="https://elsewhere.example/hooks",
        event_types=["application.submitted", "message.failed"],
        by=admin_user,
    )
    assert publish(council, "decision.made") == 1
    assert WebhookDelivery.objects.get().subscription == wanting
    assert publish(council, "case.stage_changed") == 0
    assert WebhookDelivery.objects.count() == 1


def test_other_organisations_subscriptions_get_nothing(
    council,
    charity,
    admin_user,
    webhook_receiver,
):
    services.subscription_create(
        organisation=charity,
        url=webhook_receiver.url,
        event_types=["application.submitted"],
        by=admin_user,
    )
    assert publish(council) == 0
    assert WebhookDelivery.objects.count() == 0
    assert selectors.deliveries_for(organisation_id=council.pk) == []


def test_each_subscription_gets_its_own_delivery_in_two_queries(
    council, admin_user, django_assert_num_queries
):
    for number in range(3):
        services.subscription_create(
            organisation=council,
            url=f"https://receiver{number}.example/hooks",
            event_types=["message.failed"],
            by=admin_user,
        )
    with django_assert_num_queries(2):
        count = services.event_publish(
            organisation_id=council.pk,
            event_type="message.failed",
            subject="HB-9",
            data={
                "on": datetime.date(2024, 6, 1),
                "amount": decimal.Decimal("12.50"),
                "message": uuid.UUID(int=1),
            },
        )
    assert count == 3
    payloads = [delivery.payload for delivery in WebhookDelivery.objects.all()]
    assert len({payload["id"] for payload in payloads}) == 3
    assert payloads[0]["data"] == {
        "on": "2024-06-01",
        "amount": "12.50",
        "message": "00000000-0000-0000-0000-000000000001",
    }


def test_an_event_rolled_back_with_its_change_is_never_sent(subscribed, council):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(council)
        raise RuntimeError("the change failed")
    assert WebhookDelivery.objects.count() == 0


def test_an_unknown_event_type_is_a_programming_error(council):
    with pytest.raises(ValueError):
        services.event_publish(
            organisation_id=council.pk, event_type="case.exploded", subject="x", data={}
        )


# Subscriptions


@pytest.mark.parametrize(
    "url, event_types, field",
    [
        ("http://receiver.example/hooks", ["decision.made"], "url"),
        ("ftp://receiver.example/hooks", ["decision.made"], "url"),
        ("not a url", ["decision.made"], "url"),
        ("", ["decision.made"], "url"),
        ("https://user:pass@receiver.example/hooks", ["decision.made"], "url"),
        ("https://receiver.example/hooks", [], "event_types"),
        ("https://receiver.example/hooks", ["decision.made", "case.closed"], "event_types"),
    ],
)
def test_a_bad_subscription_is_refused(council, admin_user, url, event_types, field):
    with pytest.raises(services.SubscriptionRefused) as refused:
        services.subscription_create(
            organisation=council, url=url, event_types=event_types, by=admin_user
        )
    assert refused.value.field == field
    assert refused.value.message
    assert Subscription.objects.count() == 0


def test_a_subscription_is_made_with_a_random_secret(council, admin_user):
    first = services.subscription_create(
        organisation=council,
        url=" https://receiver.example/hooks ",
        event_types=["message.failed", "application.submitted", "message.failed"],
        by=admin_user,
    )
    second = services.subscription_create(
        organisation=council,
        url="http://localhost:8080/hooks",
        event_types=["decision.made"],
        by=admin_user,
    )
    services.subscription_create(
        organisation=council,
        url="http://127.0.0.1:9/hooks",
        event_types=["decision.made"],
        by=admin_user,
    )
    assert first.url == "https://receiver.example/hooks"
    assert first.event_types == ["application.submitted", "message.failed"]
    assert first.created_by == admin_user
    assert first.active
    assert len(first.secret) >= 40
    assert first.secret != second.secret


# History


def test_the_history_shows_an_organisations_deliveries_newest_first(
    subscribed,
    council,
    charity,
    admin_user,
    webhook_receiver,
    django_assert_num_queries,
):
    other = services.subscription_create(
        organisation=charity,
        url="https://charity.example/hooks",
        event_types=["decision.made"],
        by=admin_user,
    )
    webhook_receiver.fail_next(1, 503)
    publish(council, subject="HB-1")
    deliver_due()
    publish(council, "decision.made", subject="HB-2")
    publish(charity, "decision.made", subject="CH-1")
    with django_assert_num_queries(1):
        history = selectors.deliveries_for(organisation_id=council.pk)
        rows = [
            (d.payload["subject"], d.status, d.attempts, d.last_status_code, d.subscription.url)
            for d in history
        ]
    assert rows == [
        ("HB-2", Status.QUEUED, 0, None, subscribed.url),
        ("HB-1", Status.QUEUED, 1, 503, subscribed.url),
    ]
    assert "answered 503" in history[1].last_error
    assert len(selectors.deliveries_for(organisation_id=council.pk, limit=1)) == 1
    assert [d.subscription for d in selectors.deliveries_for(organisation_id=charity.pk)] == [other]


def test_administrators_see_their_organisations_deliveries_in_the_admin(
    client,
    subscribed,
    council,
    charity,
    admin_user,
    webhook_receiver,
):
    services.subscription_create(
        organisation=charity,
        url="https://charity.example/hooks",
        event_types=["application.submitted"],
        by=admin_user,
    )
    webhook_receiver.fail_next(1, 500)
    publish(council, subject="HB-OURS")
    publish(charity, subject="CH-THEIRS")
    deliver_due()
    ours = WebhookDelivery.objects.get(subscription=subscribed)
    theirs = WebhookDelivery.objects.exclude(subscription=subscribed).get()

    client.force_login(admin_user)
    page = client.get(DELIVERIES).content.decode()
    assert "HB-OURS" in page
    assert "CH-THEIRS" not in page
    assert "answered 500" in page
    assert client.get(DELIVERIES, {"status__exact": "queued"}).status_code == 200
    assert client.get(DELIVERIES, {"event_type": "application.submitted"}).status_code == 200
    history = client.get(DELIVERIES, {"subscription__id__exact": subscribed.pk})
    assert "HB-OURS" in history.content.decode()
    assert client.get(f"{DELIVERIES}{ours.pk}/change/").status_code == 200
    assert client.get(f"{DELIVERIES}{theirs.pk}/change/").status_code == 302  # not theirs

    page = client.get(f"{SUBSCRIPTIONS}{subscribed.pk}/change/").content.decode()
    assert subscribed.secret in page
    assert "charity.example" not in client.get(SUBSCRIPTIONS).content.decode()

    # A caseworker of the same organisation sees no webhooks.
    caseworker = User.objects.create_user(
        "case.worker@hooks.example", display_name="Case Worker", is_staff=True
    )
    organisations.membership_ensure(user=caseworker, team=council.teams.get(), role=Role.CASEWORKER)
    client.force_login(caseworker)
    assert client.get(DELIVERIES).status_code == 403


def test_an_administrator_adds_a_subscription_in_the_admin(client, council, admin_user):
    client.force_login(admin_user)
    refused = client.post(
        f"{SUBSCRIPTIONS}add/",
        {"organisation": council.pk, "url": "http://receiver.example/", "active": "on"},
    )
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert errors["url"] == ["The URL must start with https://"]
    assert "event_types" in errors

    made = client.post(
        f"{SUBSCRIPTIONS}add/",
        {
            "organisation": council.pk,
            "url": "https://receiver.example/hooks",
            "event_types": ["decision.made", "application.submitted"],
            "active": "on",
        },
    )
    assert made.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.event_types == ["application.submitted", "decision.made"]
    assert subscription.created_by == admin_user
    assert subscription.secret


# The real worker


def _worker(tmp_path):
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "COMMONWEAL_DATA_DIR": str(tmp_path),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "commonweal.cli", "worker", "--interval", "0.1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_deliver_every_event_once(tmp_path, webhook_receiver):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker processes must share the test database")
    council = organisations.organisation_ensure(slug="hooks", name="Hooks", kind="council")
    subscription = services.subscription_create(
        organisation=council,
        url=webhook_receiver.url,
        event_types=["application.submitted"],
        by=None,
    )
    webhook_receiver.secret = subscription.secret
    workers = [_worker(tmp_path / "one"), _worker(tmp_path / "two")]
    try:
        for burst in range(8):
            for number in range(5):
                publish(council, subject=f"HB-{burst}-{number}")
            time.sleep(0.3)
        deadline = time.monotonic() + 60
        while WebhookDelivery.objects.exclude(status=Status.DELIVERED).exists():
            assert time.monotonic() < deadline, "the workers did not deliver everything"
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    ids = {str(pk) for pk in WebhookDelivery.objects.values_list("pk", flat=True)}
    assert len(ids) == 40
    assert set(webhook_receiver.events) == ids
    assert set(webhook_receiver.seen.values()) == {1}  # no delivery was claimed twice
    assert webhook_receiver.refused == []


def test_business_actions_reach_a_subscribed_system(webhook_receiver, run_tasks):
    """Submitting, moving a stage, deciding and a failed message each reach the council's
    subscribed system, once, in order of happening."""
    from commonweal.cases import services as cases_services
    from commonweal.organisations.selectors import staff_context
    from tests.workspace import make_staff, submit_case

    staff = make_staff()
    council = staff.teams["financial-support"].organisation
    subscription = services.subscription_create(
        organisation=council,
        url=webhook_receiver.url,
        event_types=list(services.EVENT_TYPES),
        by=staff.leader,
    )
    webhook_receiver.secret = subscription.secret
    citizen = User.objects.create_user("hooked@example.com")
    case = submit_case(citizen)
    cases_services.case_move(
        case_id=case.pk, stage_id="checking", by=staff.caseworker, revision=None
    )
    cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Your savings are over the limit.",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=None,
    )
    make_due()
    for _round in range(10):  # until nothing is left to claim
        if not deliver_due():
            break
    kinds = [
        event["type"].rsplit(".", 2)[-2] + "." + event["type"].rsplit(".", 1)[-1]
        for event in sorted(webhook_receiver.events.values(), key=lambda e: e["time"])
    ]
    assert kinds[0] == "application.submitted"
    assert "decision.made" in kinds and kinds.count("case.stage_changed") == 2
    assert all(event["subject"] == case.reference for event in webhook_receiver.events.values())
    # Nothing personal leaves in the event: the reference, stage and outcome only.
    assert "Evans" not in str(webhook_receiver.events)


def test_internal_addresses_are_refused_outside_development(council, admin_user, settings):
    settings.COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE = False
    for url in ("https://127.0.0.1/hook", "https://10.0.0.5/hook", "https://169.254.169.254/x"):
        with pytest.raises(services.SubscriptionRefused, match="internal address"):
            services.subscription_create(
                organisation=council, url=url, event_types=["decision.made"], by=admin_user
            )


def test_a_subscription_that_now_points_inside_is_not_sent_to(
    subscribed, council, webhook_receiver, settings
):
    publish(council)
    settings.COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE = False  # as in production
    deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.FAILED and "internal address" in delivery.last_error
    assert webhook_receiver.events == {}


def test_the_connection_goes_to_the_address_that_was_checked(
    subscribed, council, webhook_receiver, settings, monkeypatch
):
    """DNS rebinding: a name that resolves to a public address when checked and to an
    internal one a moment later still gets the public one, with its own name as Host."""
    import socket

    import httpcore._backends.sync as httpcore_sync

    port = webhook_receiver.url.split(":")[2].split("/")[0]
    Subscription.objects.filter(pk=subscribed.pk).update(
        url=f"http://rebinding.example:{port}/hook"
    )
    services.subscribers_cache_clear()
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "rebinding.example":
            lookups.append(host)
            # Public the first time (the check); the receiver on loopback after that.
            address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
            return real_getaddrinfo(address, *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    connected_to = []

    def create_connection(address, *args, **kwargs):
        connected_to.append(address)
        raise ConnectionRefusedError("not in the tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore_sync.socket, "create_connection", create_connection)
    publish(council)
    settings.COMMONWEAL_WEBHOOKS_ALLOW_PRIVATE = False  # as in production
    deliver_due()
    assert lookups == ["rebinding.example"]  # resolved once, when checked
    assert connected_to == [("93.184.216.34", int(port))]
    assert webhook_receiver.events == {}
    assert WebhookDelivery.objects.get().status == Status.QUEUED  # tried again later
