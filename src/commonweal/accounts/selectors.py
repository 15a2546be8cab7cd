"""Reads about accounts: staff second factors and provider sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import TotpDevice
from .models import User as User  # the account type other apps' hints name

if TYPE_CHECKING:
    from .oidc import ProviderConfig


def totp_active(*, user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_pending_secret(*, user: User) -> str | None:
    """The secret being set up (shown again after a wrong code)."""
    from .services import totp_secret

    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    return totp_secret(device) if device else None


def active_staff_user(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True, is_staff=True).first()


def totp_device_of(*, email: str) -> TotpDevice | None:
    return TotpDevice.objects.filter(user__email=email, confirmed_at__isnull=False).first()


def sign_in_providers(*, purpose: str) -> list[ProviderConfig]:
    """The OpenID Connect providers configured for "citizen" or "staff" sign-in."""
    from . import oidc

    return oidc.providers_for(purpose=purpose)
