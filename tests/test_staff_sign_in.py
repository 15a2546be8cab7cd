"""Staff sign in with a password (Argon2) and a one-time code from an authenticator app;
lock-outs; idle time-outs; the identity level a service needs."""

import re
import time

import pyotp
import pytest
from django.urls import reverse

from commonweal.accounts import services as accounts_services
from commonweal.accounts.middleware import LAST_ACTIVITY
from commonweal.accounts.models import RecoveryCode, TotpDevice, User
from commonweal.people import services as people_services
from commonweal.people.models import PersonChange
from tests.journeys import BUDGETING_LOAN, answer_eligibility
from tests.signin import totp_code
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(db):
    staff = make_staff()
    staff.caseworker.set_password(PASSWORD)
    staff.caseworker.save()
    return staff


@pytest.fixture
def enrolled(staff):
    """The caseworker with an authenticator app already set up; gives its secret."""
    return accounts_services.staff_totp_demo_set(user=staff.caseworker)


def password_step(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/staff/sign-in/", {"email": email, "password": password, **extra})


def test_first_sign_in_sets_up_the_authenticator_app(client, staff):
    response = password_step(client, staff.caseworker.email, next="/staff/queue/")
    assert response["Location"] == "/staff/sign-in/set-up/"
    # Signed in by password alone reaches nothing under /staff/.
    assert client.get("/staff/").status_code == 302
    page = client.get("/staff/sign-in/set-up/").content.decode()
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    assert "otpauth://totp/" in page and f"secret={secret}" in page
    # Not active until a code from the app has been checked.
    assert TotpDevice.objects.get(user=staff.caseworker).confirmed_at is None
    wrong = client.post("/staff/sign-in/set-up/", {"code": "000000"})
    assert wrong.status_code == 400 and "The code is not correct" in wrong.content.decode()
    # The same secret is shown again after a wrong code.
    assert secret in wrong.content.decode().replace(" ", "")
    done = client.post("/staff/sign-in/set-up/", {"code": totp_code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-7]{4}-[A-Z2-7]{4})</code>", done.content.decode())
    assert len(codes) == 10
    assert 'href="/staff/queue/"' in done.content.decode()
    assert client.get("/staff/queue/").status_code == 200
    # The secret is not kept in clear, nor are the recovery codes.
    device = TotpDevice.objects.get(user=staff.caseworker)
    assert device.confirmed_at is not None and secret not in device.secret_encrypted
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not any(code.replace("-", "") in "".join(stored) for code in codes)


def test_sign_in_with_password_and_code(client, staff, enrolled):
    assert password_step(client, staff.caseworker.email)["Location"] == "/staff/sign-in/code/"
    assert client.get("/staff/admin/").status_code == 302
    page = client.get("/staff/sign-in/code/")
    assert "Enter the code from your authenticator app" in page.content.decode()
    done = client.post("/staff/sign-in/code/", {"code": totp_code(enrolled)})
    assert done["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.session["accounts_signed_in_with"] == "password+totp"


def test_a_one_time_code_works_once(client, staff, enrolled):
    code = totp_code(enrolled)
    password_step(client, staff.caseworker.email)
    assert client.post("/staff/sign-in/code/", {"code": code}).status_code == 302
    client.logout()
    password_step(client, staff.caseworker.email)
    replay = client.post("/staff/sign-in/code/", {"code": code})
    assert replay.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_a_recovery_code_works_once(client, staff, enrolled):
    codes = accounts_services.recovery_codes_issue(user=staff.caseworker)
    password_step(client, staff.caseworker.email)
    used = client.post("/staff/sign-in/code/", {"code": codes[0].lower()})
    assert used.status_code == 302
    assert client.session["accounts_signed_in_with"] == "password+recovery_code"
    client.logout()
    password_step(client, staff.caseworker.email)
    assert client.post("/staff/sign-in/code/", {"code": codes[0]}).status_code == 400


def test_the_password_step_expires(client, staff, enrolled):
    password_step(client, staff.caseworker.email)
    session = client.session
    session["accounts_pending_staff"]["at"] -= 6 * 60
    session.save()
    response = client.post("/staff/sign-in/code/", {"code": totp_code(enrolled)})
    assert response["Location"] == "/staff/sign-in/"
    assert client.get("/staff/").status_code == 302


def test_the_admins_own_login_form_is_not_a_way_round(client, staff):
    response = client.get("/staff/admin/login/?next=/staff/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in/?next=/staff/admin/")
    posted = client.post(
        "/staff/admin/login/", {"username": staff.caseworker.email, "password": PASSWORD}
    )
    assert posted.status_code == 302 and "_auth_user_id" not in client.session


def test_citizens_signed_in_by_email_code_do_not_reach_staff_pages(client, staff):
    client.force_login(staff.caseworker)
    session = client.session
    session["accounts_staff_verified"] = False
    session.save()
    assert client.get("/staff/").status_code == 302


def test_argon2_is_the_password_hasher_and_old_hashes_are_upgraded(settings, staff):
    import commonweal.settings as app_settings

    assert app_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = app_settings.PASSWORD_HASHERS
    user = accounts_services.staff_account_set(
        email="new.staff@council.example", display_name="New", password=PASSWORD, superuser=False
    )
    assert user.password.startswith("argon2$")
    from django.contrib.auth.hashers import make_password

    User.objects.filter(pk=staff.caseworker.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    accounts_services.staff_sign_in_check(
        email=staff.caseworker.email, password=PASSWORD, client="test"
    )
    staff.caseworker.refresh_from_db()
    assert staff.caseworker.password.startswith("argon2$")


def test_the_totp_command_prints_the_code_outside_production(staff, enrolled, capsys):
    from django.core.management import call_command

    call_command("totp", staff.caseworker.email)
    assert capsys.readouterr().out.strip() in {
        totp_code(enrolled, offset_steps=step) for step in (-1, 0, 1)
    }


# Idle time-outs -------------------------------------------------------------------------------


def _idle_for(client, minutes: int) -> None:
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - minutes * 60
    session.save()


def test_staff_are_signed_out_after_30_idle_minutes(client, staff):
    client.force_login(staff.caseworker)
    _idle_for(client, 29)
    assert client.get("/staff/").status_code == 200
    _idle_for(client, 31)
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/sign-in/")
    page = client.get(response["Location"]).content.decode()
    assert "not done anything for 30 minutes" in page


def test_citizens_are_signed_out_after_60_idle_minutes(client, citizen):
    client.force_login(citizen)
    session = client.session
    session["accounts_staff_verified"] = False
    session.save()
    _idle_for(client, 59)
    assert client.get("/applications/").status_code == 200
    _idle_for(client, 61)
    response = client.get("/applications/")
    assert response.status_code == 302
    assert "not done anything for 60 minutes" in client.get("/sign-in/").content.decode()


def test_activity_keeps_the_session_alive_without_saving_it_on_every_page(client, staff):
    from django.contrib.sessions.models import Session

    client.force_login(staff.caseworker)
    _idle_for(client, 0)
    key = client.session.session_key
    saved = Session.objects.get(session_key=key).expire_date
    # Within the minute: the page does not rewrite the session.
    assert client.get("/staff/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date == saved
    # Active again after 20 minutes: the activity is kept and the expiry slides on, so 20
    # more quiet minutes (40 since the last write before it) do not sign them out.
    _idle_for(client, 20)
    assert client.get("/staff/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > saved
    assert time.time() - client.session[LAST_ACTIVITY] < 60
    assert client.get("/staff/").status_code == 200


# Identity levels -------------------------------------------------------------------------------


def _sign_in_by_email_code(client, email: str, mailoutbox) -> None:
    client.post("/sign-in/", {"email": email})
    code = re.search(r"\d{6}", mailoutbox[-1].subject).group(0)
    assert client.post("/sign-in/code/", {"code": code}).status_code == 302


def test_signing_in_by_email_code_gives_the_low_level_once(client, mailoutbox):
    _sign_in_by_email_code(client, "sam.low@example.com", mailoutbox)
    person = User.objects.get(email="sam.low@example.com").person
    assert (person.identity_level, person.identity_source) == ("low", "email_code")
    client.logout()
    _sign_in_by_email_code(client, "sam.low@example.com", mailoutbox)
    assert PersonChange.objects.filter(person=person, fields__has_key="identity_level").count() == 1


@pytest.fixture
def service_needing_proof(demo_services):
    from pathlib import Path

    from commonweal.catalogue import services as catalogue_services

    text = (Path(catalogue_services.__file__).parent / "demo" / "budgeting-loan.yaml").read_text(
        encoding="utf-8"
    )
    catalogue_services.service_import(yaml_text=text + "\nidentity_level: high\n")
    return "budgeting-loan"


def test_a_service_needing_proof_of_identity_explains_and_offers_ways(
    client, mailoutbox, service_needing_proof, settings, staff
):
    settings.COMMONWEAL_OIDC_PROVIDERS = (
        '[{"name": "one-login", "label": "GOV.UK One Login", "purpose": "citizen",'
        ' "issuer": "https://oidc.example/", "client_id": "c",'
        ' "vectors": {"medium": "Cl.Cm", "high": "Cl.Cm.P2"}}]'
    )
    _sign_in_by_email_code(client, "sam.low@example.com", mailoutbox)
    answer_eligibility(client, service_needing_proof, BUDGETING_LOAN["eligibility"])
    response = client.get(reverse("portal:apply", args=[service_needing_proof]))
    assert response["Location"] == f"/services/{service_needing_proof}/identity/"
    page = client.get(response["Location"]).content.decode()
    assert "You need to prove your identity to apply online" in page
    assert "Continue with GOV.UK One Login" in page
    assert "/sign-in/with/one-login/?level=high&amp;next=/services/budgeting-loan/apply/" in page
    assert "Other ways to apply" in page and "in person" in page
    # Staff see the documents in person: the level is raised, with who and what in history.
    person = User.objects.get(email="sam.low@example.com").person
    people_services.person_identity_seen_in_person(
        person=person, by=staff.caseworker, documents="passport and council tax bill"
    )
    person.refresh_from_db()
    assert (person.identity_level, person.identity_source) == ("high", "in_person")
    change = PersonChange.objects.filter(person=person).first()
    assert change.changed_by == staff.caseworker and "passport" in change.reason
    started = client.get(reverse("portal:apply", args=[service_needing_proof]))
    assert "/identity/" not in started["Location"]


def test_staff_must_say_which_documents_they_saw(citizen, staff):
    person = citizen.person
    with pytest.raises(ValueError):
        people_services.person_identity_seen_in_person(
            person=person, by=staff.caseworker, documents="  "
        )
    assert not PersonChange.objects.filter(person=person, fields__has_key="identity_level")


def test_a_definition_can_only_ask_for_known_levels():
    from pathlib import Path

    from commonweal.catalogue import services as catalogue_services
    from commonweal.catalogue.yaml_io import DefinitionError, parse_definition

    text = (Path(catalogue_services.__file__).parent / "demo" / "budgeting-loan.yaml").read_text(
        encoding="utf-8"
    )
    assert parse_definition(text)[0].identity_level is None
    assert parse_definition(text + "\nidentity_level: medium\n")[0].identity_level == "medium"
    with pytest.raises(DefinitionError, match="identity_level"):
        parse_definition(text + "\nidentity_level: extreme\n")


def test_totp_codes_from_the_next_and_last_step_are_accepted(staff, enrolled):
    # Clocks drift: one step either side is accepted, two are not.
    for offset, accepted in ((-2, False), (1, True)):
        code = pyotp.TOTP(enrolled).at(int(time.time()) + offset * 30)
        if accepted:
            assert accounts_services.staff_second_factor_check(
                user=staff.caseworker, code=code, client="c"
            )
        else:
            with pytest.raises(accounts_services.SignInRefused):
                accounts_services.staff_second_factor_check(
                    user=staff.caseworker, code=code, client="c"
                )


def test_staff_record_documents_seen_in_person_from_the_case(client, staff, citizen):
    from tests.workspace import submit_case

    case = submit_case(citizen)
    client.force_login(staff.caseworker)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Identity checked:" in page and f"/staff/cases/{case.reference}/identity/" in page
    url = f"/staff/cases/{case.reference}/identity/"
    refused = client.post(url, {"documents": ""})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Say which documents you saw" in html and "Confirm you saw the original" in html
    assert not PersonChange.objects.filter(person=case.person, fields__has_key="identity_level")
    done = client.post(url, {"documents": "Passport", "seen": "yes"})
    assert done["Location"] == f"/staff/cases/{case.reference}/"
    case.person.refresh_from_db()
    assert (case.person.identity_level, case.person.identity_source) == ("high", "in_person")
    # Staff who may not see the case get the same answer as for a case that does not exist.
    client.force_login(staff.other_team)
    assert client.get(url).status_code == 404
    assert client.get("/staff/cases/XX-0000-0000/identity/").status_code == 404


def test_provider_configuration_mistakes_show_at_start(settings):
    from commonweal.accounts.checks import oidc_configuration

    settings.COMMONWEAL_OIDC_PROVIDERS = '[{"name": "x", "purpose": "staff"}]'
    assert [e.id for e in oidc_configuration(None)] == ["accounts.E001"]
    settings.COMMONWEAL_OIDC_PROVIDERS = (
        '[{"name": "x", "label": "X", "purpose": "citizen", "issuer": "https://x/",'
        ' "client_id": "c"}]'
    )
    settings.COMMONWEAL_OIDC_CLIENT_KEY = None
    settings.COMMONWEAL_OIDC_CLIENT_KEY_FILE = None
    assert [e.id for e in oidc_configuration(None)] == ["accounts.E002"]
    settings.COMMONWEAL_OIDC_PROVIDERS = "[]"
    assert oidc_configuration(None) == []


def test_an_administrator_resets_a_lost_authenticator_app(client, staff, enrolled):
    admin_user = User.objects.create_superuser("root@council.example", "x" * 16)
    client.force_login(admin_user)
    response = client.post(
        "/staff/admin/accounts/user/",
        {"action": "reset_authenticator_app", "_selected_action": [staff.caseworker.pk]},
    )
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=staff.caseworker).exists()
    client.logout()
    assert password_step(client, staff.caseworker.email)["Location"] == "/staff/sign-in/set-up/"
