"""The words of a refused sign-in, for the citizens' and the staff sign-in pages: why, how
long to wait (also in the Retry-After header), and the status code to answer with."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import services
from .middleware import TIMED_OUT


def refusal_message(reason: str) -> str:
    return {
        "address_limit": _(
            "You have asked for too many codes for this email address. Wait an hour and try "
            "again, or contact us."
        ),
        "client_limit": _(
            "There have been too many attempts to sign in from your device. Wait an hour and "
            "try again, or contact us."
        ),
        "expired": _("The code has expired or has already been used. Ask for a new code."),
        "too_many_attempts": _("You entered the wrong code too many times. Ask for a new code."),
        "wrong_code": _("The code is not correct. Check the email and try again."),
        "staff_account": _("This is a staff account. Sign in through the staff sign-in."),
        "inactive": _("This account cannot be used. Contact us for help."),
        "staff_wrong": _("The email address or password is not correct."),
        "wrong_totp": _(
            "The code is not correct. Enter the 6-digit code your authenticator app shows now, "
            "or one of your recovery codes."
        ),
        "not_enrolling": _("Start setting up your authenticator app again."),
        "not_enrolled": _("Set up your authenticator app first."),
        "already_enrolled": _("Your authenticator app is already set up."),
    }[reason]


def wait_message(wait: services.SignInWait) -> str:
    """How long to wait, from the lock-out's own clock."""
    seconds = wait.seconds
    minutes = -(-seconds // 60)
    if wait.reason == "staff_wait":
        return ngettext(
            "There have been too many attempts to sign in. Wait %(seconds)s second and try again.",
            "There have been too many attempts to sign in. Wait %(seconds)s seconds and try again.",
            seconds,
        ) % {"seconds": seconds}
    if wait.reason == "account_locked":
        return ngettext(
            "This account is locked after too many attempts to sign in to it from different "
            "places. Wait %(minutes)s minute and try again, or ask an administrator to unlock "
            "it.",
            "This account is locked after too many attempts to sign in to it from different "
            "places. Wait %(minutes)s minutes and try again, or ask an administrator to unlock "
            "it.",
            minutes,
        ) % {"minutes": minutes}
    return ngettext(
        "There have been too many attempts to sign in. Wait %(minutes)s minute and try again.",
        "There have been too many attempts to sign in. Wait %(minutes)s minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


def refused_error(refused: services.SignInRefused, href: str) -> dict:
    if isinstance(refused, services.SignInWait):
        return {"text": wait_message(refused), "href": href}
    return {"text": refusal_message(refused.reason), "href": href}


def with_retry_after(response, refused: services.SignInRefused | None):
    """A refusal to wait says for how long in the Retry-After header too."""
    if isinstance(refused, services.SignInWait):
        response["Retry-After"] = str(refused.seconds)
    return response


LOCKED_REASONS = {"staff_limit", "staff_wait", "account_locked", "client_limit", "address_limit"}


def status_for(reason: str) -> int:
    """429 for a lock-out or a limit reached, 400 for anything else."""
    return 429 if reason in LOCKED_REASONS else 400


def timed_out_message(request) -> str | None:
    minutes = request.session.pop(TIMED_OUT, None)
    if not minutes:
        return None
    return _(
        "You were signed out because you had not done anything for %(minutes)s minutes. "
        "Sign in again to carry on."
    ) % {"minutes": minutes}
