"""Passwordless sign-in: a six-digit code by email, 15 minutes, once, within limits."""

import datetime
import re
from unittest import mock

import pytest
from django.utils import timezone

from commonweal.accounts import services
from commonweal.accounts.models import SignInCode, User
from commonweal.people.models import Person

pytestmark = pytest.mark.django_db


def code_from(mail) -> str:
    return re.search(r"\b(\d{6})\b", mail.subject).group(1)


def request_code(client, email="sam.evans@example.com", **extra):
    return client.post("/sign-in/", {"email": email}, **extra)


def test_signing_in_with_the_emailed_code_creates_the_account_and_record(client, mailoutbox):
    response = request_code(client, "Sam.Evans@Example.com")
    assert response.status_code == 302 and response["Location"] == "/sign-in/code/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["sam.evans@example.com"]
    assert "expires in 15 minutes" in mail.body
    html = client.get("/sign-in/code/").content.decode()
    assert "We have sent a code to sam.evans@example.com" in html
    response = client.post("/sign-in/code/", {"code": code_from(mail)})
    assert response.status_code == 302 and response["Location"] == "/applications/"
    user = User.objects.get(email="sam.evans@example.com")
    assert not user.has_usable_password()
    assert Person.objects.get(account=user).email == "sam.evans@example.com"
    assert client.get("/applications/").status_code == 200


def test_a_new_code_replaces_the_one_sent_before(client, mailoutbox):
    with mock.patch("commonweal.accounts.services.secrets.randbelow", side_effect=[111111, 222222]):
        request_code(client)
        request_code(client)
    assert [code_from(mail) for mail in mailoutbox] == ["111111", "222222"]
    response = client.post("/sign-in/code/", {"code": "111111"})
    assert response.status_code == 400
    assert "The code is not correct" in response.content.decode()
    assert client.post("/sign-in/code/", {"code": "222222"}).status_code == 302


def test_a_used_code_cannot_be_used_again(client, mailoutbox):
    request_code(client)
    code = code_from(mailoutbox[0])
    assert services.sign_in_code_verify(email="sam.evans@example.com", code=code, client="a")
    with pytest.raises(services.SignInRefused) as refused:
        services.sign_in_code_verify(email="sam.evans@example.com", code=code, client="b")
    assert refused.value.reason == "expired"


def test_a_code_expires_after_15_minutes(client, mailoutbox):
    request_code(client)
    SignInCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post("/sign-in/code/", {"code": code_from(mailoutbox[0])})
    assert "has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_codes_burn_the_code(client, mailoutbox):
    request_code(client)
    right = code_from(mailoutbox[0])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert (
            "The code is not correct"
            in client.post("/sign-in/code/", {"code": wrong}).content.decode()
        )
    assert (
        "wrong code too many times"
        in client.post("/sign-in/code/", {"code": wrong}).content.decode()
    )
    # Even the right code no longer works.
    assert (
        "wrong code too many times"
        in client.post("/sign-in/code/", {"code": right}).content.decode()
    )


def test_codes_per_address_are_limited(client, mailoutbox, settings):
    limit = settings.COMMONWEAL_SIGN_IN_CODES_PER_ADDRESS_PER_HOUR
    for index in range(limit):
        assert request_code(client, REMOTE_ADDR=f"10.1.0.{index}").status_code == 302
    response = request_code(client, REMOTE_ADDR="10.1.0.99")
    assert response.status_code == 429
    assert "too many codes for this email address" in response.content.decode()
    assert len(mailoutbox) == limit


def test_codes_per_client_are_limited(client, settings):
    settings.COMMONWEAL_SIGN_IN_REQUESTS_PER_CLIENT_PER_HOUR = 3
    for index in range(3):
        assert request_code(client, f"person{index}@example.com").status_code == 302
    response = request_code(client, "person9@example.com")
    assert response.status_code == 429
    assert "too many attempts to sign in from your device" in response.content.decode()


def test_badly_formed_email_and_code_get_govuk_errors(client):
    response = client.post("/sign-in/", {"email": "sam at example"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.content.decode()
    request_code(client)
    response = client.post("/sign-in/code/", {"code": "12ab"})
    assert response.status_code == 400
    assert "The code must be 6 numbers" in response.content.decode()


def test_staff_cannot_sign_in_with_an_emailed_code(client, mailoutbox):
    User.objects.create_user("worker@example.com", password="a long staff password", is_staff=True)
    request_code(client, "worker@example.com")
    response = client.post("/sign-in/code/", {"code": code_from(mailoutbox[0])})
    assert "This is a staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_returns_to_where_the_person_was_but_never_off_site(client, mailoutbox):
    client.get("/sign-in/?next=/services/budgeting-loan/apply/")
    request_code(client)
    response = client.post("/sign-in/code/", {"code": code_from(mailoutbox[0])})
    assert response["Location"] == "/services/budgeting-loan/apply/"
    client.post("/sign-out/")
    client.get("/sign-in/?next=https://evil.example/")
    request_code(client)
    response = client.post("/sign-in/code/", {"code": code_from(mailoutbox[1])})
    assert response["Location"] == "/applications/"


def test_sign_out_needs_a_post(client):
    assert client.get("/sign-out/").status_code == 405
