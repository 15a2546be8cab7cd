"""Uploaded evidence: checked by content, kept outside the web root under a generated name,
and only ever served to the person it belongs to (and staff)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from commonweal.catalogue import services as catalogue_services
from commonweal.intake.models import Upload
from tests.test_answers import png_bytes

pytestmark = pytest.mark.django_db

EVIDENCE_SERVICE = """
slug: evidence-test
reference_prefix: EV
title: {en: Send evidence, cy: Anfon tystiolaeth}
name: {en: evidence, cy: tystiolaeth}
summary: {en: Evidence, cy: Tystiolaeth}
description: {en: Send a document., cy: Anfonwch ddogfen.}
target_working_days: 5
pages:
  - id: document
    questions:
      - id: document
        type: file
        label: {en: Upload your document, cy: Uwchlwythwch eich dogfen}
declaration: {en: It is true., cy: Mae'n wir.}
what_happens_next: {en: We will look at it., cy: Byddwn yn edrych arno.}
stages:
  - id: received
    title: {en: Received, cy: Wedi dod i law}
    description: {en: We have it., cy: Mae gennym ni.}
"""


@pytest.fixture
def evidence_service(db):
    catalogue_services.service_import(yaml_text=EVIDENCE_SERVICE)


def upload(client, name: str, content: bytes, content_type: str = "application/octet-stream"):
    client.get("/services/evidence-test/apply/")
    return client.post(
        "/services/evidence-test/apply/document/",
        {"document": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def test_a_file_is_kept_outside_the_web_root_under_a_generated_name(
    evidence_service, citizen_client
):
    response = upload(citizen_client, "../../etc/passwd.png", png_bytes(), "image/png")
    assert response.status_code == 302
    stored = Upload.objects.get()
    path = Path(stored.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert "passwd" not in path.name and path.name == f"{stored.pk}.png"
    assert stored.content_type == "image/png" and len(stored.sha256) == 64
    html = citizen_client.get("/services/evidence-test/apply/check-your-answers/").content.decode()
    assert "passwd.png" in html


def test_a_file_that_is_not_what_its_name_says_is_refused(evidence_service, citizen_client):
    response = upload(citizen_client, "letter.pdf", b"MZ\x90\x00 this is a program")
    assert response.status_code == 400
    assert "The selected file must be a JPG, PNG or PDF" in response.content.decode()
    assert Upload.objects.count() == 0


def test_a_file_over_the_limit_is_refused_without_being_kept(
    evidence_service, citizen_client, settings
):
    settings.COMMONWEAL_UPLOAD_MAX_BYTES = 1024
    big = png_bytes() + b"\x00" * (3 * 1024 * 1024)
    response = upload(citizen_client, "scan.png", big, "image/png")
    assert response.status_code == 400
    assert "must be smaller than" in response.content.decode()
    assert Upload.objects.count() == 0


def test_only_the_owner_can_download_a_file(evidence_service, citizen_client, other_citizen):
    upload(citizen_client, "scan.png", png_bytes(), "image/png")
    stored = Upload.objects.get()
    response = citizen_client.get(f"/files/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    citizen_client.force_login(other_citizen)
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 404
    citizen_client.logout()
    assert citizen_client.get(f"/files/{stored.pk}/").status_code == 302


def test_a_second_upload_replaces_the_first_and_keeping_it_needs_no_new_file(
    evidence_service, citizen_client
):
    upload(citizen_client, "first.png", png_bytes(), "image/png")
    response = citizen_client.post("/services/evidence-test/apply/document/", {})
    assert response.status_code == 302  # the file already given stays
    html = citizen_client.get("/services/evidence-test/apply/check-your-answers/").content.decode()
    assert "first.png" in html
