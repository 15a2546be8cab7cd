"""A real `commonweal worker` process killed with SIGKILL in the middle of a batch: no
message is lost and none is delivered twice (on PostgreSQL, where another process can share
the test database)."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message
from tests.conftest import load_demo_services
from tests.workspace import make_staff, submit_case


def _worker(tmp_path, record_file):
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "COMMONWEAL_DATA_DIR": str(tmp_path),
        "COMMONWEAL_CHANNEL_PROVIDERS": "recording=tests.recording_channel.RecordingChannel",
        "COMMONWEAL_EMAIL_CHANNEL": "recording",
        "COMMONWEAL_RECORDING_FILE": str(record_file),
        "COMMONWEAL_RECORDING_DELAY": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "commonweal.cli", "worker", "--interval", "0.1"],
        env=environment,
        cwd=str(settings.PROJECT_DIR) if hasattr(settings, "PROJECT_DIR") else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _delivered(record_file) -> list[str]:
    return record_file.read_text().split() if record_file.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must share the test database")
    load_demo_services()
    from commonweal.accounts import services as accounts_services
    from commonweal.people import services as people_services

    make_staff()
    account = accounts_services.account_for_email(email="sam.evans@example.com")
    people_services.person_for_account(account=account)
    case = submit_case(account)
    settings.COMMONWEAL_CHANNEL_PROVIDERS = {
        "recording": "tests.recording_channel.RecordingChannel"
    }
    settings.COMMONWEAL_CHANNELS = {**settings.COMMONWEAL_CHANNELS, "email": "recording"}
    Message.objects.all().delete()
    person = case.person
    for _ in range(60):
        messaging.notice_send(
            event="delay",
            person=person,
            case=case,
            data=messaging.notice_data(
                case=case,
                person=person,
                language="en",
                extra={"due_date": "1 May 2027", "reason": "We are waiting for a report"},
            ),
        )
    assert Message.objects.filter(status="queued", provider="recording").count() == 60
    record_file = tmp_path / "delivered.txt"

    worker = _worker(tmp_path, record_file)
    deadline = time.monotonic() + 60
    while len(_delivered(record_file)) < 10:
        assert time.monotonic() < deadline, "the worker delivered nothing"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # no chance to tidy up
    worker.wait(timeout=10)
    delivered_before = len(_delivered(record_file))
    assert 10 <= delivered_before < 60
    stuck = Message.objects.filter(status="sending").count()
    assert stuck > 0, "the kill should leave a batch half-done"

    # Later, the sweeper hands the stuck batch back, and a new worker finishes.
    Message.objects.filter(status="sending").update(
        sending_started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert messaging.messages_sweep() == stuck
    worker = _worker(tmp_path, record_file)
    try:
        deadline = time.monotonic() + 120
        while Message.objects.filter(status="delivered").count() < 60:
            assert time.monotonic() < deadline, "the new worker did not finish"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    keys = _delivered(record_file)
    assert len(keys) == 60 and len(set(keys)) == 60  # each message delivered exactly once
    assert set(keys) == {str(pk) for pk in Message.objects.values_list("pk", flat=True)}
