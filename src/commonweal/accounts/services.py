"""Sign-in by emailed code: request a code, verify it, sign out. Every write lives here."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.core import services as core_services

from .models import SignInCode, User


class SignInRefused(Exception):
    """A sign-in step that cannot go ahead; `reason` says why, for the page to explain."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _code_hash(email: str, code: str) -> str:
    message = f"{email}:{code}".encode()
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
    deleted, _ = SignInCode.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


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


def staff_group_set(*, name: str, view_apps: list[str], users: list[User]) -> None:
    """A group that can see (not change) everything in the given apps, with these members.
    Until the caseworker workspace arrives, caseworkers read cases in the admin."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=view_apps, codename__startswith="view_"
        )
    )
    for user in users:
        user.groups.add(group)


STAFF_SIGN_IN_LIMIT = 10
STAFF_SIGN_IN_WINDOW = datetime.timedelta(minutes=15)


def staff_sign_in_check(*, email: str, password: str, client: str) -> User:
    """A member of staff's email and password, with attempts limited per address and per
    device so a password cannot be guessed by trying."""
    from django.contrib.auth import authenticate

    from commonweal.core import services as core_services

    email = normalise_email(email)
    window = STAFF_SIGN_IN_WINDOW
    # rate_limit_hit counts the attempt and says whether it is still within the limit.
    if not core_services.rate_limit_hit(
        key=f"staff-sign-in:client:{client}", limit=STAFF_SIGN_IN_LIMIT * 3, window=window
    ) or not core_services.rate_limit_hit(
        key=f"staff-sign-in:email:{email}", limit=STAFF_SIGN_IN_LIMIT, window=window
    ):
        raise SignInRefused("staff_limit")
    user = authenticate(username=email, password=password)
    if user is None or not user.is_staff:
        raise SignInRefused("staff_wrong")
    core_services.rate_limit_clear(key=f"staff-sign-in:email:{email}")
    return user
