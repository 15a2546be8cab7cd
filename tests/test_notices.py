"""Notices reach people: their channel, language and format, through real SMTP on
loopback, with fallbacks, retries, quiet hours, proof of delivery, and nothing lost or sent
twice when a worker dies."""

import datetime

import pytest
from django.utils import timezone

from commonweal.cases.models import CaseEvent, Task
from commonweal.messaging import channels
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message, Notice
from commonweal.messaging.services.notices import _not_quiet
from commonweal.people.models import ContactPoint
from tests import smtp_server as smtp
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db
smtp_server = smtp.smtp_server


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    case = submit_case(citizen)
    # Texts wait for the end of quiet hours (tested below); these tests run at any hour.
    case.person.quiet_hours_start = case.person.quiet_hours_end = None
    case.person.save()
    return case


def deliver_all():
    """What the worker does: claim everything due and send it, until nothing is left."""
    for _round in range(10):
        claimed = list(Message.objects.filter(status="queued", next_attempt_at__lte=timezone.now()))
        if not claimed:
            return
        Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
            status="sending", sending_started_at=timezone.now()
        )
        messaging.messages_deliver(message_ids=[str(m.pk) for m in claimed])


def tell(case, event="decision_made"):
    person = case.person
    return messaging.notice_send(
        event=event,
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language=person.language or "en"),
    )


def test_submission_confirmation_arrives_over_real_smtp(smtp_server, case):
    deliver_all()
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["sam.evans@example.com"]
    text = envelope.content.decode()
    assert case.reference in text and "((" not in text
    message = Message.objects.get(event="application_received")
    # The message id travels as the Message-ID, and the template version is recorded.
    assert f"<{message.pk}@" in text
    assert message.status == "sent" and message.template.version == 1
    # SMTP gives no delivery receipt: the notice says it was sent, not that it arrived.
    assert message.notice.status == "sent"
    assert CaseEvent.objects.filter(case=case, kind="message_sent", visible_to_person=True).exists()


def test_welsh_speakers_get_welsh(smtp_server, case):
    case.person.language = "cy"
    case.person.save()
    tell(case)
    deliver_all()
    welsh = smtp_server.messages[-1].content.decode("utf-8", "replace")
    assert "Rydym wedi gwneud penderfyniad" in welsh


def test_a_refused_address_moves_the_notice_to_the_next_channel(smtp_server, case, settings):
    deliver_all()  # the confirmation, by email
    smtp_server.refuse.add("sam.evans@example.com")
    notice = tell(case)
    deliver_all()
    messages = list(notice.messages.order_by("created_at"))
    assert [m.channel for m in messages] == ["email", "sms"]
    assert messages[0].status == "failed" and "refused" in messages[0].last_error
    assert messages[1].status == "delivered"  # the development log channel for texts
    notice.refresh_from_db()
    assert notice.status == "delivered"
    # The address is remembered as failing, the case team can see why, and the next notice
    # does not try it.
    assert ContactPoint.objects.get(value="sam.evans@example.com").failing_since is not None
    assert CaseEvent.objects.filter(case=case, kind="message_failed", visible_to_person=False)
    case.person.refresh_from_db()
    assert case.person.has_failing_contact
    assert messaging.plan_channels(person=case.person) == ["sms", "letter"]


def test_a_server_that_is_down_is_retried_then_given_up(case, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    deliver_all()
    message = Message.objects.get(event="application_received")
    assert message.status == "queued" and message.attempts == 1
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    # The retry period ends: the next failure is the last, and the notice moves on.
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now(), give_up_at=timezone.now()
    )
    deliver_all()
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.notice.messages.filter(channel="sms").exists()


def test_missing_data_is_never_sent(case, caplog):
    Message.objects.all().delete()
    person = case.person
    notice = messaging.notice_send(
        event="decision_made", person=person, case=case, data={"name": "Sam"}
    )
    assert notice.status == "failed"
    assert not Message.objects.exists()
    assert "((reference))" in notice.failure_reason or "reference" in notice.failure_reason
    assert Task.objects.filter(case=case, title__contains="could not be made").exists()
    assert any("failed" in record.message for record in caplog.records)


@pytest.mark.parametrize("format_", ["braille", "audio", "easy_read"])
def test_formats_we_cannot_make_become_a_task(case, format_):
    case.person.accessible_format = format_
    case.person.save()
    notice = tell(case)
    assert notice.status == "action_needed"
    assert not notice.messages.exists()
    assert Task.objects.filter(case=case, title__contains="decision_made").exists()


def test_large_print_letters(case):
    person = case.person
    person.channels = ["letter"]
    person.accessible_format = "large_print"
    person.save()
    notice = tell(case)
    message = notice.messages.get()
    assert message.channel == "letter" and message.large_print
    assert message.to_address.splitlines()[0] == "Sam Evans"
    assert message.to_address.splitlines()[-1] == "CF83 1AA"


def test_channels_follow_the_person(case):
    person = case.person
    person.channels = ["sms", "email"]
    person.do_not_contact = ["email"]
    person.save()
    assert messaging.plan_channels(person=person) == ["sms", "letter"]
    person.do_not_contact = ["letter"]
    person.save()
    assert messaging.plan_channels(person=person) == ["sms", "email"]
    person.channels, person.do_not_contact = ["portal"], []
    person.save()
    assert messaging.plan_channels(person=person) == ["portal", "letter"]


def test_texts_wait_for_the_end_of_quiet_hours(case):
    person = case.person
    person.quiet_hours_start = datetime.time(21, 0)
    person.quiet_hours_end = datetime.time(8, 0)
    tz = timezone.get_current_timezone()
    late = datetime.datetime(2026, 12, 1, 22, 30, tzinfo=tz)
    early = datetime.datetime(2026, 12, 2, 6, 0, tzinfo=tz)
    noon = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=tz)
    morning = datetime.datetime(2026, 12, 2, 8, 0, tzinfo=tz)
    assert _not_quiet(person, "sms", late) == morning
    assert _not_quiet(person, "sms", early) == morning
    assert _not_quiet(person, "sms", noon) == noon
    assert _not_quiet(person, "email", late) == late  # only texts wait
    person.quiet_hours_start = person.quiet_hours_end = None
    assert _not_quiet(person, "sms", late) == late


def test_portal_message_is_delivered_when_read_and_falls_back_when_not(client, case, settings):
    person = case.person
    person.channels = ["portal", "email"]
    person.save()
    notice = tell(case)
    deliver_all()
    portal = notice.messages.get(channel="portal")
    assert portal.status == "sent"
    client.force_login(person.account)
    page = client.get(f"/applications/{case.reference}/").content.decode()
    assert "Messages from us" in page and "We have made a decision" in page
    portal.refresh_from_db()
    notice.refresh_from_db()
    assert portal.status == "delivered" and notice.status == "delivered"
    # A second notice nobody reads: after the set time, the next channel is tried.
    unread = tell(case, "new_secure_message")
    deliver_all()
    Message.objects.filter(notice=unread, channel="portal").update(
        sent_at=timezone.now()
        - datetime.timedelta(hours=settings.COMMONWEAL_PORTAL_UNREAD_HOURS + 1)
    )
    assert messaging.portal_unread_expire() == 1
    assert unread.messages.filter(channel="email", status="queued").exists()


def test_phone_calls_are_tasks_with_the_words_to_read(client, case, staff):
    person = case.person
    person.channels = ["phone"]
    person.save()
    notice = tell(case)
    deliver_all()
    call = notice.messages.get()
    task = Task.objects.get(message_id=call.pk)
    assert "we have made a decision" in task.script
    client.force_login(staff.caseworker)
    response = client.post(
        f"/staff/cases/{case.reference}/do/call-outcome/", {"task": task.pk, "reached": "no"}
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == "failed"
    assert notice.messages.filter(channel="letter").exists()  # the last resort


def test_a_returned_letter_marks_the_address_and_tells_the_team(client, case, staff):
    person = case.person
    person.channels = ["letter"]
    person.save()
    notice = tell(case)
    letter = notice.messages.get()
    Message.objects.filter(pk=letter.pk).update(status="sent", sent_at=timezone.now())
    client.force_login(staff.caseworker)
    # The letters sent are in the case page's history.
    page = client.get(f"/staff/cases/{case.reference}/history/").content.decode()
    assert "Returned by the post" in page
    response = client.post(
        f"/staff/cases/{case.reference}/do/letter-returned/", {"message": letter.pk}
    )
    assert response.url == f"/staff/cases/{case.reference}/history/"
    letter.refresh_from_db()
    assert letter.status == "returned"
    assert ContactPoint.objects.filter(kind="address", failing_since__isnull=False).exists()
    notice.refresh_from_db()
    assert notice.status == "failed"  # no channel left: the team is asked to act
    assert Task.objects.filter(case=case, title__contains="could not reach").exists()


class RecordingChannel:
    """A provider that, like a real one with idempotency keys, delivers each key once."""

    name = "recording"
    kinds = channels.KINDS
    delivered: dict = {}
    crash_after: int | None = None

    def send(self, message, *, idempotency_key):
        if idempotency_key not in self.delivered:
            self.delivered[idempotency_key] = 0
        self.delivered[idempotency_key] += 1 if self.delivered[idempotency_key] == 0 else 0
        RecordingChannel.calls += 1
        if self.crash_after is not None and RecordingChannel.calls >= self.crash_after:
            raise SystemExit("worker killed")
        return channels.Sent(provider_reference=idempotency_key, delivered=True)

    def check_status(self, message):
        return None


@pytest.fixture
def recording_channel():
    with channels.CHANNELS.overridden("recording", RecordingChannel):
        yield RecordingChannel


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    case, settings, recording_channel
):
    settings.COMMONWEAL_CHANNELS = {**settings.COMMONWEAL_CHANNELS, "email": "recording"}
    Message.objects.all().delete()
    for _ in range(20):
        tell(case)
    RecordingChannel.delivered, RecordingChannel.calls = {}, 0
    RecordingChannel.crash_after = 8
    ids = [str(pk) for pk in Message.objects.values_list("pk", flat=True)]
    Message.objects.update(status="sending", sending_started_at=timezone.now())
    with pytest.raises(SystemExit):
        messaging.messages_deliver(message_ids=ids)
    # Killed: the provider has 8 messages, the database still says "sending" for all 20.
    assert len(RecordingChannel.delivered) == 8
    assert Message.objects.filter(status="sending").count() == 20
    # The sweeper hands them back after the time-out; another worker sends them.
    Message.objects.update(sending_started_at=timezone.now() - datetime.timedelta(hours=1))
    assert messaging.messages_sweep() == 20
    RecordingChannel.crash_after = None
    deliver_all()
    assert Message.objects.filter(status="delivered").count() == 20
    assert len(RecordingChannel.delivered) == 20
    assert set(RecordingChannel.delivered.values()) == {1}  # each message delivered once
    assert Notice.objects.filter(status="delivered").count() == 20


def test_notify_delivery_receipts(client, case, settings):
    settings.COMMONWEAL_NOTIFY_CALLBACK_TOKEN = "a-long-random-token"
    message = Message.objects.get(event="application_received")
    Message.objects.filter(pk=message.pk).update(
        provider="notify",
        provider_reference="740e5834-3a29-46b4-9a6f-16142fde533a",
        status="sent",
    )
    payload = {
        "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
        "reference": str(message.pk),
        "to": "sam.evans@example.com",
        "status": "delivered",
        "created_at": "2026-11-26T09:00:00.000000Z",
        "completed_at": "2026-11-26T09:00:05.000000Z",
        "sent_at": "2026-11-26T09:00:01.000000Z",
        "notification_type": "email",
    }
    url = "/messaging/notify/callback/"
    assert client.post(url, payload, content_type="application/json").status_code == 401
    wrong = {"HTTP_AUTHORIZATION": "Bearer nope"}
    assert client.post(url, payload, content_type="application/json", **wrong).status_code == 401
    good = {"HTTP_AUTHORIZATION": "Bearer a-long-random-token"}
    bad = client.post(url, b"{not json", content_type="application/json", **good)
    assert bad.status_code == 400
    ok = client.post(url, payload, content_type="application/json", **good)
    assert ok.status_code == 204
    message.refresh_from_db()
    assert message.status == "delivered" and message.notice.status == "delivered"


def test_message_words_are_deleted_after_the_retention_period(case):
    deliver_all()
    later = timezone.now() + datetime.timedelta(days=731)
    assert messaging.message_content_expire(now=later) >= 1
    message = Message.objects.get(event="application_received")
    assert message.body == "" and message.content_deleted_at is not None
    assert message.status == "sent" and message.sent_at is not None  # the record stays


def test_letters_are_printed_in_a_daily_batch(client, case, staff):
    import io
    import zipfile

    from pypdf import PdfReader

    person = case.person
    person.channels = ["letter"]
    person.language = "both"
    person.save()
    notice = tell(case)
    deliver_all()
    letter = notice.messages.get()
    assert letter.status == "sent" and letter.print_batch is not None
    pdf = PdfReader(letter.letter_pdf.open("rb"))
    text = pdf.pages[0].extract_text()
    assert "Sam Evans" in text and case.reference in text
    client.force_login(staff.caseworker)
    page = client.get("/staff/letters/").content.decode()
    assert "Build the batch" in page
    batch = letter.print_batch
    assert batch.organisation == case.team.organisation
    assert client.post(f"/staff/letters/{batch.pk}/build/").status_code == 302
    download = client.get(f"/staff/letters/{batch.pk}/download/")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert f"{letter.pk}.pdf" in archive.namelist()
    manifest = archive.read("manifest.csv").decode()
    assert case.reference in manifest and "cy+en" in manifest
    # Provider staff do not handle the post.
    client.force_login(staff.provider)
    assert client.get("/staff/letters/").status_code == 403


def test_team_leaders_send_one_message_to_many_people(client, case, staff, other_citizen):
    other = submit_case(other_citizen)
    other.person.language = "cy"
    other.person.save()
    client.force_login(staff.caseworker)
    assert client.get("/staff/messages/").status_code == 403
    client.force_login(staff.leader)
    page = client.get("/staff/messages/", {"service": "budgeting-loan"}).content.decode()
    assert "2 cases match" in page
    refused = client.post(
        "/staff/messages/",
        {"service": "budgeting-loan", "open_only": "yes", "message_en": "Closed on Monday."},
    )
    assert refused.status_code == 400
    assert "Write the message in Welsh as well" in refused.content.decode()
    response = client.post(
        "/staff/messages/",
        {
            "service": "budgeting-loan",
            "open_only": "yes",
            "message_en": "The office is closed on Monday.",
            "message_cy": "Mae'r swyddfa ar gau ddydd Llun.",
        },
    )
    assert response.status_code == 302
    bulk_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert messaging.bulk_send_run(bulk_send_id=bulk_id) == 2
    assert messaging.bulk_send_run(bulk_send_id=bulk_id) == 0  # finished: never twice
    notices = Notice.objects.filter(event="service_update")
    assert notices.count() == 2
    welsh = notices.get(person=other.person).messages.get()
    english = notices.get(person=case.person).messages.get()
    assert "Mae'r swyddfa ar gau" in welsh.body and "Annwyl" in welsh.body
    assert "The office is closed on Monday." in english.body
    progress = client.get(response["Location"]).content.decode()
    assert "2 of 2" in progress or "for 2 of 2 cases" in progress


def test_templates_load_adds_only_what_is_missing(db):
    from django.core.management import call_command

    from commonweal.messaging.models import MessageTemplate

    MessageTemplate.objects.filter(event="delay", channel="sms", language="cy").delete()
    call_command("templates", "load")
    assert MessageTemplate.objects.filter(event="delay", channel="sms", language="cy").exists()
    from commonweal.messaging.events import EVENTS

    # Every event in both languages on all five channels; the help line added to messages
    # sent in English to people of another language is only in English (to translate from).
    assert MessageTemplate.objects.count() == (len(EVENTS) - 1) * 2 * 5 + 5
