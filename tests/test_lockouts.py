"""Lock-outs that stop guessing without locking the real owner out: the staff sign-in slows
down, then locks, one account at one client; a much higher ceiling counts every client
together; an administrator can unlock, with a reason; and the status check by reference
keys guesses per client and lets the signed-in owner through."""

import datetime

import pytest
from django.db.models import F
from django.test import Client

from commonweal.accounts import services as accounts_services
from commonweal.accounts.models import SignInFailure, SignInUnlock, User
from commonweal.intake.models import Application
from tests.journeys import BUDGETING_LOAN, apply, status_check_details
from tests.signin import totp_code
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


@pytest.fixture
def staff(db):
    staff = make_staff()
    staff.caseworker.set_password(PASSWORD)
    staff.caseworker.save()
    return staff


def sign_in(client, email: str, password: str = PASSWORD, address: str = OWNER):
    return client.post(
        "/staff/sign-in/", {"email": email, "password": password}, REMOTE_ADDR=address
    )


def time_passes(seconds: float) -> None:
    """Every failure recorded so far happened `seconds` earlier."""
    SignInFailure.objects.update(created_at=F("created_at") - datetime.timedelta(seconds=seconds))


def test_wrong_passwords_slow_down_then_lock_the_account_at_that_client(client, staff):
    email = staff.caseworker.email
    for _ in range(3):
        assert sign_in(client, email, "guess", ATTACKER).status_code == 400
    # A fourth try straight away is refused without checking the password, saying how long
    # to wait; nobody waits on the server.
    for delay in (5, 10, 20, 40, 80):
        early = sign_in(client, email, PASSWORD, ATTACKER)
        assert early.status_code == 429 and early["Retry-After"] == str(delay)
        assert f"Wait {delay} seconds and try again" in early.content.decode()
        time_passes(delay)
        assert sign_in(client, email, "guess", ATTACKER).status_code == 400
    # Eight failures: locked at that client for 15 minutes, even with the right password.
    locked = sign_in(client, email, PASSWORD, ATTACKER)
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert "too many attempts to sign in. Wait 15 minutes" in locked.content.decode()
    time_passes(14 * 60)
    assert (
        "Wait 1 minute and try again" in sign_in(client, email, PASSWORD, ATTACKER).content.decode()
    )
    time_passes(60)
    assert sign_in(client, email, PASSWORD, ATTACKER)["Location"] == "/staff/sign-in/set-up/"


def test_guessing_from_one_client_never_locks_the_owner_out_at_another(staff):
    email = staff.caseworker.email
    attacker = Client()
    for _ in range(8):
        sign_in(attacker, email, "guess", ATTACKER)
        time_passes(90)  # waiting out every delay
    assert sign_in(attacker, email, PASSWORD, ATTACKER).status_code == 429
    owner = Client()
    assert sign_in(owner, email, PASSWORD, OWNER)["Location"] == "/staff/sign-in/set-up/"


def test_a_success_clears_only_that_clients_count(client, staff):
    email = staff.caseworker.email
    for _ in range(3):
        sign_in(client, email, "guess", OWNER)
    time_passes(5)
    assert sign_in(client, email, PASSWORD, OWNER).status_code == 302
    client.logout()
    assert sign_in(client, email, "typo", OWNER).status_code == 400
    assert sign_in(client, email, PASSWORD, OWNER).status_code == 302


def test_guesses_from_many_clients_lock_the_account_until_an_administrator_unlocks(staff, settings):
    settings.COMMONWEAL_SIGN_IN_FAILURES_PER_ACCOUNT_ALL_CLIENTS = 6
    email = staff.caseworker.email
    for number in range(6):
        sign_in(Client(), email, "guess", f"203.0.113.{number}")
    owner = Client()
    locked = sign_in(owner, email, PASSWORD, OWNER)
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "This account is locked after too many attempts to sign in to it from different" in text
    assert "ask an administrator to unlock it" in text

    admin_user = User.objects.create_superuser("root@council.example", "x" * 16)
    admin = Client()
    admin.force_login(admin_user)
    chosen = {"action": "unlock_sign_in", "_selected_action": [staff.caseworker.pk]}
    asked = admin.post("/staff/admin/accounts/user/", chosen)
    assert asked.status_code == 200 and "Why (recorded with your name)" in asked.content.decode()
    # No reason, no unlock.
    admin.post("/staff/admin/accounts/user/", {**chosen, "unlock_reason": " "})
    assert not SignInUnlock.objects.exists()
    done = admin.post(
        "/staff/admin/accounts/user/",
        {**chosen, "unlock_reason": "Phoned from her desk; checked her staff number"},
    )
    assert done.status_code == 302
    unlock = SignInUnlock.objects.get()
    assert (unlock.user, unlock.by) == (staff.caseworker, admin_user)
    assert unlock.reason == "Phoned from her desk; checked her staff number"
    assert unlock.failures_cleared == 12  # six clients: their count and the account's
    assert sign_in(owner, email, PASSWORD, OWNER)["Location"] == "/staff/sign-in/set-up/"
    # The record of who unlocked cannot be changed afterwards.
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        SignInUnlock.objects.filter(pk=unlock.pk).update(reason="nothing to see")


def test_an_unlock_needs_a_reason(staff):
    admin_user = User.objects.create_superuser("root@council.example", "x" * 16)
    with pytest.raises(accounts_services.SignInRefused):
        accounts_services.sign_in_unlock(user=staff.caseworker, by=admin_user, reason="  ")


def test_wrong_one_time_codes_slow_down_then_lock_at_that_client(staff):
    secret = accounts_services.staff_totp_demo_set(user=staff.caseworker)
    attacker = Client()
    assert sign_in(attacker, staff.caseworker.email, PASSWORD, ATTACKER).status_code == 302
    for _ in range(3):
        wrong = attacker.post("/staff/sign-in/code/", {"code": "123456"}, REMOTE_ADDR=ATTACKER)
        assert wrong.status_code == 400
    early = attacker.post("/staff/sign-in/code/", {"code": totp_code(secret)}, REMOTE_ADDR=ATTACKER)
    assert early.status_code == 429 and "Wait 5 seconds and try again" in early.content.decode()
    for delay in (5, 10, 20, 40, 80):
        time_passes(delay)
        wrong = attacker.post("/staff/sign-in/code/", {"code": "123456"}, REMOTE_ADDR=ATTACKER)
        assert wrong.status_code == 400
    locked = attacker.post(
        "/staff/sign-in/code/", {"code": totp_code(secret)}, REMOTE_ADDR=ATTACKER
    )
    assert locked.status_code == 429
    assert "too many attempts to sign in. Wait 15 minutes" in locked.content.decode()
    assert attacker.get("/staff/").status_code == 302
    # The owner, at their own client, is not held up by it.
    owner = Client()
    sign_in(owner, staff.caseworker.email, PASSWORD, OWNER)
    done = owner.post("/staff/sign-in/code/", {"code": totp_code(secret)}, REMOTE_ADDR=OWNER)
    assert done.status_code == 302 and owner.get("/staff/").status_code == 200


def test_a_very_long_email_address_is_counted_not_a_server_error(client, staff):
    long_email = "a" * 240 + "@example.com"
    for _ in range(4):
        response = sign_in(client, long_email, "guess", ATTACKER)
        assert response.status_code in (400, 429)
    assert SignInFailure.objects.count() == 9  # three keys for each of three failures


# The status check by reference


def _submitted(citizen_client):
    apply(citizen_client, "budgeting-loan", BUDGETING_LOAN)
    return Application.objects.get().reference


def test_guesses_at_a_reference_are_counted_per_client(citizen_client, settings):
    reference = _submitted(citizen_client)
    wrong = {**status_check_details(BUDGETING_LOAN, reference), "postcode": "CF83 1AB"}
    guesser = Client()
    limit = settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_PER_HOUR
    statuses = [
        guesser.post("/check-status/", wrong, REMOTE_ADDR=ATTACKER).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [404] * limit + [429]
    # The owner, from another client and not signed in, still gets their status.
    right = status_check_details(BUDGETING_LOAN, reference)
    response = Client().post("/check-status/", right, REMOTE_ADDR=OWNER)
    assert response.status_code == 200 and "Application received" in response.content.decode()


def test_guesses_from_many_clients_reach_a_ceiling_that_the_signed_in_owner_passes(
    citizen_client, settings
):
    settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_ALL_CLIENTS_PER_HOUR = 6
    reference = _submitted(citizen_client)
    wrong = {**status_check_details(BUDGETING_LOAN, reference), "postcode": "CF83 1AB"}
    statuses = [
        Client().post("/check-status/", wrong, REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n in range(7)
    ]
    assert statuses == [404] * 6 + [429]
    right = status_check_details(BUDGETING_LOAN, reference)
    stranger = Client().post("/check-status/", right, REMOTE_ADDR=OWNER)
    assert stranger.status_code == 429
    # Signed in, the owner is let through whatever others have tried.
    for _ in range(3):
        owner = citizen_client.post("/check-status/", right, REMOTE_ADDR=ATTACKER)
        assert owner.status_code == 200 and "Application received" in owner.content.decode()
