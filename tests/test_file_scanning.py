"""Virus scanning of uploads and message attachments with ClamAV's daemon.

No clamd can be installed here, so these tests run the client against a local server that
speaks clamd's documented INSTREAM protocol (tests/clamd_server.py); it recognises only the
EICAR test string."""

import datetime
import io
import logging
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commonweal.cases.models import CaseEvent, Task
from commonweal.core.files import ClamdScanner, ScannerUnavailable
from commonweal.core.models import FileScan
from commonweal.intake.models import Application, Upload
from commonweal.messaging.models import ThreadAttachment
from tests.clamd_server import EICAR, FakeClamd
from tests.test_answers import png_bytes
from tests.test_uploads import evidence_service, upload  # noqa: F401  (a fixture)
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def clamd(tmp_path):
    server = FakeClamd(str(tmp_path / "clamd.sock"))
    yield server
    server.stop()


@pytest.fixture
def scanning(settings, clamd):
    settings.COMMONWEAL_CLAMD_SOCKET = clamd.address
    settings.COMMONWEAL_FILE_SCANNER = "clamd"
    return clamd


def infected_png() -> bytes:
    # A real PNG (so the upload's content check accepts it) carrying the EICAR test string.
    return png_bytes() + EICAR


# The client, against the fake server


def test_a_clean_stream_is_sent_in_chunks_and_passes(clamd):
    content = b"%PDF-1.4 " + bytes(range(256)) * 1000  # 256 KB: several 64 KB chunks
    result = ClamdScanner(clamd.address).scan(io.BytesIO(content))
    assert result.clean and result.signature == ""
    data, chunks = clamd.received[-1]
    assert data == content and chunks == 4


def test_the_eicar_test_file_is_found():
    server = FakeClamd()  # over TCP this time
    try:
        result = ClamdScanner(server.address).scan(io.BytesIO(EICAR))
    finally:
        server.stop()
    assert not result.clean and result.signature == "Eicar-Signature"


def test_an_unreachable_or_refusing_scanner_is_an_error_not_a_verdict(tmp_path):
    with pytest.raises(ScannerUnavailable, match="cannot reach clamd"):
        ClamdScanner(str(tmp_path / "nobody-here.sock")).scan(io.BytesIO(b"x"))
    with pytest.raises(ScannerUnavailable, match="must be a socket path or host:port"):
        ClamdScanner("clamd.example").scan(io.BytesIO(b"x"))
    small = FakeClamd(str(tmp_path / "small.sock"), max_bytes=10)
    try:
        with pytest.raises(ScannerUnavailable, match="size limit exceeded"):
            ClamdScanner(small.address).scan(io.BytesIO(b"y" * 100))
    finally:
        small.stop()
    assert ClamdScanner.parse_reply(b"stream: OK\0").clean
    with pytest.raises(ScannerUnavailable):
        ClamdScanner.parse_reply(b"")


# Quarantine, through the pages


def test_without_a_scanner_files_are_served_at_once(evidence_service, citizen_client):  # noqa: F811
    assert not django_settings.COMMONWEAL_FILE_SCANNER
    upload(citizen_client, "scan.png", png_bytes(), "image/png")
    stored = Upload.objects.get()
    assert not FileScan.objects.exists()
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 200


def test_an_upload_is_held_until_it_is_scanned_clean(
    evidence_service,  # noqa: F811
    citizen_client,
    scanning,
    run_tasks,
):
    response = upload(citizen_client, "payslip.png", png_bytes(), "image/png")
    assert response.status_code == 302
    stored = Upload.objects.get()
    scan = FileScan.objects.get()
    assert (scan.name, scan.kind, scan.object_id) == (stored.file.name, "upload", stored.pk)
    assert scan.status == "pending"
    # Held: not served, not even to the person who sent it.
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 404

    run_tasks()
    scan.refresh_from_db()
    assert scan.status == "clean" and scan.scanned_at is not None
    assert scanning.received[-1][0] == png_bytes()
    response = citizen_client.get(f"/files/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()


def test_an_infected_upload_on_a_draft_is_kept_out_and_asked_for_again(
    evidence_service,  # noqa: F811
    citizen_client,
    scanning,
    run_tasks,
):
    upload(citizen_client, "payslip.png", infected_png(), "image/png")
    stored = Upload.objects.get()
    path = Path(stored.file.path)
    assert Application.objects.get().answers["document"]["upload"] == str(stored.pk)
    run_tasks()
    scan = FileScan.objects.get()
    assert scan.status == "infected" and scan.signature == "Eicar-Signature"
    # The content is out of the served tree, kept under quarantine/ for an operator.
    assert not path.exists()
    kept = Path(django_settings.MEDIA_ROOT) / "quarantine" / stored.file.name
    assert kept.read_bytes() == infected_png()
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 404
    # The draft forgets the answer, so the journey asks for the file again.
    draft = Application.objects.get()
    assert "document" not in draft.answers and "document" not in draft.completed_pages


def test_an_infected_attachment_is_removed_and_the_person_and_team_are_told(
    citizen, citizen_client, scanning, run_tasks
):
    staff = make_staff()
    case = submit_case(citizen)
    reference = case.application.reference
    response = citizen_client.post(
        f"/applications/{reference}/messages/",
        {
            "body": "Here is my tenancy agreement",
            "attachments": [
                SimpleUploadedFile("tenancy.png", infected_png(), "image/png"),
                SimpleUploadedFile("payslip.png", png_bytes(), "image/png"),
            ],
        },
    )
    assert response.status_code == 302
    bad = ThreadAttachment.objects.get(original_name="tenancy.png")
    good = ThreadAttachment.objects.get(original_name="payslip.png")
    attachment_url = f"/applications/{reference}/messages/attachments/{{}}/"
    page = citizen_client.get(f"/applications/{reference}/messages/").content.decode()
    assert page.count("Being checked for viruses") == 2
    assert attachment_url.format(good.pk) not in page

    run_tasks()
    assert FileScan.objects.get(object_id=bad.pk).status == "infected"
    assert FileScan.objects.get(object_id=good.pk).status == "clean"
    assert citizen_client.get(attachment_url.format(bad.pk)).status_code == 404
    assert citizen_client.get(attachment_url.format(good.pk)).status_code == 200
    page = citizen_client.get(f"/applications/{reference}/messages/").content.decode()
    assert "Removed: it had a virus" in page and attachment_url.format(good.pk) in page

    # The person is told on their case's timeline; the team gets a task.
    update = CaseEvent.objects.get(case=case, kind="update")
    assert update.visible_to_person and "tenancy.png" in update.data["text"]
    detail = citizen_client.get(f"/applications/{reference}/").content.decode()
    assert "had a virus in it, so we removed it" in detail
    task = Task.objects.get(case=case)
    assert "tenancy.png" in task.title and "Eicar-Signature" in task.title

    # Staff see the same: the clean file to open, the infected one removed.
    citizen_client.force_login(staff.caseworker)
    staff_page = citizen_client.get(f"/staff/cases/{case.reference}/messages/")
    staff_page = staff_page.content.decode()
    assert "Removed: it had a virus" in staff_page
    assert f"/staff/cases/{case.reference}/files/{good.pk}/" in staff_page
    assert f"/staff/cases/{case.reference}/files/{bad.pk}/" not in staff_page
    assert citizen_client.get(f"/staff/cases/{case.reference}/files/{bad.pk}/").status_code == 404


def test_an_unreachable_scanner_keeps_files_held_retries_and_raises_the_alarm(
    evidence_service,  # noqa: F811
    citizen_client,
    settings,
    tmp_path,
    run_tasks,
    caplog,
):
    settings.COMMONWEAL_CLAMD_SOCKET = str(tmp_path / "clamd.sock")  # nothing listening yet
    settings.COMMONWEAL_FILE_SCANNER = "clamd"
    upload(citizen_client, "payslip.png", png_bytes(), "image/png")
    stored = Upload.objects.get()
    with caplog.at_level(logging.ERROR, logger="commonweal.scanning"):
        run_tasks()
    scan = FileScan.objects.get()
    assert scan.status == "pending" and scan.attempts == 1
    assert "cannot reach clamd" in scan.last_error
    assert scan.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert "held in quarantine" in caplog.text
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 404
    health = citizen_client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert health["file_scanner"]["failing"] == 1 and health["file_scanner"]["ok"] is False

    # Not due yet: nothing is tried. When due, with clamd back, the file is released.
    run_tasks()
    assert FileScan.objects.get().attempts == 1
    server = FakeClamd(settings.COMMONWEAL_CLAMD_SOCKET)
    try:
        FileScan.objects.update(next_attempt_at=timezone.now())
        run_tasks()
    finally:
        server.stop()
    assert FileScan.objects.get().status == "clean"
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 200
    assert citizen_client.get("/healthz").json()["file_scanner"]["ok"] is True


def test_a_scan_left_by_a_dead_worker_is_handed_back(settings, citizen):
    from commonweal.core import quarantine

    settings.COMMONWEAL_FILE_SCANNER = "clamd"
    scan = quarantine.file_hold(
        name="applications/x/y.png", kind="upload", object_id="8c6f2b4e-0000-4000-8000-000000000000"
    )
    FileScan.objects.filter(pk=scan.pk).update(
        status="scanning", scan_started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert quarantine.files_scan_sweep() == 1
    assert FileScan.objects.get().status == "pending"
