"""What a session records about how it signed in, the staff pages' second factor, and the
idle time-outs."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from . import services

# How this session signed in: "email_code", "password+totp", "password+recovery_code",
# "oidc:<provider>". Staff pages need one of the strong ones.
SIGNED_IN_WITH = "accounts_signed_in_with"
STAFF_VERIFIED = "accounts_staff_verified"
LAST_ACTIVITY = "accounts_last_activity"
TIMED_OUT = "accounts_timed_out"
# How finely the last activity is kept (see IdleTimeoutMiddleware).
ACTIVITY_RESOLUTION_SECONDS = 60
# The provider and ID token of a provider sign-in, to sign out there too.
PROVIDER_SIGN_IN = "accounts_provider_sign_in"


def session_signed_in(request, *, method: str, staff_verified: bool) -> None:
    """Call right after `login()`: what the session can do, and its clock starts."""
    request.session[SIGNED_IN_WITH] = method
    request.session[STAFF_VERIFIED] = staff_verified
    request.session[LAST_ACTIVITY] = int(time.time())


def session_end(request) -> dict | None:
    """Sign out; returns the provider sign-in this session began with, if any."""
    session_key = request.session.session_key
    provider_sign_in = request.session.get(PROVIDER_SIGN_IN)
    logout(request)
    if session_key:
        services.provider_session_ended(session_key=session_key)
    return provider_sign_in


class IdleTimeoutMiddleware:
    """Signs out a session left idle too long: 30 minutes for staff, 60 for citizens
    (settings). The sign-in page then says why.

    It also keeps every session's last activity, to the minute: that write is what saves
    the session (and so slides its expiry and cookie) while someone is active, instead of
    saving the whole session on every request (SESSION_SAVE_EVERY_REQUEST, which cost every
    page an UPDATE). A minute more or less of idleness changes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        last = request.session.get(LAST_ACTIVITY)
        if request.user.is_authenticated:
            staff = request.session.get(STAFF_VERIFIED, False)
            minutes = (
                settings.COMMONWEAL_STAFF_IDLE_MINUTES
                if staff
                else settings.COMMONWEAL_CITIZEN_IDLE_MINUTES
            )
            if last is not None and now - last > minutes * 60:
                session_end(request)
                request.session[TIMED_OUT] = minutes
                return self.get_response(request)
        if (request.user.is_authenticated or request.session.session_key) and (
            last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS
        ):
            request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


# Pages under /staff/ that lead to signing in rather than need it.
_OPEN_STAFF_PATHS = ("/staff/sign-in/",)


class StaffSecondFactorMiddleware:
    """Nothing under /staff/ (the workspace and the admin) without a second factor in this
    session: a password and one-time code, or the organisation's provider. A session that
    signed in another way is sent to the staff sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            path.startswith("/staff/")
            and not path.startswith(_OPEN_STAFF_PATHS)
            and not (request.user.is_authenticated and request.session.get(STAFF_VERIFIED))
        ):
            # The admin's own login form would skip the second factor: it is never used.
            next_url = request.get_full_path()
            if path.startswith("/staff/admin/login/"):
                next_url = request.GET.get("next") or "/staff/admin/"
            return redirect_to_login(next_url, reverse("workspace:sign-in"))
        return self.get_response(request)
