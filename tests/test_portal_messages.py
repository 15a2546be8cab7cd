"""The secure conversation about an application, as the person uses it: reading, replying
with files, new-message counts, and nobody else's eyes on it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commonweal.cases.models import Case
from commonweal.messaging import services as messaging_services
from commonweal.messaging.models import Message, ThreadMessage
from tests.test_portal_decisions import TINY_PNG, page_text, staff_user, submitted

pytestmark = pytest.mark.django_db

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def staff(db):
    return staff_user()


@pytest.fixture
def application(citizen):
    return submitted(citizen)


def _url(application, suffix: str = "") -> str:
    return f"/applications/{application.reference}/messages/{suffix}"


def test_the_person_sends_a_message_with_files(citizen_client, citizen, application):
    page = citizen_client.get(_url(application))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'type="file"' in html and " multiple" in html
    assert "There are no messages yet." in page_text(page)
    response = citizen_client.post(
        _url(application),
        {
            "body": "Here is my bank statement.",
            "attachments": [
                SimpleUploadedFile("statement.pdf", TINY_PDF, content_type="application/pdf"),
                SimpleUploadedFile("photo.png", TINY_PNG, content_type="image/png"),
            ],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(application)
    shown = citizen_client.get(response["Location"])
    text = page_text(shown)
    assert "Your message has been sent." in text
    assert "Here is my bank statement." in text
    assert "statement.pdf" in text and "photo.png" in text
    message = ThreadMessage.objects.get(case=application.case)
    assert message.author == citizen and not message.from_staff
    assert message.on_behalf_of is None
    pdf = message.attachments.get(original_name="statement.pdf")
    download = citizen_client.get(_url(application, f"attachments/{pdf.pk}/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == TINY_PDF
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    # The team now owes a reply.
    assert Case.objects.get(pk=application.case.pk).awaiting_reply_since is not None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("notes.pdf", b"Just some text pretending to be a PDF.\n" * 4),
    ],
)
def test_a_file_that_is_not_a_picture_or_pdf_is_refused(citizen_client, application, name, content):
    response = citizen_client.post(
        _url(application),
        {"body": "Please see attached.", "attachments": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'href="#attachments"' in html
    assert "must be a JPG, PNG or PDF" in page_text(response)
    # What they wrote is kept for them to send again.
    assert "Please see attached." in html
    assert not ThreadMessage.objects.filter(case=application.case).exists()


def test_an_empty_message_is_refused(citizen_client, application):
    response = citizen_client.post(_url(application), {"body": "  "})
    assert response.status_code == 400
    assert 'href="#body"' in response.content.decode()
    assert "Write your message" in page_text(response)


def test_a_reply_from_the_team_is_new_until_read(citizen_client, citizen, application, staff):
    messaging_services.thread_message_post(
        case=application.case, by=citizen, from_staff=False, body="Any news?"
    )
    assert Case.objects.get(pk=application.case.pk).awaiting_reply_since is not None
    messaging_services.thread_message_post(
        case=application.case,
        by=staff,
        from_staff=True,
        body="We are checking your savings with the bank.",
    )
    assert Case.objects.get(pk=application.case.pk).awaiting_reply_since is None
    assert "1 new message" in page_text(citizen_client.get("/applications/"))
    assert "1 new message" in page_text(
        citizen_client.get(f"/applications/{application.reference}/")
    )
    thread = citizen_client.get(_url(application))
    text = page_text(thread)
    assert "We are checking your savings with the bank." in text
    assert text.index("Any news?") < text.index("We are checking your savings")  # oldest first
    assert "New" in text
    assert ThreadMessage.objects.get(from_staff=True).read_at is not None
    assert "new message" not in page_text(citizen_client.get("/applications/"))


def test_the_email_about_a_team_message_does_not_say_what_it_says(application, staff):
    secret = "Your partner's savings of £3,412 at Nationwide"
    messaging_services.thread_message_post(
        case=application.case, by=staff, from_staff=True, body=secret
    )
    email = Message.objects.get(event="new_secure_message")
    assert email.to_address == "sam.evans@example.com"
    assert secret not in email.body
    assert "Nationwide" not in email.body and "Nationwide" not in email.subject
    assert f"/applications/{application.reference}/" in email.body


def test_files_and_messages_of_other_cases_are_not_found(
    citizen_client, citizen, other_citizen, application, staff
):
    theirs = submitted(other_citizen)
    message = messaging_services.thread_message_post(
        case=theirs.case,
        by=other_citizen,
        from_staff=False,
        body="Private",
        files=[SimpleUploadedFile("private.pdf", TINY_PDF)],
    )
    attachment = message.attachments.get()
    # Someone else's file, through the citizen's own application: not found.
    assert citizen_client.get(_url(application, f"attachments/{attachment.pk}/")).status_code == 404
    # Through the other application's address: not found either.
    assert citizen_client.get(_url(theirs, f"attachments/{attachment.pk}/")).status_code == 404
    assert citizen_client.get(_url(theirs)).status_code == 404
    # A made-up file id.
    made_up = "00000000-0000-4000-8000-000000000000"
    assert citizen_client.get(_url(application, f"attachments/{made_up}/")).status_code == 404
    assert "Private" not in citizen_client.get(_url(application)).content.decode()


def test_signed_out_people_are_sent_to_sign_in(client, application):
    response = client.get(_url(application))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
