"""The ground floor's plumbing: the typed registry and the domain event bus."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction

from commonweal.core import events
from commonweal.core.registry import DuplicateName, Registry, UnknownName, registries


def test_a_registry_names_what_is_registered_and_refuses_unknown_and_duplicate_names():
    shapes: Registry[str] = Registry("test-shapes", "Shapes, for this test")
    try:
        shapes.register("circle", "round")
        shapes.register("circle", "round")  # the same again is harmless
        assert shapes.get("circle") == "round"
        assert "circle" in shapes and shapes.names() == ["circle"]
        with pytest.raises(UnknownName, match=r"nothing is registered as 'square'.*circle"):
            shapes.get("square")
        assert shapes.find("square") is None
        with pytest.raises(DuplicateName, match="'circle' is already registered"):
            shapes.register("circle", "oval")
        shapes.register("circle", "oval", replace=True)
        assert shapes.get("circle") == "oval"

        @shapes.register("triangle")
        def triangle():
            return "three sides"

        assert shapes.get("triangle") is triangle
        with shapes.overridden("triangle", "stand-in"):
            assert shapes.get("triangle") == "stand-in"
        assert shapes.get("triangle") is triangle
        assert shapes in registries()
        with pytest.raises(DuplicateName, match="already a registry called 'test-shapes'"):
            Registry("test-shapes", "again")
    finally:
        from commonweal.core import registry as module

        module._REGISTRIES.pop("test-shapes")


@dataclass(frozen=True)
class ThingHappened(events.DomainEvent):
    what: str


@pytest.fixture
def heard():
    heard: list[tuple[str, str]] = []

    def now(event):
        heard.append(("now", event.what))

    def later(event):
        heard.append(("after commit", event.what))

    events.subscribe(ThingHappened, now)
    events.subscribe(ThingHappened, now)  # twice, heard once
    events.subscribe(ThingHappened, later, after_commit=True)
    yield heard
    events.unsubscribe(ThingHappened, now)
    events.unsubscribe(ThingHappened, later)


@pytest.mark.django_db(transaction=True)
def test_listeners_run_in_the_transaction_and_after_commit_only_when_it_commits(heard):
    with transaction.atomic():
        events.publish(ThingHappened("decided"))
        assert heard == [("now", "decided")]
    assert heard == [("now", "decided"), ("after commit", "decided")]

    heard.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(ThingHappened("rolled back"))
        raise RuntimeError("the change failed")
    assert heard == [("now", "rolled back")]  # nothing after a rollback


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_listener_does_not_stop_the_others(heard, caplog):
    def broken(event):
        raise ValueError("listener bug")

    events.subscribe(ThingHappened, broken, after_commit=True)
    try:
        with transaction.atomic():
            events.publish(ThingHappened("x"))
    finally:
        events.unsubscribe(ThingHappened, broken)
    assert ("after commit", "x") in heard


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(heard):
    with pytest.raises(events.EventOutsideTransaction, match="ThingHappened"):
        events.publish(ThingHappened("loose"))
    assert heard == []


def test_subscribing_something_that_is_not_an_event_is_refused():
    with pytest.raises(TypeError):
        events.subscribe(dict, print)


def test_the_plugins_command_lists_every_registry_and_listener(capsys):
    call_command("plugins")
    out = capsys.readouterr().out
    for registry in registries():
        assert registry.name in out
    assert "events" in out


# Every plugin registry of the project, its owner's module, and what the platform registers
# in it itself (from the apps' ready()).
BUILT_IN = {
    "channels": ["log", "notify", "portal", "print", "sink", "smtp", "task"],
    "payment-formats": ["bacs18", "csv"],
    "translation-providers": ["libretranslate"],
    "data-sections": [
        "person",
        "applications",
        "cases",
        "messages",
        "consents",
        "correction_requests",
        "access_log",
    ],
    "case-erasers": [
        "case_messages",
        "case_work",
        "check_results",
        "offers_deleted",
        "match_keys_deleted",
        "rule_evaluations_deleted",
        "payment_decisions_unlinked",
        "case_history",
        "applications",
    ],
    "person-erasers": ["accounts", "person_messages", "people"],
    "file-scanners": ["clamd"],
    "file-release": ["quarantine"],
    "address-providers": ["local-file"],
    "sign-in-providers": [],  # from COMMONWEAL_OIDC_PROVIDERS only
    "checks": [
        "duplicate-ni-number",
        "shared-bank-account",
        "contact-velocity",
        "address-velocity",
        "bank-details-format",
        "account-holder-name",
        "companies-house",
        "charity-commission",
        "eligibility-rules",
        "person-match",
    ],
    "housekeeping": [
        "messages_requeued",
        "webhooks_requeued",
        "message_statuses_asked",
        "portal_messages_unread",
        "message_contents_deleted",
        "file_scans_requeued",
        "drafts_expired",
        "rate_limit_rows_pruned",
        "api_call_counts_pruned",
        "sign_in_codes_pruned",
        "stale_heartbeats_pruned",
        "offers_expired",
        "payment_batches_made",
        "retention_run_queued",
    ],
}


def test_the_plugins_command_lists_each_registry_with_its_built_in_entries(capsys, settings):
    settings.COMMONWEAL_OIDC_PROVIDERS = (
        '[{"name": "one-login", "label": "GOV.UK One Login", "purpose": "citizen",'
        ' "issuer": "https://oidc.example/", "client_id": "c"}]'
    )
    call_command("plugins")
    out = capsys.readouterr().out
    listed: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        if line and not line.startswith(" "):
            current = listed.setdefault(line.strip(), [])
        elif current is not None and line.startswith("  ") and len(line.split()) == 2:
            current.append(line.split()[0])
    for registry_name, names in BUILT_IN.items():
        assert registry_name in listed, f"{registry_name} is not listed"
        assert set(names) <= set(listed[registry_name]), registry_name
    # The sign-in providers come from the setting, read again when it changes.
    assert listed["sign-in-providers"] == ["one-login"]
