"""API keys: made, checked and revoked; idempotent requests remembered."""

import datetime
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from commonweal.accounts import services as accounts_services

from .models import ApiKey, IdempotentRequest

TOKEN_START = "cw_"  # noqa: S105 - the prefix every key starts with, not a secret  # nosec B105
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def _hash(secret: str) -> str:
    # Keys are 256 random bits: a fast hash is enough (nothing to guess by brute force).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, organisation, name: str, scopes: list[str], by=None) -> tuple[ApiKey, str]:
    """A new key; returns it and the whole token, which is shown this once only."""
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        account = accounts_services.account_for_email(
            email=f"integration-{prefix}@integrations.invalid"
        )
        key = ApiKey.objects.create(
            organisation=organisation,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            scopes=sorted(set(scopes)),
            account=account,
            created_by=by,
        )
    return key, f"{TOKEN_START}{prefix}_{secret}"


def api_key_authenticate(*, token: str) -> ApiKey | None:
    """The live key for a token, or None; notes when it was last used (once a minute)."""
    if not token.startswith(TOKEN_START) or token.count("_") < 2:
        return None
    prefix, _sep, secret = token[len(TOKEN_START) :].partition("_")
    key = (
        ApiKey.objects.select_related("organisation", "account")
        .filter(prefix=prefix[:12], revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


RATE_WINDOW_SECONDS = 60


def api_key_within_rate(*, key: ApiKey) -> bool:
    """Counts the call; False once the key has made COMMONWEAL_API_RATE_PER_MINUTE calls
    in the last minute."""
    from django.conf import settings

    from commonweal.core import services as core_services

    return core_services.rate_limit_hit(
        key=f"api:{key.prefix}",
        limit=settings.COMMONWEAL_API_RATE_PER_MINUTE,
        window=datetime.timedelta(seconds=RATE_WINDOW_SECONDS),
    )


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def idempotent(*, api_key: ApiKey, key: str, request_body: bytes, make) -> tuple[int, dict]:
    """Run `make()` (returning status and body) once per Idempotency-Key; a repeat with the
    same body gets the same answer; a repeat with a different body is refused (409)."""
    digest = hashlib.sha256(request_body).hexdigest()
    earlier = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
    if earlier is not None:
        if earlier.request_hash != digest:
            return 409, {
                "errors": [
                    {
                        "field": "Idempotency-Key",
                        "code": "reused",
                        "message": "This Idempotency-Key was used for a different request.",
                    }
                ]
            }
        return earlier.status, earlier.body
    try:
        with transaction.atomic():
            status, body = make()
            if status < 400:
                IdempotentRequest.objects.create(
                    api_key=api_key, key=key, request_hash=digest, status=status, body=body
                )
    except IntegrityError:
        # The same key, at the same moment, from a retry that overtook this one.
        earlier = IdempotentRequest.objects.get(api_key=api_key, key=key)
        return earlier.status, earlier.body
    return status, body
