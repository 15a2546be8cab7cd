"""Staff sign-in: password, then a one-time code (or setting up the authenticator app); and
recording identity documents seen in person. (Citizens sign in, and everyone signs out, on
the portal's pages: portal/views/sign_in.py.)"""

import time
from urllib.parse import quote

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from commonweal.core.clients import client_key
from commonweal.organisations import selectors as organisations
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from . import oidc, selectors, services
from .middleware import TIMED_OUT, session_signed_in

# A member of staff who gave the right password but not yet the second factor.
PENDING_STAFF_KEY = "accounts_pending_staff"
PENDING_STAFF_SECONDS = 5 * 60


def _safe_next(request, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _refusal_message(reason: str) -> str:
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


def _wait_message(wait: services.SignInWait) -> str:
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


def _refused_error(refused: services.SignInRefused, href: str) -> dict:
    if isinstance(refused, services.SignInWait):
        return {"text": _wait_message(refused), "href": href}
    return {"text": _refusal_message(refused.reason), "href": href}


def _with_retry_after(response, refused: services.SignInRefused | None):
    """A refusal to wait says for how long in the Retry-After header too."""
    if isinstance(refused, services.SignInWait):
        response["Retry-After"] = str(refused.seconds)
    return response


LOCKED_REASONS = {"staff_limit", "staff_wait", "account_locked", "client_limit", "address_limit"}


def _staff_page(request, template: str, context: dict, status: int = 200):
    context.setdefault("service_name", _("Casework"))
    return render(request, template, context, status=status)


def _status_for(reason: str) -> int:
    return 429 if reason in LOCKED_REASONS else 400


def _timed_out_message(request) -> str | None:
    minutes = request.session.pop(TIMED_OUT, None)
    if not minutes:
        return None
    return _(
        "You were signed out because you had not done anything for %(minutes)s minutes. "
        "Sign in again to carry on."
    ) % {"minutes": minutes}


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
                user = services.staff_sign_in_check(
                    email=values["email"], password=password[:200], client=client_key(request)
                )
            except services.SignInRefused as refused:
                errors.append(_refused_error(refused, "#email"))
                status = _status_for(refused.reason)
                wait = refused
            else:
                # Not signed in yet: the second factor comes first.
                request.session.cycle_key()
                request.session[PENDING_STAFF_KEY] = {
                    "user": user.pk,
                    "at": int(time.time()),
                    "next": next_url or "",
                }
                if selectors.totp_active(user=user):
                    return redirect("accounts:staff-second-factor")
                return redirect("accounts:staff-totp-set-up")
        else:
            status = 400
    page = _staff_page(
        request,
        "accounts/staff_sign_in.html",
        {
            "values": values,
            "errors": errors,
            "next_url": next_url or "",
            "page_title": _("Staff sign in"),
            "timed_out": _timed_out_message(request),
            "providers": [
                {
                    "label": p.display_label(_language()),
                    "url": reverse("portal:oidc-start", args=[p.name])
                    + (f"?next={quote(next_url)}" if next_url else ""),
                }
                for p in oidc.providers_for(purpose="staff")
            ],
        },
        status=status,
    )
    return _with_retry_after(page, wait)


def _pending_staff(request):
    pending = request.session.get(PENDING_STAFF_KEY)
    if not pending or time.time() - pending["at"] > PENDING_STAFF_SECONDS:
        request.session.pop(PENDING_STAFF_KEY, None)
        return None, ""
    user = selectors.active_staff_user(user_id=pending["user"])
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
        return redirect("accounts:staff-sign-in")
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
                method = services.staff_second_factor_check(
                    user=user, code=code, client=client_key(request)
                )
            except services.SignInRefused as refused:
                errors.append(_refused_error(refused, "#code"))
                status = _status_for(refused.reason)
                wait = refused
            else:
                return _finish_staff_sign_in(request, user, f"password+{method}", next_url)
    page = _staff_page(
        request,
        "accounts/staff_second_factor.html",
        {"errors": errors, "page_title": _("Enter the code from your authenticator app")},
        status=status,
    )
    return _with_retry_after(page, wait)


@require_http_methods(["GET", "HEAD", "POST"])
def staff_totp_set_up(request):
    """First sign-in: show a new secret as text and as an otpauth link; active once a code
    from the app is checked, then recovery codes are shown once."""
    user, next_url = _pending_staff(request)
    if user is None:
        return redirect("accounts:staff-sign-in")
    if selectors.totp_active(user=user):
        return redirect("accounts:staff-second-factor")
    errors, status = [], 200
    if request.method == "POST":
        code = (request.POST.get("code") or "").strip()[:20]
        try:
            if not code:
                raise services.SignInRefused("wrong_totp")
            codes = services.totp_enrol_confirm(user=user, code=code, client=client_key(request))
        except services.SignInRefused as refused:
            errors.append(_refused_error(refused, "#code"))
            status = _status_for(refused.reason)
        else:
            response = _finish_staff_sign_in(request, user, "password+totp", next_url)
            return _staff_page(
                request,
                "accounts/staff_recovery_codes.html",
                {
                    "codes": codes,
                    "continue_url": response["Location"],
                    "page_title": _("Save your recovery codes"),
                },
            )
        secret = selectors.totp_pending_secret(user=user) or services.totp_enrol_start(user=user)
    else:
        secret = services.totp_enrol_start(user=user)
    return _staff_page(
        request,
        "accounts/staff_totp_set_up.html",
        {
            "errors": errors,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "otpauth_uri": services.totp_uri(user=user, secret=secret),
            "page_title": _("Set up your authenticator app"),
        },
        status=status,
    )


def _language() -> str:
    from django.utils.translation import get_language

    return "cy" if (get_language() or "").startswith("cy") else "en"


@require_http_methods(["GET", "HEAD", "POST"])
def identity_in_person(request, reference):
    """A member of staff records that they saw a case's person's identity documents in
    person, which proves their identity (the highest level). Kept in the person's history."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from commonweal.cases import selectors as cases_selectors

    context = organisations.staff_context(user=request.user)
    if not context.is_staff:
        raise PermissionDenied("Not a member of any team")
    page = cases_selectors.case_for_staff(context=context, reference=reference.upper())
    if page is None:
        raise Http404("No such case")
    if not page.can_act or not page.sees("person"):
        raise PermissionDenied("Referral access is read-only")
    person = page.case.person
    documents = (request.POST.get("documents") or "").strip()[:300]
    errors = []
    if request.method == "POST":
        if not documents:
            errors.append({"text": _("Say which documents you saw"), "href": "#documents"})
        if request.POST.get("seen") != "yes":
            errors.append(
                {
                    "text": _("Confirm you saw the original documents and they match the person"),
                    "href": "#seen",
                }
            )
        if not errors:
            people_services.person_identity_seen_in_person(
                person=person, by=request.user, documents=documents
            )
            return redirect("workspace:case", reference=page.case.reference)
    return _staff_page(
        request,
        "accounts/identity_in_person.html",
        {
            "errors": errors,
            "documents": documents,
            "case": page.case,
            "person": person,
            "level": people_selectors.identity_described(
                level=person.identity_level, source=person.identity_source
            ),
            "page_title": _("Record identity documents seen in person"),
            "back_url": reverse("workspace:case", args=[page.case.reference]),
            "service_url": reverse("workspace:my-work"),
        },
        status=400 if errors else 200,
    )
