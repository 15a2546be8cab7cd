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
