"""Sign-in through OpenID Connect against a real, independent provider: panva's certified
`oidc-provider` (npm), started by these tests on loopback and configured like GOV.UK One
Login (private_key_jwt, PKCE, vectors of trust, the identity claim, back-channel logout).

The person's browser is an httpx client; the site is Django's live server. For the refusals
the provider's token response carries a token these tests crafted with joserfc (a wrong key,
audience, expiry or nonce), and every one must be refused with a clear page and nothing
written."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from commonweal.accounts import oidc
from commonweal.accounts.models import ExternalIdentity, ProviderSession, User
from commonweal.people.models import Person, PersonChange
from tests.browser.conftest import _empty_append_only_tables

PROVIDER_SCRIPT = Path(__file__).parent / "oidc_provider" / "provider.mjs"
NODE = shutil.which("node")
IDENTITY_ISSUER = "https://identity.test.example/"
CITIZEN_CLIENT = "commonweal-citizen"
STAFF_CLIENT = "commonweal-staff"

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _client_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _identity_jwt(key, *, sub: str, aud: str = CITIZEN_CLIENT, vot: str = "P2") -> str:
    now = int(time.time())
    claims = {
        "iss": IDENTITY_ISSUER,
        "sub": sub,
        "aud": aud,
        "nbf": now,
        "iat": now,
        "exp": now + 3600,
        "vot": vot,
        "vc": {"type": ["VerifiableCredential", "IdentityCheckCredential"]},
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


class Provider:
    def __init__(self, issuer, signing_key, identity_key, client_pem, site):
        self.issuer = issuer
        self.signing_key = signing_key
        self.identity_key = identity_key
        self.client_pem = client_pem
        self.site = site

    def craft_next_id_token(self, token: str) -> None:
        httpx.post(f"{self.issuer}/test/next-id-token", json={"id_token": token}).raise_for_status()

    def sign(self, claims: dict, *, key=None, kid: str | None = None) -> str:
        key = key or self.signing_key
        return jwt.encode({"alg": "RS256", "kid": kid or key.kid}, claims, key)

    def settings_json(self) -> str:
        return json.dumps(
            [
                {
                    "name": "one-login",
                    "label": "GOV.UK One Login",
                    "purpose": "citizen",
                    "issuer": self.issuer,
                    "client_id": CITIZEN_CLIENT,
                    "scopes": ["openid", "email"],
                    "vectors": {"medium": "Cl.Cm", "high": "Cl.Cm.P2"},
                    "identity_claim": {
                        "issuer": IDENTITY_ISSUER,
                        "jwks": {"keys": [self.identity_key.as_dict(private=False)]},
                    },
                },
                {
                    "name": "council-staff",
                    "label": "Demo Council account",
                    "purpose": "staff",
                    "issuer": self.issuer,
                    "client_id": STAFF_CLIENT,
                    "scopes": ["openid", "email"],
                    "organisation": "demo-council",
                    "send_ui_locales": False,
                },
            ]
        )


@pytest.fixture(scope="session")
def live_server_media_url():
    """As in tests/browser/conftest.py: Django's live server cannot start with MEDIA_URL
    None (uploads are never served by address), so it starts with another host's."""
    from django.conf import settings

    original = settings.MEDIA_URL
    settings.MEDIA_URL = "http://uploads-are-not-served.invalid/"
    yield
    settings.MEDIA_URL = original


@pytest.fixture(scope="session")
def live_server(live_server_media_url, live_server):
    from django.conf import settings

    settings.MEDIA_URL = None
    return live_server


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    if NODE is None:
        reason = "node is not installed, so the OpenID Connect provider cannot run"
        # CI installs node (npm builds the assets), so there a missing node is a failure.
        if os.environ.get("COMMONWEAL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    site = live_server.url
    signing_key = RSAKey.generate_key(2048, parameters={"kid": "provider-1", "use": "sig"})
    identity_key = ECKey.generate_key("P-256", parameters={"kid": "identity-1"})
    other_identity_key = ECKey.generate_key("P-256", parameters={"kid": "identity-1"})

    def client(client_id: str, name: str) -> dict:
        return {
            "client_id": client_id,
            "redirect_uris": [f"{site}/sign-in/oidc/{name}/callback/"],
            "post_logout_redirect_uris": [f"{site}/signed-out/"],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "jwks_uri": f"{site}/oidc/jwks.json",
            "backchannel_logout_uri": f"{site}/oidc/back-channel-logout/{name}/",
            "backchannel_logout_session_required": True,
        }

    accounts = {
        "citizen-medium": {
            "email": "morgan.medium@example.com",
            "email_verified": True,
            "vot": "Cl.Cm",
        },
        "citizen-proven": {
            "email": "priya.proven@example.com",
            "email_verified": True,
            "vot": "Cl.Cm.P2",
            oidc.ONE_LOGIN_IDENTITY_CLAIM: _identity_jwt(identity_key, sub="citizen-proven"),
        },
        "citizen-forged-identity": {
            "email": "fred.forged@example.com",
            "email_verified": True,
            "vot": "Cl.Cm.P2",
            oidc.ONE_LOGIN_IDENTITY_CLAIM: _identity_jwt(
                other_identity_key, sub="citizen-forged-identity"
            ),
        },
        "citizen-borrowed-identity": {
            "email": "bob.borrowed@example.com",
            "email_verified": True,
            "vot": "Cl.Cm.P2",
            # Someone else's proof of identity, validly signed.
            oidc.ONE_LOGIN_IDENTITY_CLAIM: _identity_jwt(identity_key, sub="citizen-proven"),
        },
        "staff-member": {"email": "case.worker@council.example", "email_verified": True},
        "staff-stranger": {"email": "not.staff@council.example", "email_verified": True},
        # A member of staff of another organisation (the charity), at the council's provider.
        "staff-other-organisation": {"email": "help@care.example", "email_verified": True},
        # A staff account's address at a citizen provider.
        "citizen-is-staff": {
            "email": "case.worker@council.example",
            "email_verified": True,
            "vot": "Cl.Cm",
        },
        "citizen-unverified-email": {
            "email": "una.verified@example.com",
            "email_verified": False,
            "vot": "Cl.Cm",
        },
    }
    config = {
        "port": port,
        "issuer": issuer,
        "signing_key": signing_key.as_dict(private=True),
        "clients": [client(CITIZEN_CLIENT, "one-login"), client(STAFF_CLIENT, "council-staff")],
        "accounts": accounts,
    }
    config_file = tmp_path_factory.mktemp("oidc") / "provider.json"
    config_file.write_text(json.dumps(config))
    process = subprocess.Popen(
        [NODE, str(PROVIDER_SCRIPT), str(config_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    line = ""
    deadline = time.monotonic() + 30
    while "listening" not in line:
        line = process.stdout.readline()
        if not line and (process.poll() is not None or time.monotonic() > deadline):
            process.kill()
            pytest.fail("the OpenID Connect provider did not start: " + process.stdout.read())
    yield Provider(issuer, signing_key, identity_key, _client_key_pem(), site)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def provider(oidc_provider, settings):
    settings.COMMONWEAL_BASE_URL = oidc_provider.site
    settings.COMMONWEAL_OIDC_PROVIDERS = oidc_provider.settings_json()
    settings.COMMONWEAL_OIDC_CLIENT_KEY = oidc_provider.client_pem
    oidc.cache_clear()
    yield oidc_provider
    oidc.cache_clear()
    # The live server needs the transactional database, flushed after each test.
    _empty_append_only_tables()


@pytest.fixture
def browser(provider):
    with httpx.Client(follow_redirects=False, timeout=20) as client:
        yield client


def _form(html: str) -> tuple[str, dict]:
    action = re.search(r'<form[^>]*action="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return action, fields


def sign_in_at_provider(browser, provider, start: str, account: str) -> tuple[str, dict]:
    """Start at the site, sign in at the provider as `account` (its development login and
    consent pages), and stop at the redirect back to the site. Returns that URL and the
    parameters the site sent to the provider."""
    response = browser.get(provider.site + start)
    assert response.status_code == 302, response.text[:500]
    authorise = response.headers["location"]
    sent = {key: values[0] for key, values in parse_qs(urlparse(authorise).query).items()}
    url = authorise
    for _ in range(12):
        response = browser.get(url)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["location"])
            if url.startswith(provider.site):
                return url, sent
            continue
        assert response.status_code == 200, response.text[:500]
        action, fields = _form(response.text)
        if 'name="login"' in response.text:
            fields.update(prompt="login", login=account, password="any")
        else:
            fields.update(prompt="consent")
        response = browser.post(urljoin(url, action), data=fields)
        assert response.status_code in (302, 303), response.text[:500]
        url = urljoin(url, response.headers["location"])
        if url.startswith(provider.site):
            return url, sent
    raise AssertionError("the provider never sent the browser back")


def _signed_in_as(browser, provider) -> str | None:
    page = browser.get(provider.site + "/applications/")
    if page.status_code != 200:
        return None
    return page.text


# The happy paths ------------------------------------------------------------------------------


def test_one_login_sign_in_with_identity_proof_sets_the_identity_level(browser, provider):
    callback, sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/?level=high", "citizen-proven"
    )
    # The request follows One Login's profile.
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["vtr"] == '["Cl.Cm.P2"]'
    assert sent["ui_locales"] == "en"
    assert sent["state"] and sent["nonce"] and sent["state"] != sent["nonce"]
    assert oidc.ONE_LOGIN_IDENTITY_CLAIM in json.loads(sent["claims"])["userinfo"]
    response = browser.get(callback)
    assert response.status_code == 302 and response.headers["location"] == "/applications/"
    assert _signed_in_as(browser, provider) is not None
    person = Person.objects.get(account__email="priya.proven@example.com")
    assert (person.identity_level, person.identity_source) == ("high", "online_proof")
    change = PersonChange.objects.filter(person=person, fields__has_key="identity_level").get()
    assert change.fields["identity_level"] == ["none", "high"]
    assert "GOV.UK One Login" in change.reason
    session = ProviderSession.objects.get(provider="one-login")
    assert session.subject == "citizen-proven" and session.sid


def test_sign_in_at_two_factor_level_gives_medium(browser, provider):
    callback, sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    assert sent["vtr"] == '["Cl.Cm"]' and "claims" not in sent
    response = browser.get(callback)
    assert response.status_code == 302, re.search(r'id="refusal">([^<]*)', response.text)
    person = Person.objects.get(account__email="morgan.medium@example.com")
    assert (person.identity_level, person.identity_source) == ("medium", "provider_sign_in")


def test_welsh_is_asked_for_in_welsh(browser, provider):
    browser.headers["Accept-Language"] = "cy"
    _callback, sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    assert sent["ui_locales"] == "cy"


def test_staff_sign_in_with_the_organisations_provider(browser, provider):
    from tests.workspace import make_staff

    staff = make_staff()
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/council-staff/?next=/staff/queue/", "staff-member"
    )
    response = browser.get(callback)
    assert response.status_code == 302 and response.headers["location"] == "/staff/queue/"
    queue = browser.get(provider.site + "/staff/queue/")
    assert queue.status_code == 200 and "open case" in queue.text
    assert ExternalIdentity.objects.get(provider="council-staff").user == staff.caseworker


@pytest.mark.parametrize(
    ("start", "account", "message"),
    [
        # Never made from a provider's claims.
        ("council-staff", "staff-stranger", "There is no staff account for you here"),
        # Staff of another organisation cannot use this organisation's provider.
        ("council-staff", "staff-other-organisation", "There is no staff account for you here"),
        # A staff account cannot be reached through a citizen provider.
        ("one-login", "citizen-is-staff", "This is a staff account"),
        ("one-login", "citizen-unverified-email", "did not give us a confirmed email address"),
    ],
)
def test_provider_sign_ins_that_match_no_allowed_account_are_refused(
    browser, provider, start, account, message
):
    from tests.workspace import make_staff

    make_staff()
    users = User.objects.count()
    callback, _sent = sign_in_at_provider(browser, provider, f"/sign-in/with/{start}/", account)
    response = browser.get(callback)
    assert response.status_code == 400
    assert message in response.text
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists() and not ProviderSession.objects.exists()
    assert browser.get(provider.site + "/staff/").status_code == 302


# Refusals ----------------------------------------------------------------------------------------


def _nothing_written(browser, provider, users_before: int) -> None:
    assert User.objects.count() == users_before
    assert not ExternalIdentity.objects.exists()
    assert not ProviderSession.objects.exists()
    assert _signed_in_as(browser, provider) is None


def _crafted(provider, sent: dict, sub: str = "citizen-medium", **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CITIZEN_CLIENT,
        "sub": sub,
        "nonce": sent["nonce"],
        "iat": now,
        "exp": now + 300,
        "vot": "Cl.Cm",
        "sid": "crafted-session",
    }
    claims.update(changes)
    return claims


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_key", "not signed by the sign-in service"),
        ("same_kid_other_key", "not signed by the sign-in service"),
        ("wrong_audience", "meant for another service"),
        ("expired", "has expired"),
        ("nonce_mismatch", "does not belong to this sign-in"),
        ("wrong_issuer", "unexpected sign-in service"),
        ("lower_vot", "level of security this service needs"),
    ],
)
def test_forged_id_tokens_are_refused(browser, provider, case, message):
    users = User.objects.count()
    callback, sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/?level=medium", "citizen-medium"
    )
    other = RSAKey.generate_key(2048, parameters={"kid": "attacker"})
    now = int(time.time())
    token = {
        "other_key": lambda: provider.sign(_crafted(provider, sent), key=other),
        "same_kid_other_key": lambda: provider.sign(
            _crafted(provider, sent), key=other, kid="provider-1"
        ),
        "wrong_audience": lambda: provider.sign(_crafted(provider, sent, aud="someone-else")),
        "expired": lambda: provider.sign(_crafted(provider, sent, iat=now - 3600, exp=now - 1800)),
        "nonce_mismatch": lambda: provider.sign(_crafted(provider, sent, nonce="another")),
        "wrong_issuer": lambda: provider.sign(
            _crafted(provider, sent, iss="https://evil.example/")
        ),
        "lower_vot": lambda: provider.sign(_crafted(provider, sent, vot="Cl")),
    }[case]()
    provider.craft_next_id_token(token)
    response = browser.get(callback)
    assert response.status_code == 400
    assert "You have not been signed in" in response.text
    assert message in response.text
    _nothing_written(browser, provider, users)


def test_a_proof_of_identity_signed_by_another_key_is_refused(browser, provider):
    users = User.objects.count()
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/?level=high", "citizen-forged-identity"
    )
    response = browser.get(callback)
    assert response.status_code == 400
    assert "could not check the proof of your identity" in response.text
    _nothing_written(browser, provider, users)


def test_someone_elses_proof_of_identity_is_refused(browser, provider):
    users = User.objects.count()
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/?level=high", "citizen-borrowed-identity"
    )
    response = browser.get(callback)
    assert response.status_code == 400
    assert "could not check the proof of your identity" in response.text
    _nothing_written(browser, provider, users)


def test_a_replayed_response_is_refused(browser, provider):
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    assert browser.get(callback).status_code == 302
    users = User.objects.count()
    sessions = ProviderSession.objects.count()
    # The same browser again, and someone else who copied the address: the state is spent.
    with httpx.Client(follow_redirects=False) as other:
        for client in (browser, other):
            again = client.get(callback)
            assert again.status_code == 400
            assert "already been used or has expired" in again.text
    assert User.objects.count() == users and ProviderSession.objects.count() == sessions


def test_a_code_used_twice_is_refused_by_the_provider(browser, provider):
    """The state is fresh but the code was spent: the provider refuses it, and so do we."""
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    code = parse_qs(urlparse(callback).query)["code"][0]
    assert browser.get(callback).status_code == 302
    second, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    replay = second.replace(parse_qs(urlparse(second).query)["code"][0], code)
    response = browser.get(replay)
    assert response.status_code == 400
    assert "did not confirm who you are" in response.text


def test_the_provider_saying_no_is_explained(browser, provider):
    response = browser.get(provider.site + "/sign-in/with/one-login/")
    state = parse_qs(urlparse(response.headers["location"]).query)["state"][0]
    refused = browser.get(
        provider.site + f"/sign-in/oidc/one-login/callback/?error=access_denied&state={state}"
    )
    assert refused.status_code == 400
    assert "did not sign you in" in refused.text


def test_failed_callbacks_lock_the_client_out(browser, provider, settings):
    settings.COMMONWEAL_SIGN_IN_FAILURES_PER_CLIENT = 3
    for _ in range(3):
        bad = browser.get(provider.site + "/sign-in/oidc/one-login/callback/?code=x&state=y")
        assert bad.status_code == 400
    locked = browser.get(provider.site + "/sign-in/with/one-login/")
    assert locked.status_code == 429 and "too many failed attempts" in locked.text


# Back-channel logout ---------------------------------------------------------------------------


def test_signing_out_at_the_provider_ends_the_session_here(browser, provider):
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    assert browser.get(callback).status_code == 302
    assert _signed_in_as(browser, provider) is not None
    # The person signs out at the provider (its own logout page); the provider then tells us.
    page = browser.get(provider.issuer + "/session/end")
    assert page.status_code == 200
    action, fields = _form(page.text)
    done = browser.post(urljoin(provider.issuer, action), data={**fields, "logout": "yes"})
    assert done.status_code in (302, 303)
    assert _signed_in_as(browser, provider) is None
    assert ProviderSession.objects.get().ended_at is not None


def _logout_claims(provider, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CITIZEN_CLIENT,
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "sub": "citizen-medium",
        "sid": "the-sid",
        "events": {oidc.BACK_CHANNEL_LOGOUT_EVENT: {}},
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [
        {"key": "other"},
        {"aud": "someone-else"},
        {"iss": "https://evil.example/"},
        {"events": None},
        {"events": {"http://schemas.openid.net/event/other": {}}},
        {"nonce": "n"},
        {"sid": None, "sub": None},
        {"jti": None},
        {"iat": int(time.time()) - 3600, "exp": None},
    ],
    ids=lambda changes: ",".join(changes),
)
def test_bad_logout_tokens_are_refused(provider, changes):
    changes = dict(changes)
    key = RSAKey.generate_key(2048, parameters={"kid": "x"}) if changes.pop("key", None) else None
    token = provider.sign(_logout_claims(provider, **changes), key=key)
    response = httpx.post(
        provider.site + "/oidc/back-channel-logout/one-login/", data={"logout_token": token}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_logout_token_works_once(browser, provider):
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    assert browser.get(callback).status_code == 302
    sid = ProviderSession.objects.get().sid
    token = provider.sign(_logout_claims(provider, sid=sid))
    url = provider.site + "/oidc/back-channel-logout/one-login/"
    first = httpx.post(url, data={"logout_token": token})
    assert first.status_code == 200
    assert _signed_in_as(browser, provider) is None
    again = httpx.post(url, data={"logout_token": token})
    assert again.status_code == 400 and "already used" in again.json()["error_description"]


def test_our_public_key_is_published(provider):
    keys = httpx.get(provider.site + "/oidc/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]
    assert keys[0]["kid"] == oidc.client_key().kid


def test_signing_out_here_signs_out_at_the_provider_too(browser, provider):
    callback, _sent = sign_in_at_provider(
        browser, provider, "/sign-in/with/one-login/", "citizen-medium"
    )
    assert browser.get(callback).status_code == 302
    page = browser.get(provider.site + "/applications/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        provider.site + "/sign-out/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": provider.site + "/applications/"},
    )
    assert response.status_code == 302
    end = response.headers["location"]
    assert end.startswith(provider.issuer + "/session/end?id_token_hint=")
    assert _signed_in_as(browser, provider) is None
    assert ProviderSession.objects.get().ended_at is not None
    # The provider asks the person to confirm, then sends them back to us.
    page = browser.get(end)
    action, fields = _form(page.text)
    done = browser.post(urljoin(provider.issuer, action), data={**fields, "logout": "yes"})
    assert done.headers["location"].startswith(provider.site + "/signed-out/")
