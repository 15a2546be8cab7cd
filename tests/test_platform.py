"""Health, background delivery, history that cannot be rewritten, production settings."""

import datetime
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django.utils import timezone

from commonweal.cases.models import CaseEvent
from commonweal.core import services as core_services
from commonweal.core.models import WorkerHeartbeat
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message
from commonweal.people.models import PersonChange
from tests.journeys import BUDGETING_LOAN, apply

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_a_missing_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["status"] == "degraded"


def test_healthz_sees_a_live_worker_and_notices_when_it_stops(client, settings):
    started = timezone.now()
    core_services.worker_heartbeat_beat(worker_id="w1", started_at=started)
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["worker"]["workers"] == 1
    stale = timezone.now() - datetime.timedelta(
        seconds=3 * settings.COMMONWEAL_WORKER_HEARTBEAT_SECONDS + 1
    )
    WorkerHeartbeat.objects.update(last_seen_at=stale)
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is False and body["worker"]["seconds_since"] > 30


def test_worker_command_writes_a_heartbeat_and_removes_it_when_it_stops(run_tasks):
    run_tasks()
    # The batch worker beats on start and removes its row when it stops cleanly.
    assert WorkerHeartbeat.objects.count() == 0


@pytest.fixture
def no_automation(monkeypatch):
    """These tests are about one message's delivery: the Budgeting Loan's automation policy,
    which would approve the case in the same worker run and send a second, is left out."""
    from commonweal.checks.registry import AFTER_CHECKS

    with AFTER_CHECKS.overridden("automation", lambda *, case_id: None):
        yield


def test_a_failing_mail_server_is_retried_later_not_lost(citizen_client, run_tasks, no_automation):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    refused = ConnectionRefusedError("mail server down")
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        run_tasks()
    message = Message.objects.get()
    assert message.status == "queued" and message.attempts == 1
    assert "mail server down" in message.last_error
    assert message.next_attempt_at > timezone.now()

    Message.objects.update(next_attempt_at=timezone.now())
    run_tasks()
    message.refresh_from_db()
    assert message.status == "sent" and len(mail.outbox) == 1


def test_a_message_left_sending_by_a_dead_worker_is_handed_back(
    citizen_client, run_tasks, no_automation
):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    # A worker claimed it and died before sending.
    Message.objects.update(
        status="sending", sending_started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    run_tasks()
    assert len(mail.outbox) == 0
    assert messaging.messages_sweep() == 1
    run_tasks()
    assert Message.objects.get().status == "sent"
    assert len(mail.outbox) == 1


def test_a_message_is_sent_once_even_if_dispatched_twice(citizen_client, run_tasks):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    message = Message.objects.get()
    messaging.messages_dispatch()
    # A second dispatcher finds nothing more to claim.
    assert messaging.messages_dispatch() == 0
    messaging.messages_deliver(message_ids=[str(message.pk)])
    messaging.messages_deliver(message_ids=[str(message.pk)])
    assert len(mail.outbox) == 1


def test_history_cannot_be_edited_or_deleted(citizen_client):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    event = CaseEvent.objects.get()
    with pytest.raises(ValueError, match="appended"):
        event.save()
    for table in (CaseEvent, PersonChange):
        with pytest.raises(DatabaseError), transaction.atomic():
            table.objects.update(created_at=timezone.now())
        with pytest.raises(DatabaseError), transaction.atomic():
            table.objects.all().delete()
    assert CaseEvent.objects.count() == 1


def test_production_settings_pass_the_deploy_check():
    environment = {
        **os.environ,
        "COMMONWEAL_ENV": "production",
        "SECRET_KEY": "x" * 60 + "a-long-random-secret-used-only-by-this-test",
        "ALLOWED_HOSTS": "apply.example.gov.uk",
        "DJANGO_SETTINGS_MODULE": "commonweal.settings",
        "COMMONWEAL_DATA_DIR": os.environ["COMMONWEAL_DATA_DIR"],
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "-m", "commonweal.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = {
        **os.environ,
        "COMMONWEAL_ENV": "production",
        "ALLOWED_HOSTS": "apply.example.gov.uk",
        "DJANGO_SETTINGS_MODULE": "commonweal.settings",
    }
    environment.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "commonweal.cli", "check"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_development_mailbox_is_only_shown_on_the_same_machine(client):
    assert client.get("/dev/mailbox/").status_code == 200
    assert client.get("/dev/mailbox/", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_the_development_mailbox_is_off_in_production(client, settings):
    settings.DEV_MAILBOX = False
    assert client.get("/dev/mailbox/").status_code == 404


def test_drafts_untouched_for_the_retention_period_are_deleted_with_their_files(citizen, settings):
    from django.core.files.base import ContentFile

    from commonweal.intake import services as intake_services
    from commonweal.intake.models import Application, Upload
    from tests.journeys import complete_draft

    complete_draft(citizen)
    draft = Application.objects.get()
    upload = Upload(
        application=draft,
        question_id="evidence",
        original_name="scan.png",
        content_type="image/png",
        extension="png",
        size=3,
        sha256="0" * 64,
        uploaded_by=citizen,
    )
    upload.file.save("upload", ContentFile(b"png"), save=False)
    upload.save()
    path = upload.file.path
    assert intake_services.drafts_expire(older_than_days=28) == 0
    Application.objects.update(
        updated_at=timezone.now()
        - datetime.timedelta(days=settings.COMMONWEAL_DRAFT_RETENTION_DAYS + 1)
    )
    assert intake_services.drafts_expire(older_than_days=28) == 1
    assert not Application.objects.exists() and not Upload.objects.exists()
    assert not os.path.exists(path)
