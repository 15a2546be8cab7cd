"""The checks of One Login's identity claim and of provider settings, one by one (the whole
sign-in is tested against a real provider in test_oidc.py)."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from commonweal.accounts import oidc

KEY = ECKey.generate_key("P-256", parameters={"kid": "identity-1"})
ISSUER = "https://identity.test.example/"


def config(**identity) -> oidc.ProviderConfig:
    return oidc.ProviderConfig.model_validate(
        {
            "name": "one-login",
            "label": "GOV.UK One Login",
            "purpose": "citizen",
            "issuer": "https://oidc.test.example/",
            "client_id": "our-client",
            "vectors": {"medium": "Cl.Cm", "high": "Cl.Cm.P2"},
            "identity_claim": {
                "issuer": ISSUER,
                "jwks": {"keys": [KEY.as_dict(private=False)]},
                **identity,
            },
        }
    )


def identity_jwt(key=KEY, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "urn:fdc:gov.uk:2022:abc",
        "aud": "our-client",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "vot": "P2",
    }
    claims.update(changes)
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def test_a_valid_identity_claim_is_accepted():
    claims = oidc.identity_claim_check(config(), identity_jwt(), subject="urn:fdc:gov.uk:2022:abc")
    assert claims["vot"] == "P2"


@pytest.mark.parametrize(
    "changes",
    [
        {"vot": "P1"},
        {"aud": "another-client"},
        {"iss": "https://elsewhere.example/"},
        {"sub": "someone-else"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["vot", "aud", "iss", "sub", "expired"],
)
def test_identity_claims_that_do_not_match_are_refused(changes):
    with pytest.raises(oidc.Refused) as refused:
        oidc.identity_claim_check(
            config(), identity_jwt(**changes), subject="urn:fdc:gov.uk:2022:abc"
        )
    assert refused.value.reason == "identity"


def test_an_identity_claim_signed_by_another_key_is_refused():
    other = ECKey.generate_key("P-256", parameters={"kid": "identity-1"})
    with pytest.raises(oidc.Refused) as refused:
        oidc.identity_claim_check(
            config(), identity_jwt(key=other), subject="urn:fdc:gov.uk:2022:abc"
        )
    assert refused.value.reason == "identity"


def test_the_identity_key_can_be_a_pem():
    from cryptography.hazmat.primitives import serialization

    pem = (
        KEY.private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings = config().identity_claim.model_dump() | {"jwks": None, "public_key_pem": pem}
    assert oidc.identity_claim_check(
        config(**settings), identity_jwt(), subject="urn:fdc:gov.uk:2022:abc"
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"purpose": "staff"},  # a staff provider must name its organisation
        {"purpose": "someone"},
        {"vectors": {"extreme": "X"}},
        {"name": "Not A Slug"},
        {"unknown": "field"},
        {"identity_claim": {"issuer": ISSUER}},  # no key to check it with
    ],
)
def test_provider_settings_that_cannot_work_are_refused(entry):
    from django.core.exceptions import ImproperlyConfigured

    base = {
        "name": "x",
        "label": "X",
        "purpose": "citizen",
        "issuer": "https://x.example/",
        "client_id": "c",
    }
    import json

    with pytest.raises(ImproperlyConfigured):
        oidc._parse_providers(json.dumps([base | entry]))


def test_the_lowest_level_is_asked_for_unless_another_is_wanted():
    assert config().levels == ["medium", "high"]
