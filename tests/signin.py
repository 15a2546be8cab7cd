"""Helpers for tests that need a member of staff signed in with both factors."""

import time
from types import SimpleNamespace

import pyotp


def complete_second_factor(client) -> None:
    """Mark the test client's session as signed in with a second factor (what the staff
    sign-in records after the one-time code)."""
    from commonweal.accounts.middleware import session_signed_in

    session = client.session
    # session_signed_in only touches request.session.
    session_signed_in(SimpleNamespace(session=session), method="password+totp", staff_verified=True)
    session.save()


def totp_code(secret: str, *, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now (or `offset_steps` steps away)."""
    totp = pyotp.TOTP(secret.replace(" ", ""))
    return totp.at(int(time.time()) + offset_steps * totp.interval)
