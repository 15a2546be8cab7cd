"""Staff sign in: an email address and password, then a one-time code from an authenticator
app (set up on the first sign-in, with recovery codes shown once); or the organisation's
own OpenID Connect provider. Nothing under /staff/ opens before one of these happened in
the session (`accounts.middleware`)."""

import time
from urllib.parse import quote

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.accounts import refusals
from commonweal.accounts import selectors as accounts_selectors
from commonweal.accounts import services as accounts
from commonweal.accounts.middleware import session_signed_in
from commonweal.core.clients import client_key

# A member of staff who gave the right password but not yet the second factor.
PENDING_STAFF_KEY = "accounts_pending_staff"
PENDING_STAFF_SECONDS = 5 * 60


def _safe_next(request, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _language() -> str:
    return "cy" if (get_language() or "").startswith("cy") else "en"


def _staff_page(request, template: str, context: dict, status: int = 200):
    context.setdefault("service_name", _("Casework"))
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_sign_in(request):
    """Staff sign in with their email address and password, then a one-time code; or with
    their organisation's provider."""
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    values = {"email": (request.POST.get("email") or "").strip()[:254]}
    errors = []
    status = 200
    wait = None
    if request.method == "POST":
        password = request.POST.get("password") or ""
        if not values["email"]:
            errors.append({"text": _("Enter your email address"), "href": "#email"})
        if not password:
            errors.append({"text": _("Enter your password"), "href": "#password"})
        if not errors:
            try:
                user = accounts.staff_sign_in_check(
                    email=values["email"], password=password[:200], client=client_key(request)
                )
            except accounts.SignInRefused as refused:
                errors.append(refusals.refused_error(refused, "#email"))
                status = refusals.status_for(refused.reason)
                wait = refused
            else:
                # Not signed in yet: the second factor comes first.
                request.session.cycle_key()
                request.session[PENDING_STAFF_KEY] = {
                    "user": user.pk,
                    "at": int(time.time()),
                    "next": next_url or "",
                }
                if accounts_selectors.totp_active(user=user):
                    return redirect("workspace:sign-in-second-factor")
                return redirect("workspace:sign-in-totp-set-up")
        else:
            status = 400
    page = _staff_page(
        request,
        "workspace/sign_in/sign_in.html",
        {
            "values": values,
            "errors": errors,
            "next_url": next_url or "",
            "page_title": _("Staff sign in"),
            "timed_out": refusals.timed_out_message(request),
            "providers": [
                {
                    "label": p.display_label(_language()),
                    "url": reverse("portal:oidc-start", args=[p.name])
                    + (f"?next={quote(next_url)}" if next_url else ""),
                }
                for p in accounts_selectors.sign_in_providers(purpose="staff")
            ],
        },
        status=status,
    )
    return refusals.with_retry_after(page, wait)


def _pending_staff(request):
    pending = request.session.get(PENDING_STAFF_KEY)
    if not pending or time.time() - pending["at"] > PENDING_STAFF_SECONDS:
        request.session.pop(PENDING_STAFF_KEY, None)
        return None, ""
    user = accounts_selectors.active_staff_user(user_id=pending["user"])
    return user, pending.get("next") or ""


def _finish_staff_sign_in(request, user, method: str, next_url: str):
    request.session.pop(PENDING_STAFF_KEY, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    session_signed_in(request, method=method, staff_verified=True)
    return redirect(next_url or reverse("workspace:my-work"))


@require_http_methods(["GET", "HEAD", "POST"])
def staff_second_factor(request):
    """The one-time code from the authenticator app (or a recovery code)."""
    user, next_url = _pending_staff(request)
    if user is None:
        return redirect("workspace:sign-in")
    errors, status, wait = [], 200, None
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()[:20]
        if not code:
            errors.append(
                {"text": _("Enter the code from your authenticator app"), "href": "#code"}
            )
            status = 400
        else:
            try:
                method = accounts.staff_second_factor_check(
                    user=user, code=code, client=client_key(request)
                )
            except accounts.SignInRefused as refused:
                errors.append(refusals.refused_error(refused, "#code"))
                status = refusals.status_for(refused.reason)
                wait = refused
            else:
                return _finish_staff_sign_in(request, user, f"password+{method}", next_url)
    page = _staff_page(
        request,
        "workspace/sign_in/second_factor.html",
        {"errors": errors, "page_title": _("Enter the code from your authenticator app")},
        status=status,
    )
    return refusals.with_retry_after(page, wait)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_totp_set_up(request):
    """First sign-in: show a new secret as text and as an otpauth link; active once a code
    from the app is checked, then recovery codes are shown once."""
    user, next_url = _pending_staff(request)
    if user is None:
        return redirect("workspace:sign-in")
    if accounts_selectors.totp_active(user=user):
        return redirect("workspace:sign-in-second-factor")
    errors, status = [], 200
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()[:20]
        try:
            if not code:
                raise accounts.SignInRefused("wrong_totp")
            codes = accounts.totp_enrol_confirm(user=user, code=code, client=client_key(request))
        except accounts.SignInRefused as refused:
            errors.append(refusals.refused_error(refused, "#code"))
            status = refusals.status_for(refused.reason)
        else:
            response = _finish_staff_sign_in(request, user, "password+totp", next_url)
            return _staff_page(
                request,
                "workspace/sign_in/recovery_codes.html",
                {
                    "codes": codes,
                    "continue_url": response["Location"],
                    "page_title": _("Save your recovery codes"),
                },
            )
        secret = accounts_selectors.totp_pending_secret(user=user) or accounts.totp_enrol_start(
            user=user
        )
    else:
        secret = accounts.totp_enrol_start(user=user)
    return _staff_page(
        request,
        "workspace/sign_in/totp_set_up.html",
        {
            "errors": errors,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "otpauth_uri": accounts.totp_uri(user=user, secret=secret),
            "page_title": _("Set up your authenticator app"),
        },
        status=status,
    )
