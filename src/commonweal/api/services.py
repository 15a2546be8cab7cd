"""API keys: made, checked and revoked; idempotent requests remembered."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from commonweal.accounts import services as accounts_services

from .models import ApiCallCount, ApiKey, IdempotentRequest

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.organisations.selectors import Organisation

TOKEN_START = "cw_"  # noqa: S105 - the prefix every key starts with, not a secret  # nosec B105
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def _hash(secret: str) -> str:
    # Keys are 256 random bits: a fast hash is enough (nothing to guess by brute force).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, organisation: Organisation, name: str, scopes: list[str], by: User | None = None
) -> tuple[ApiKey, str]:
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
    # The prefix is unique: one row or none, so no ordering (the model's default sorts by
    # organisation name, which cost every call a join and a sort).
    key = next(
        iter(
            ApiKey.objects.select_related("organisation", "account")
            .filter(prefix=prefix[:12], revoked_at__isnull=True)
            .order_by()[:1]
        ),
        None,
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


RATE_WINDOW_SECONDS = 60


def api_key_call_count(*, key: ApiKey) -> int | None:
    """Counts the call in this clock minute; returns None while the key is within
    COMMONWEAL_API_RATE_PER_MINUTE, or else the seconds until the next minute starts (for
    Retry-After). Calls refused still count, so a client hammering a limit stays limited."""
    from django.conf import settings
    from django.db import connection

    now = timezone.now()
    minute = now.replace(second=0, microsecond=0)
    table = connection.ops.quote_name(ApiCallCount._meta.db_table)
    # One statement on PostgreSQL and SQLite alike; concurrent calls add up correctly
    # because the database serialises them on the row.
    # The table name comes from the model, quoted; the values are parameters.
    count_call = (
        f"INSERT INTO {table} (api_key_id, minute, calls) VALUES (%s, %s, 1) "  # noqa: S608  # nosec B608
        f"ON CONFLICT (api_key_id, minute) DO UPDATE SET calls = {table}.calls + 1 "
        "RETURNING calls"
    )
    with connection.cursor() as cursor:
        cursor.execute(count_call, [key.pk, minute])
        (calls,) = cursor.fetchone()
    if calls <= settings.COMMONWEAL_API_RATE_PER_MINUTE:
        return None
    return max(1, RATE_WINDOW_SECONDS - now.second)


def api_call_counts_prune(*, older_than: datetime.timedelta = datetime.timedelta(hours=1)) -> int:
    deleted, _ = ApiCallCount.objects.filter(minute__lt=timezone.now() - older_than).delete()
    return deleted


def api_key_revoke(*, key: ApiKey, by: User | None = None) -> None:
    api_keys_revoke(key_ids=[key.pk], by=by)


def api_keys_revoke(*, key_ids: list[int], by: User | None = None) -> int:
    """Revoke these keys at once (a revoked key stays revoked: revoking again changes
    nothing, so when and by whom are the first revocation's). Returns how many it revoked."""
    return ApiKey.objects.filter(pk__in=key_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """What a key is bound to: the method, the path and the body, so a key sent again with
    any of them changed is a different request, never the first one's answer."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode("utf-8", "surrogatepass"), body):
        # Each part's length first: no two different requests make the same stream.
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotent(
    *,
    api_key: ApiKey,
    key: str,
    method: str,
    path: str,
    request_body: bytes,
    make: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Run `make()` (returning status and body) once per Idempotency-Key; a repeat of the same
    request (method, path and body) gets the same answer; the key sent with anything else
    changed is refused (409).

    The first call does not look for an earlier one: it does the work and records the key
    in the same transaction, and the database's one-row-per-key rule undoes all of it when
    the key was used before. So the usual call (a new key) costs no extra query and a
    repeat costs a rolled-back attempt. A repeat the work itself refuses (the task is
    already done, the offer already answered) looks for the key then, and gets the first
    answer all the same."""
    digest = request_fingerprint(method=method, path=path, body=request_body)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                status, body = make()
                if status < 400:
                    IdempotentRequest.objects.create(
                        api_key=api_key, key=key, request_hash=digest, status=status, body=body
                    )
            if status >= 400:
                earlier = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
                if earlier is not None:
                    return _earlier_answer(earlier, digest)
            return status, body
        except IntegrityError:
            # Everything was rolled back. The key was used before (or by a retry that
            # overtook this one): its answer. Otherwise something else clashed (the same new
            # person registered by two calls at once): start over.
            earlier = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
            if earlier is not None:
                return _earlier_answer(earlier, digest)
    raise RuntimeError("could not complete the request")


def _earlier_answer(earlier: IdempotentRequest, digest: str) -> tuple[int, dict[str, Any]]:
    if earlier.request_hash != digest:
        return 409, {
            "errors": [
                {
                    "field": "Idempotency-Key",
                    "code": "reused",
                    "message": "This Idempotency-Key was used for a different request "
                    "(another method, path or body).",
                }
            ]
        }
    return earlier.status, earlier.body
