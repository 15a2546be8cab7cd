"""Sign-in by emailed code: request a code, verify it, sign out. Every write lives here."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.core import services as core_services

from .models import (
    ExternalIdentity,
    ProviderSession,
    RecoveryCode,
    SignInCode,
    SignInFailure,
    SignInUnlock,
    TotpDevice,
    UsedTokenId,
    User,
)

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

    from .oidc import LogoutToken, SignInResult


class SignInRefused(Exception):
    """A sign-in step that cannot go ahead; `reason` says why, for the page to explain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _code_hash(email: str, code: str) -> str:
    message = f"{email}:{code}".encode()
    assert settings.SECRET_KEY is not None  # settings.py always sets one  # nosec B101
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def sign_in_code_request(*, email: str, client: str) -> None:
    """Email a new six-digit code to `email`, within the per-address and per-client limits."""
    email = normalise_email(email)
    now = timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    with transaction.atomic():
        if (
            SignInCode.objects.filter(email=email, created_at__gt=hour_ago).count()
            >= settings.COMMONWEAL_SIGN_IN_CODES_PER_ADDRESS_PER_HOUR
        ):
            raise SignInRefused("address_limit")
        if (
            SignInCode.objects.filter(client=client, created_at__gt=hour_ago).count()
            >= settings.COMMONWEAL_SIGN_IN_REQUESTS_PER_CLIENT_PER_HOUR
        ):
            raise SignInRefused("client_limit")
        code = f"{secrets.randbelow(1_000_000):06d}"
        minutes = settings.COMMONWEAL_SIGN_IN_CODE_MINUTES
        SignInCode.objects.create(
            email=email,
            code_hash=_code_hash(email, code),
            client=client,
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=minutes),
        )
        # Sent straight away rather than through the task queue: a person waiting for a code
        # should not wait for a worker, and a failure must show on the page at once.
        send_mail(
            subject=_("Your sign-in code is %(code)s") % {"code": code},
            message=_(
                "Your sign-in code is %(code)s\n\n"
                "Enter it on the sign-in page. It expires in %(minutes)s minutes and can "
                "only be used once.\n\n"
                "If you did not ask to sign in, you can ignore this email. Nobody can sign "
                "in without the code."
            )
            % {"code": code, "minutes": minutes},
            from_email=None,
            recipient_list=[email],
        )


def sign_in_code_verify(*, email: str, code: str, client: str) -> User:
    """The account for `email` if `code` is its latest unexpired, unused code."""
    email = normalise_email(email)
    code = "".join((code or "").split())
    if not core_services.rate_limit_hit(
        key=f"sign-in-verify:{client}",
        limit=settings.COMMONWEAL_SIGN_IN_REQUESTS_PER_CLIENT_PER_HOUR,
        window=datetime.timedelta(hours=1),
    ):
        raise SignInRefused("client_limit")
    now = timezone.now()
    latest = SignInCode.objects.filter(email=email).order_by("-created_at", "-id").first()
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        raise SignInRefused("expired")
    if latest.failed_attempts >= settings.COMMONWEAL_SIGN_IN_ATTEMPTS_PER_CODE:
        raise SignInRefused("too_many_attempts")
    if not hmac.compare_digest(latest.code_hash, _code_hash(email, code)):
        SignInCode.objects.filter(pk=latest.pk).update(failed_attempts=F("failed_attempts") + 1)
        if latest.failed_attempts + 1 >= settings.COMMONWEAL_SIGN_IN_ATTEMPTS_PER_CODE:
            raise SignInRefused("too_many_attempts")
        raise SignInRefused("wrong_code")
    with transaction.atomic():
        # The conditional update makes the code single-use even if two requests race.
        claimed = SignInCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now)
        if not claimed:
            raise SignInRefused("expired")
        user, _created = User.objects.get_or_create(
            email=email,
            defaults={"password": "!"},  # an unusable password: codes only  # nosec B105
        )
    if user.is_staff:
        # Staff sign in with a password through the staff sign-in, never with an emailed code.
        raise SignInRefused("staff_account")
    if not user.is_active:
        raise SignInRefused("inactive")
    return user


def sign_in_codes_prune(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    """Housekeeping: old codes, failures past any lock-out, spent logout token ids."""
    cutoff = timezone.now() - older_than
    deleted, _ = SignInCode.objects.filter(created_at__lt=cutoff).delete()
    SignInFailure.objects.filter(created_at__lt=cutoff).delete()
    UsedTokenId.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


def accounts_close(*, account_ids: Iterable[int]) -> int:
    """For the retention job, when the people these citizen accounts belong to are
    anonymised: the address is replaced and the account can no longer sign in (an existing
    session ends with it). Staff accounts are never closed this way. `account_ids` may be
    a list or a query of ids."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return User.objects.filter(pk__in=account_ids, is_staff=False).update(
        email=Concat(Value("erased-"), Cast("pk", CharField()), Value("@erased.invalid")),
        display_name="",
        is_active=False,
        password=make_password(None),  # unusable
    )


def account_for_email(*, email: str) -> User:
    """The citizen account for an address, made if it does not exist yet."""
    user, _created = User.objects.get_or_create(
        email=normalise_email(email), defaults={"password": make_password(None)}
    )
    return user


def account_id_for_email(*, email: str) -> int:
    """The id of the citizen account for an address, made if it does not exist yet, in one
    statement (an insert that does nothing new when the address is known)."""
    user = User(email=normalise_email(email), password=make_password(None))
    User.objects.bulk_create(
        [user], update_conflicts=True, unique_fields=["email"], update_fields=["email"]
    )
    return user.pk


def system_account(*, key: str, display_name: str) -> User:
    """The account that stands for the platform itself (an automation policy) where history
    needs someone who acted. It cannot sign in: it is inactive, has no usable password, and
    its address (under .invalid) can never receive a code."""
    user, _created = User.objects.get_or_create(
        email=f"{key}@system.invalid",
        defaults={
            "display_name": display_name,
            "is_active": False,
            "password": make_password(None),
        },
    )
    return user


def staff_account_set(*, email: str, display_name: str, password: str, superuser: bool) -> User:
    """Create or update a staff account with a new password."""
    user, _created = User.objects.get_or_create(email=normalise_email(email))
    user.display_name = display_name
    user.is_staff = True
    user.is_superuser = superuser
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


def staff_group_remove(*, name: str) -> None:
    """Take away a permission group and the model permissions it gave its members. (The
    demo once gave every member of staff view rights in the admin through a group; the
    admin now goes by the administrator role, and the group is removed where it is left.)"""
    from django.contrib.auth.models import Group

    Group.objects.filter(name=name).delete()


# Lock-out --------------------------------------------------------------------------------------
#
# Three counts of recent failures, each in SignInFailure under its own key:
#   - one account from one client: a few failures are free, then each next try must wait
#     (5 s, 10 s, 20 s, ... doubling), then the account is locked at that client only, so
#     someone guessing from one place never locks the real owner out elsewhere;
#   - one account from every client together: a much higher ceiling against guessing spread
#     over many addresses, which locks the account everywhere (an administrator can unlock);
#   - one client, every account: a client trying many accounts is locked.
# Nothing sleeps: a try that comes too soon is refused at once with the time to wait.


def _lock_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.COMMONWEAL_SIGN_IN_LOCK_MINUTES)


def _account_key(account: str) -> str:
    """A keyed hash of the email address: the key stays short whatever was typed, and the
    table holds no addresses."""
    message = f"sign-in-account:{normalise_email(account)}".encode()
    assert settings.SECRET_KEY is not None  # settings.py always sets one  # nosec B101
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _account_prefix(path: str, account: str) -> str:
    return f"{path}:account:{_account_key(account)}"


def _failure_keys(*, path: str, account: str | None, client: str) -> dict[str, str]:
    keys = {"client": f"client:{client}"}
    if account:
        keys["account_everywhere"] = _account_prefix(path, account)
        keys["account_here"] = f"{_account_prefix(path, account)}:client:{client}"
    return keys


def _recent_failures(key: str, since: datetime.datetime, limit: int) -> list[datetime.datetime]:
    """The times of the key's latest failures since `since`, newest first, at most `limit`."""
    return list(
        SignInFailure.objects.filter(key=key, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )


def _delay_after(failures: int) -> datetime.timedelta:
    """How long to wait after this many failures of one account from one client."""
    free = settings.COMMONWEAL_SIGN_IN_FREE_FAILURES
    if failures < free:
        return datetime.timedelta(0)
    seconds = settings.COMMONWEAL_SIGN_IN_FIRST_DELAY_SECONDS * 2 ** (failures - free)
    return datetime.timedelta(seconds=seconds)


class SignInWait(SignInRefused):
    """Too many failures lately: refused until `until` (the view says how long)."""

    def __init__(self, reason: str, until: datetime.datetime) -> None:
        super().__init__(reason)
        self.until = until

    @property
    def seconds(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))


def sign_in_locked(*, path: str, account: str | None, client: str) -> SignInWait | None:
    """Why and until when this account (on this path) may not be tried from this client
    now, or None. Reasons: "staff_wait" (a growing delay), "staff_limit" (locked at this
    client, or this client has failed too often on any account), "account_locked" (the
    account has failed too often from everywhere together).

    A count reaching its limit within one lock time locks for a whole lock time after the
    failure that reached it (none is recorded while locked, so that is the newest)."""
    now = timezone.now()
    window = _lock_window()
    keys = _failure_keys(path=path, account=account, client=client)
    limits = [
        ("account_everywhere", settings.COMMONWEAL_SIGN_IN_FAILURES_PER_ACCOUNT_ALL_CLIENTS),
        ("client", settings.COMMONWEAL_SIGN_IN_FAILURES_PER_CLIENT),
        ("account_here", settings.COMMONWEAL_SIGN_IN_FAILURES_PER_ACCOUNT),
    ]
    for name, limit in limits:
        if name not in keys:
            continue
        # Older failures than this cannot be part of a lock still running.
        failures = _recent_failures(keys[name], now - 2 * window, limit)
        newest = failures[0] if failures else None
        # At the limit there are failures, so failures[0] is `newest` (never None).
        if (
            len(failures) >= limit
            and failures[0] - failures[limit - 1] <= window
            and failures[0] + window > now
        ):
            reason = "account_locked" if name == "account_everywhere" else "staff_limit"
            return SignInWait(reason, failures[0] + window)
        if name == "account_here" and newest is not None:
            lately = sum(1 for at in failures if at > now - window)
            until = newest + _delay_after(lately)
            if until > now:
                return SignInWait("staff_wait", until)
    return None


def sign_in_check_allowed(*, path: str, account: str | None, client: str) -> None:
    """Raise the SignInWait when the account or client must wait."""
    wait = sign_in_locked(path=path, account=account, client=client)
    if wait is not None:
        raise wait


def sign_in_failure_record(*, path: str, account: str | None, client: str) -> None:
    now = timezone.now()
    SignInFailure.objects.bulk_create(
        [
            SignInFailure(key=key, created_at=now)
            for key in _failure_keys(path=path, account=account, client=client).values()
        ]
    )


def sign_in_failures_clear(*, path: str, account: str, client: str) -> None:
    """A success ends the count of this account at this client. The client's own count
    stays (guessing many accounts from one place is still limited), and so does the count
    from every client together (the owner signing in does not reset a spread-out attack)."""
    keys = _failure_keys(path=path, account=account, client=client)
    SignInFailure.objects.filter(key=keys["account_here"]).delete()


SIGN_IN_PATHS_WITH_ACCOUNTS = ("password", "totp")


def sign_in_unlock(*, user: User, by: User, reason: str) -> SignInUnlock:
    """An administrator ends a member of staff's lock-out on every client (the password
    and one-time code steps), recording who did it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise SignInRefused("unlock_reason")
    with transaction.atomic():
        cleared = 0
        for path in SIGN_IN_PATHS_WITH_ACCOUNTS:
            prefix = _account_prefix(path, user.email)
            deleted, _ = SignInFailure.objects.filter(
                Q(key=prefix) | Q(key__startswith=f"{prefix}:client:")
            ).delete()
            cleared += deleted
        return SignInUnlock.objects.create(
            user=user, by=by, reason=reason[:2000], failures_cleared=cleared
        )


# Staff: password, then a one-time code ------------------------------------------------------


def staff_sign_in_check(*, email: str, password: str, client: str) -> User:
    """A member of staff's email and password (the first factor), within the lock-outs
    above (settings: SIGN_IN_FREE_FAILURES, SIGN_IN_FIRST_DELAY_SECONDS,
    SIGN_IN_FAILURES_PER_ACCOUNT, SIGN_IN_FAILURES_PER_ACCOUNT_ALL_CLIENTS,
    SIGN_IN_FAILURES_PER_CLIENT, SIGN_IN_LOCK_MINUTES)."""
    from django.contrib.auth import authenticate

    email = normalise_email(email)
    sign_in_check_allowed(path="password", account=email, client=client)
    user = authenticate(username=email, password=password)
    if user is None or not user.is_staff:
        sign_in_failure_record(path="password", account=email, client=client)
        raise SignInRefused("staff_wrong")
    sign_in_failures_clear(path="password", account=email, client=client)
    return user


def _fernet() -> MultiFernet:
    """The key that encrypts authenticator secrets, derived from SECRET_KEY (and its
    fallbacks, so rotating the key keeps enrolled apps working)."""
    import base64

    from cryptography.fernet import Fernet, MultiFernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def derive(secret: str) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"commonweal-totp").derive(
            secret.encode()
        )
        return Fernet(base64.urlsafe_b64encode(key))

    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([derive(secret) for secret in secrets_])


def totp_secret(device: TotpDevice) -> str:
    return _fernet().decrypt(device.secret_encrypted.encode()).decode()


def totp_uri(*, user: User, secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=settings.COMMONWEAL_ORGANISATION_NAME
    )


def totp_enrol_start(*, user: User) -> str:
    """A new secret for the member of staff's authenticator app, not active until a code
    from it is checked (`totp_enrol_confirm`). Refused when one is already active."""
    import pyotp

    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.confirmed_at is not None:
            raise SignInRefused("already_enrolled")
        secret = pyotp.random_base32()
        encrypted = _fernet().encrypt(secret.encode()).decode()
        TotpDevice.objects.update_or_create(
            user=user, defaults={"secret_encrypted": encrypted, "confirmed_at": None}
        )
    return secret


def _totp_step_matching(secret: str, code: str) -> int | None:
    """The time step whose code this is, allowing one step either side for clock drift."""
    import pyotp

    totp = pyotp.TOTP(secret)
    now = int(time.time())
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return totp.timecode(datetime.datetime.fromtimestamp(at, tz=datetime.UTC))
    return None


def _clean_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "")


def _recovery_hash(user_id: int, code: str) -> str:
    message = f"recovery:{user_id}:{code.upper()}".encode()
    assert settings.SECRET_KEY is not None  # settings.py always sets one  # nosec B101
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


RECOVERY_CODES = 10


def recovery_codes_issue(*, user: User) -> list[str]:
    """Ten new one-use recovery codes (the old ones stop working); shown once, stored as keyed
    hashes."""
    import base64

    codes = [
        base64.b32encode(secrets.token_bytes(5)).decode().rstrip("=") for _ in range(RECOVERY_CODES)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=_recovery_hash(user.pk, code)) for code in codes]
        )
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def totp_enrol_confirm(*, user: User, code: str, client: str) -> list[str]:
    """Activate the authenticator app once a code from it matches; returns new recovery
    codes to show once."""
    code = _clean_code(code)
    sign_in_check_allowed(path="totp", account=user.email, client=client)
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise SignInRefused("not_enrolling")
    step = _totp_step_matching(totp_secret(device), code) if code.isdigit() else None
    if step is None:
        sign_in_failure_record(path="totp", account=user.email, client=client)
        raise SignInRefused("wrong_totp")
    with transaction.atomic():
        claimed = TotpDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now(), last_used_step=step
        )
        if not claimed:
            raise SignInRefused("not_enrolling")
        codes = recovery_codes_issue(user=user)
    sign_in_failures_clear(path="totp", account=user.email, client=client)
    return codes


def staff_second_factor_check(*, user: User, code: str, client: str) -> str:
    """The one-time code from the authenticator app, or a recovery code (used up). Returns
    which was used; failures are slowed down and locked out as the password is."""
    code = _clean_code(code)
    sign_in_check_allowed(path="totp", account=user.email, client=client)
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise SignInRefused("not_enrolled")
    if code.isdigit() and len(code) == 6:
        step = _totp_step_matching(totp_secret(device), code)
        # A code is accepted once: the step must be later than the last one used.
        if step is not None and TotpDevice.objects.filter(
            pk=device.pk, last_used_step__lt=step
        ).update(last_used_step=step):
            sign_in_failures_clear(path="totp", account=user.email, client=client)
            return "totp"
    elif len(code) == 8:
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_recovery_hash(user.pk, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            sign_in_failures_clear(path="totp", account=user.email, client=client)
            return "recovery_code"
    sign_in_failure_record(path="totp", account=user.email, client=client)
    raise SignInRefused("wrong_totp")


def totp_reset(*, user: User) -> None:
    """An administrator's reset for someone who lost their app and their recovery codes: they
    enrol again at their next sign-in."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def staff_totp_demo_set(*, user: User) -> str:
    """The demo's staff accounts come with an authenticator secret already active (printed on
    start), so a visitor can sign in with any authenticator app straight away."""
    with transaction.atomic():
        totp_reset(user=user)
        secret = totp_enrol_start(user=user)
        TotpDevice.objects.filter(user=user).update(confirmed_at=timezone.now())
    return secret


# OpenID Connect --------------------------------------------------------------------------------


def oidc_account_for(*, result: SignInResult) -> User:
    """The account a provider's sign-in belongs to. Citizens: the one linked to this subject,
    else the one for the verified email address (made if new). Staff: only an existing member
    of the provider's organisation; staff accounts are never made from a provider's claims."""
    from commonweal.organisations import selectors as organisations

    from . import oidc

    config = oidc.provider(result.provider)
    now = timezone.now()
    with transaction.atomic():
        link = (
            ExternalIdentity.objects.select_related("user")
            .filter(provider=result.provider, subject=result.subject)
            .first()
        )
        user: User | None
        if link is not None:
            user = link.user
        elif result.purpose == "staff":
            user = User.objects.filter(email=result.email).first() if result.email else None
        else:
            if not (result.email and result.email_verified):
                raise SignInRefused("oidc_no_email")
            user = User.objects.filter(email=result.email).first()
            if user is None:
                user = User.objects.create_user(result.email)
        if user is None or not user.is_active:
            raise SignInRefused("oidc_no_membership" if result.purpose == "staff" else "inactive")
        if result.purpose == "staff":
            assert config is not None  # the provider this sign-in just finished with  # nosec B101
            organisation = (
                organisations.organisation_by_slug(slug=config.organisation)
                if config.organisation is not None
                else None  # no slug matches no organisation
            )
            context = organisations.staff_context(user=user)
            if organisation is None or organisation.pk not in context.organisation_ids:
                raise SignInRefused("oidc_no_membership")
        elif user.is_staff:
            # Staff accounts sign in through the staff sign-in, never a citizen provider.
            raise SignInRefused("staff_account")
        if link is None:
            ExternalIdentity.objects.create(
                user=user, provider=result.provider, subject=result.subject, last_sign_in_at=now
            )
        else:
            ExternalIdentity.objects.filter(pk=link.pk).update(last_sign_in_at=now)
    return user


def provider_session_record(
    *, result: SignInResult, user: User, session_key: str
) -> ProviderSession:
    return ProviderSession.objects.create(
        provider=result.provider,
        sid=result.sid,
        subject=result.subject,
        session_key=session_key,
        user=user,
        started_at=timezone.now(),
    )


def provider_session_ended(*, session_key: str) -> None:
    ProviderSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def back_channel_logout(*, token: LogoutToken) -> int:
    """End every session here that the provider's logout token names (by `sid`, else by
    `sub`). A token id seen before is refused. Returns how many sessions ended."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsedTokenId.objects.create(
                    provider=token.provider,
                    jti=token.jti,
                    expires_at=datetime.datetime.fromtimestamp(token.expires_at, tz=datetime.UTC),
                )
        except IntegrityError as error:
            raise SignInRefused("logout_replayed") from error
        sessions = ProviderSession.objects.select_for_update().filter(
            provider=token.provider, ended_at__isnull=True
        )
        if token.sid:
            sessions = sessions.filter(sid=token.sid)
        else:
            sessions = sessions.filter(subject=token.subject)
        keys = list(sessions.values_list("session_key", flat=True))
        for key in keys:
            store(session_key=key).delete()
        sessions.update(ended_at=timezone.now())
    return len(keys)
