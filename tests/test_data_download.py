"""The data download as a PDF, made in the background: asked for once, a page that
refreshes until it is ready, the person told when it is, fetched only by its owner, deleted
when it expires, and a failure that says so with a way to try again."""

import datetime
import io
import re
from html import unescape

import pypdf
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from commonweal.messaging.models import Notice
from commonweal.people.models import Person
from commonweal.rights import services
from commonweal.rights.models import DataDownload
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(citizen):
    make_staff()
    return submit_case(citizen)


def page_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def ask(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/your-data/pdf/")
    assert response.status_code == 302
    return response["Location"]


def test_the_pdf_is_made_in_the_background_and_the_person_told_when_ready(
    citizen_client, citizen, case, run_tasks, django_capture_on_commit_callbacks
):
    page = citizen_client.get("/account/your-data/")
    assert 'action="/account/your-data/pdf/"' in page.content.decode()
    status_url = ask(citizen_client, django_capture_on_commit_callbacks)
    # A second click while it is being made finds the first: one download, one task.
    assert ask(citizen_client, django_capture_on_commit_callbacks) == status_url
    assert DataDownload.objects.count() == 1

    waiting = citizen_client.get(status_url)
    html = waiting.content.decode()
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in html
    assert 'aria-live="polite"' in html
    assert "We are making your PDF." in page_text(waiting)
    mail.outbox.clear()

    run_tasks()
    download = DataDownload.objects.get()
    assert download.status == "ready" and download.expires_at > timezone.now()
    ready = citizen_client.get(status_url)
    assert "http-equiv" not in ready.content.decode()
    assert "Your PDF is ready." in page_text(ready)
    file_url = f"{status_url}file"
    assert f'href="{file_url}"' in ready.content.decode()

    pdf = citizen_client.get(file_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    content = b"".join(pdf.streaming_content)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "Sam Evans" in text and case.reference in text

    # Told by their channel (email here), with the page's address.
    notice = Notice.objects.get(event="data_download_ready")
    assert notice.person_id == Person.objects.get(account=citizen).pk
    run_tasks()
    told = [m for m in mail.outbox if "ready to download" in m.subject]
    assert told and str(download.pk) in told[0].body


def test_the_old_pdf_address_leads_to_the_button(citizen_client, case):
    response = citizen_client.get("/account/your-data/download.pdf")
    assert response.status_code == 302 and response["Location"].endswith("/your-data/#download")


def test_only_the_owner_reaches_the_page_or_the_file(
    citizen_client, other_citizen, case, run_tasks, django_capture_on_commit_callbacks
):
    status_url = ask(citizen_client, django_capture_on_commit_callbacks)
    run_tasks()
    other = Client()
    other.force_login(other_citizen)
    assert other.get(status_url).status_code == 404
    assert other.get(f"{status_url}file").status_code == 404
    assert Client().get(f"{status_url}file").status_code == 302  # to sign in


def test_a_failure_says_so_and_trying_again_makes_a_new_one(
    citizen_client, case, run_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html):
        raise OSError("no fonts")

    # Only the PDF is broken, and only for the first try (run_tasks keeps its own patch).
    with monkeypatch.context() as patched:
        patched.setattr("commonweal.rights.downloads.pdf_from_html", broken)
        status_url = ask(citizen_client, django_capture_on_commit_callbacks)
        run_tasks()
    failed = citizen_client.get(status_url)
    assert failed.status_code == 200
    text = page_text(failed)
    assert "There is a problem" in text and "We could not make your PDF. Try again." in text
    assert 'id="try-again"' in failed.content.decode()
    assert citizen_client.get(f"{status_url}file").status_code == 404
    assert "OSError: no fonts" in DataDownload.objects.get().error
    assert not Notice.objects.filter(event="data_download_ready").exists()

    again = ask(citizen_client, django_capture_on_commit_callbacks)
    assert again != status_url
    run_tasks()
    assert "Your PDF is ready." in page_text(citizen_client.get(again))


def test_an_expired_pdf_is_deleted_and_can_be_made_again(
    citizen_client, case, run_tasks, django_capture_on_commit_callbacks
):
    status_url = ask(citizen_client, django_capture_on_commit_callbacks)
    run_tasks()
    download = DataDownload.objects.get()
    stored = download.file.path
    DataDownload.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    # Past its time it is not served, even before the housekeeping deletes it.
    assert citizen_client.get(f"{status_url}file").status_code == 404
    assert "has been deleted" in page_text(citizen_client.get(status_url))
    assert services.data_downloads_expire() == 1
    assert not DataDownload.objects.exists()
    import os

    assert not os.path.exists(stored)
    assert citizen_client.get(status_url).status_code == 404


def test_a_download_left_being_made_by_a_stopped_worker_can_be_asked_for_again(
    citizen_client, case, django_capture_on_commit_callbacks
):
    first = ask(citizen_client, django_capture_on_commit_callbacks)
    DataDownload.objects.update(requested_at=timezone.now() - datetime.timedelta(hours=2))
    services.data_downloads_expire()
    assert "We could not make your PDF." in page_text(citizen_client.get(first))
    assert ask(citizen_client, django_capture_on_commit_callbacks) != first


def test_the_status_page_is_in_welsh(
    citizen_client, case, run_tasks, django_capture_on_commit_callbacks
):
    citizen_client.get("/language/cy/")
    status_url = ask(citizen_client, django_capture_on_commit_callbacks)
    assert "Rydym yn gwneud eich PDF." in page_text(citizen_client.get(status_url))
    assert DataDownload.objects.get().language == "cy"
