"""OpenID Connect relying party: the providers, our client key, and checks of what providers
send. GOV.UK One Login's profile (authorization code with PKCE, private_key_jwt, nonce and
state, vectors of trust, the identity claim, back-channel logout); the same code serves NHS
login or an organisation's own provider for staff.

Authlib makes the PKCE challenge and signs the client assertion; joserfc checks signatures
and claims. Nothing here writes to the database: `services` does, after these checks pass.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from commonweal.core.registry import Registry

LEEWAY_SECONDS = 60
HTTP_TIMEOUT = 10
BACK_CHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
ONE_LOGIN_IDENTITY_CLAIM = "https://vocab.account.gov.uk/v1/coreIdentityJWT"


class Refused(Exception):
    """A provider's answer we will not accept; `reason` names which check failed."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityClaimConfig(_Strict):
    """Where a provider puts a signed proof of identity, and whose key signs it."""

    claim: str = ONE_LOGIN_IDENTITY_CLAIM
    issuer: str
    jwks_url: str | None = None
    jwks: dict | None = None
    public_key_pem: str | None = None
    vot: str = "P2"
    algorithms: list[str] = ["ES256", "RS256", "PS256"]

    @model_validator(mode="after")
    def one_key_source(self) -> IdentityClaimConfig:
        if not (self.jwks_url or self.jwks or self.public_key_pem):
            raise ValueError("identity_claim needs jwks_url, jwks or public_key_pem")
        return self


class ProviderConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9-]{1,60}$")
    label: str
    label_cy: str | None = None
    purpose: Literal["citizen", "staff"]
    issuer: str
    client_id: str
    scopes: list[str] = ["openid", "email"]
    # Identity level -> the vector of trust asked for (`vtr`) and expected back (`vot`).
    # Left empty, no vectors are sent and a sign-in gives `level`.
    vectors: dict[Literal["medium", "high"], str] = {}
    level: Literal["low", "medium", "high"] = "medium"
    identity_claim: IdentityClaimConfig | None = None
    # Staff providers: the organisation (slug) whose members may sign in through it.
    organisation: str | None = None
    email_claim: str = "email"
    send_ui_locales: bool = True
    algorithms: list[str] = ["RS256", "ES256", "PS256"]
    discovery_url: str | None = None

    @model_validator(mode="after")
    def staff_need_an_organisation(self) -> ProviderConfig:
        if self.purpose == "staff" and not self.organisation:
            raise ValueError("a staff provider needs the organisation its staff belong to")
        return self

    @property
    def levels(self) -> list[str]:
        """The identity levels a sign-in here can give."""
        order = ["low", "medium", "high"]
        return sorted(self.vectors, key=order.index) if self.vectors else [self.level]

    def display_label(self, language: str) -> str:
        return (self.label_cy or self.label) if language == "cy" else self.label


@lru_cache(maxsize=8)
def _parse_providers(raw: str) -> dict[str, ProviderConfig]:
    try:
        items = json.loads(raw or "[]")
        providers = [ProviderConfig.model_validate(item) for item in items]
    except (ValueError, TypeError, ValidationError) as error:
        raise ImproperlyConfigured(f"COMMONWEAL_OIDC_PROVIDERS is not valid: {error}") from error
    return {provider.name: provider for provider in providers}


# The providers people and staff sign in with, by name. Filled from the setting
# COMMONWEAL_OIDC_PROVIDERS by the accounts app's `ready()`; an app may also register a
# `ProviderConfig` of its own there.
SIGN_IN_PROVIDERS: Registry[ProviderConfig] = Registry(
    "sign-in-providers",
    "OpenID Connect providers for signing in (citizens and staff), from COMMONWEAL_OIDC_PROVIDERS",
)
_loaded_lock = threading.Lock()
# The setting's text last loaded into the registry, and the names it gave.
_loaded: tuple[str | None, frozenset[str]] = (None, frozenset())


def providers_load() -> None:
    """Register the providers the setting names (replacing those it named before), when the
    setting has changed since the last load: once at start (`ready()`), and again at once
    when a test changes it. A setting that is not valid raises ImproperlyConfigured (the
    configuration check reports it at start, as accounts.E001)."""
    global _loaded
    raw = settings.COMMONWEAL_OIDC_PROVIDERS
    if _loaded[0] == raw:
        return
    parsed = _parse_providers(raw)
    with _loaded_lock:
        for name in _loaded[1] - set(parsed):
            SIGN_IN_PROVIDERS.unregister(name)
        for name, config in parsed.items():
            SIGN_IN_PROVIDERS.register(name, config, replace=True)
        _loaded = (raw, frozenset(parsed))


def providers() -> dict[str, ProviderConfig]:
    """The registered providers, by name (the setting's, read again when it changes)."""
    providers_load()
    return dict(SIGN_IN_PROVIDERS.items())


def provider(name: str) -> ProviderConfig | None:
    return providers().get(name)


def providers_for(*, purpose: str, level: str | None = None) -> list[ProviderConfig]:
    return [
        p
        for p in providers().values()
        if p.purpose == purpose and (level is None or level in p.levels)
    ]


# Our client key -----------------------------------------------------------------------------


@cache
def _client_key_from(pem: str) -> RSAKey | ECKey:
    try:
        key = RSAKey.import_key(pem)
    except Exception:
        key = ECKey.import_key(pem)
    key.ensure_kid()
    return key


def client_key() -> RSAKey | ECKey:
    pem = settings.COMMONWEAL_OIDC_CLIENT_KEY
    if not pem and settings.COMMONWEAL_OIDC_CLIENT_KEY_FILE:
        with open(settings.COMMONWEAL_OIDC_CLIENT_KEY_FILE, encoding="ascii") as file:
            pem = file.read()
    if not pem:
        raise ImproperlyConfigured(
            "Set COMMONWEAL_OIDC_CLIENT_KEY (or _FILE) to a private key in PEM to use providers"
        )
    return _client_key_from(pem)


def client_jwks() -> dict:
    """The public half of our client key, for providers to check our assertions."""
    if not (settings.COMMONWEAL_OIDC_CLIENT_KEY or settings.COMMONWEAL_OIDC_CLIENT_KEY_FILE):
        return {"keys": []}
    key = client_key()
    public = key.as_dict(private=False)
    public.update(use="sig", alg="RS256" if isinstance(key, RSAKey) else "ES256")
    return {"keys": [public]}


# The provider's documents, cached ------------------------------------------------------------

_CACHE_SECONDS = 3600
_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str, *, fresh: bool = False) -> dict:
    with _cache_lock:
        hit = _cache.get(url)
    if hit and not fresh and hit[0] > time.monotonic():
        return hit[1]
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise Refused("provider_unreachable", f"{url}: {error}") from error
    with _cache_lock:
        _cache[url] = (time.monotonic() + _CACHE_SECONDS, document)
    return document


def cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


def discovery(config: ProviderConfig) -> dict:
    url = config.discovery_url or config.issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = _get_json(url)
    if document.get("issuer") != config.issuer:
        raise Refused("issuer", "the discovery document names another issuer")
    return document


def _key_set(url: str, *, fresh: bool = False) -> KeySet:
    try:
        return KeySet.import_key_set(_get_json(url, fresh=fresh))
    except (ValueError, jose_errors.JoseError) as error:
        raise Refused("provider_unreachable", f"bad key set at {url}") from error


def _decode(token: str, jwks_url: str, algorithms: list[str]) -> jwt.Token:
    """Check the signature against the key set; fetch it again once for an unknown key id (a
    provider that rotated its keys)."""
    for fresh in (False, True):
        try:
            return jwt.decode(token, _key_set(jwks_url, fresh=fresh), algorithms=algorithms)
        except jose_errors.InvalidKeyIdError as error:
            if fresh:
                raise Refused(
                    "signature", "signed with a key the provider does not publish"
                ) from error
        except jose_errors.BadSignatureError as error:
            raise Refused("signature", "the signature does not match") from error
        except (jose_errors.JoseError, ValueError) as error:
            raise Refused("signature", f"not a signed token we accept ({error})") from error
    raise AssertionError("unreachable")


def _validate_claims(claims: dict, **expected) -> None:
    registry = jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **expected)
    try:
        registry.validate(claims)
    except jose_errors.ExpiredTokenError as error:
        raise Refused("expired", "the token has expired") from error
    except (jose_errors.InvalidClaimError, jose_errors.MissingClaimError) as error:
        claim = getattr(error, "claim", "")
        reason = {"aud": "audience", "iss": "issuer", "nonce": "nonce", "iat": "expired"}.get(
            claim, "claims"
        )
        raise Refused(reason, str(error)) from error
    except jose_errors.JoseError as error:
        raise Refused("claims", str(error)) from error
    if "iat" in claims and claims["iat"] > time.time() + LEEWAY_SECONDS:
        raise Refused("expired", "issued in the future")


# The sign-in request -------------------------------------------------------------------------


@dataclass
class Authorisation:
    url: str
    state: str
    nonce: str
    code_verifier: str
    vtr: str | None


def redirect_uri(config: ProviderConfig) -> str:
    return f"{settings.COMMONWEAL_BASE_URL}/sign-in/oidc/{config.name}/callback/"


def back_channel_logout_uri(config: ProviderConfig) -> str:
    return f"{settings.COMMONWEAL_BASE_URL}/oidc/back-channel-logout/{config.name}/"


def authorisation(config: ProviderConfig, *, level: str | None, language: str) -> Authorisation:
    """Where to send the person to sign in, with a fresh state, nonce and PKCE verifier."""
    document = discovery(config)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri(config),
        "scope": " ".join(config.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    vtr = None
    if config.vectors:
        # Without a level asked for, the lowest the provider offers.
        wanted = level if level in config.vectors else config.levels[0]
        vtr = config.vectors[wanted]
        params["vtr"] = json.dumps([vtr])
        if wanted == "high" and config.identity_claim:
            params["claims"] = json.dumps({"userinfo": {config.identity_claim.claim: None}})
    if config.send_ui_locales:
        params["ui_locales"] = "cy" if language == "cy" else "en"
    endpoint = document["authorization_endpoint"]
    return Authorisation(
        url=f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}",
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        vtr=vtr,
    )


# The answer ---------------------------------------------------------------------------------


@dataclass
class SignInResult:
    provider: str
    purpose: str
    subject: str
    sid: str
    email: str
    email_verified: bool
    level: str
    identity_proved: bool
    claims: dict
    id_token: str


def _token_request(config: ProviderConfig, document: dict, code: str, verifier: str) -> dict:
    endpoint = document["token_endpoint"]
    assertion = private_key_jwt_sign(
        client_key(),
        client_id=config.client_id,
        token_endpoint=endpoint,
        alg="RS256" if isinstance(client_key(), RSAKey) else "ES256",
        header={"kid": client_key().kid},
        expires_in=300,
    )
    try:
        response = httpx.post(
            endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(config),
                "code_verifier": verifier,
                "client_id": config.client_id,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            },
            timeout=HTTP_TIMEOUT,
        )
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise Refused("token", f"token endpoint: {error}") from error
    if response.status_code != 200 or "id_token" not in body:
        raise Refused("token", f"{body.get('error')}: {body.get('error_description')}")
    return body


def _userinfo(document: dict, access_token: str) -> dict:
    try:
        response = httpx.get(
            document["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise Refused("token", f"userinfo: {error}") from error


def _identity_keys(identity: IdentityClaimConfig):
    """The key set (or, from a PEM, the one key, whatever `kid` the token names) or the URL
    of the key set that signs identity claims."""
    if identity.jwks_url:
        return None, identity.jwks_url
    if identity.jwks:
        return KeySet.import_key_set(identity.jwks), None
    try:
        return ECKey.import_key(identity.public_key_pem), None
    except Exception:  # an RSA key is the other kind
        return RSAKey.import_key(identity.public_key_pem), None


def identity_claim_check(config: ProviderConfig, token: str, *, subject: str) -> dict:
    """GOV.UK One Login's proof of identity: a JWT signed by the identity service, about this
    same person (`sub`), for us (`aud`), at the level asked for (`vot`)."""
    identity = config.identity_claim
    keys, url = _identity_keys(identity)
    try:
        if url:
            decoded = _decode(token, url, identity.algorithms)
        else:
            decoded = jwt.decode(token, keys, algorithms=identity.algorithms)
    except Refused as refused:
        raise Refused("identity", f"identity claim: {refused.detail}") from refused
    except (jose_errors.JoseError, ValueError) as error:
        raise Refused("identity", f"identity claim signature: {error}") from error
    try:
        _validate_claims(
            decoded.claims,
            iss={"essential": True, "value": identity.issuer},
            aud={"essential": True, "value": config.client_id},
            sub={"essential": True, "value": subject},
            vot={"essential": True, "value": identity.vot},
        )
    except Refused as refused:
        raise Refused("identity", f"identity claim: {refused}") from refused
    return decoded.claims


def sign_in_finish(
    config: ProviderConfig, *, code: str, nonce: str, code_verifier: str, vtr: str | None
) -> SignInResult:
    """Exchange the code and check everything that came back; raises Refused."""
    document = discovery(config)
    tokens = _token_request(config, document, code, code_verifier)
    decoded = _decode(tokens["id_token"], document["jwks_uri"], config.algorithms)
    claims = decoded.claims
    _validate_claims(
        claims,
        iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise Refused("audience", "several audiences and we are not the authorised party")
    subject = str(claims["sub"])
    level = config.level
    if vtr is not None:
        if claims.get("vot") != vtr:
            raise Refused("vot", f"asked for {vtr}, got {claims.get('vot')!r}")
        level = next(lvl for lvl, vector in config.vectors.items() if vector == vtr)
    userinfo: dict = {}
    if tokens.get("access_token") and document.get("userinfo_endpoint"):
        userinfo = _userinfo(document, tokens["access_token"])
        if str(userinfo.get("sub")) != subject:
            raise Refused("claims", "the userinfo is about someone else")
    merged = {**claims, **userinfo}
    identity_proved = False
    if level == "high" and config.identity_claim:
        token = userinfo.get(config.identity_claim.claim)
        if not token:
            raise Refused("identity", "no identity claim was sent")
        identity_claim_check(config, token, subject=subject)
        identity_proved = True
    email_verified = merged.get("email_verified") in (True, "true")
    return SignInResult(
        provider=config.name,
        purpose=config.purpose,
        subject=subject,
        sid=str(claims.get("sid") or ""),
        email=str(merged.get(config.email_claim) or "").strip().lower(),
        email_verified=email_verified,
        level=level,
        identity_proved=identity_proved,
        claims={k: v for k, v in merged.items() if k != ONE_LOGIN_IDENTITY_CLAIM},
        id_token=tokens["id_token"],
    )


def end_session_url(config: ProviderConfig, *, id_token: str) -> str | None:
    """Where to send someone who signs out here so they are signed out at the provider too
    (RP-initiated logout, which One Login asks services to do); None when it has no such
    endpoint or cannot be reached."""
    try:
        endpoint = discovery(config).get("end_session_endpoint")
    except Refused:
        return None
    if not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": f"{settings.COMMONWEAL_BASE_URL}/signed-out/",
        "state": generate_token(16),
    }
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


@dataclass
class LogoutToken:
    provider: str
    subject: str
    sid: str
    jti: str
    expires_at: float


def logout_token_check(config: ProviderConfig, token: str) -> LogoutToken:
    """OpenID Connect Back-Channel Logout 1.0, section 2.6: signed by the provider, for us,
    recent, with the logout event, a sub or sid, no nonce, and an id (`jti`)."""
    document = discovery(config)
    decoded = _decode(token, document["jwks_uri"], config.algorithms)
    claims = decoded.claims
    _validate_claims(
        claims,
        iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    if time.time() - claims["iat"] > 10 * 60:
        raise Refused("expired", "issued more than ten minutes ago")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACK_CHANNEL_LOGOUT_EVENT), dict):
        raise Refused("claims", "no back-channel logout event")
    if "nonce" in claims:
        raise Refused("claims", "a logout token must not carry a nonce")
    if not (claims.get("sid") or claims.get("sub")):
        raise Refused("claims", "neither sid nor sub")
    lifetime = claims.get("exp") or claims["iat"] + 10 * 60
    return LogoutToken(
        provider=config.name,
        subject=str(claims.get("sub") or ""),
        sid=str(claims.get("sid") or ""),
        jti=str(claims["jti"]),
        expires_at=float(lifetime),
    )
