"""Sign in with a code sent by email; sign out."""

from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.core.clients import client_key
from commonweal.organisations import selectors as organisations
from commonweal.people import services as people_services

from . import services
from .forms import CodeForm, EmailForm

NEXT_KEY = "sign_in_next"
EMAIL_KEY = "sign_in_email"


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
        "staff_limit": _(
            "There have been too many attempts to sign in. Wait 15 minutes and try again."
        ),
    }[reason]


@require_http_methods(["GET", "HEAD", "POST"])
def staff_sign_in(request):
    """Staff sign in with their email address and password (an organisation's own
    sign-in provider can replace this)."""
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    values = {"email": (request.POST.get("email") or "").strip()[:254]}
    errors = []
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
                errors.append({"text": _refusal_message(refused.reason), "href": "#email"})
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url or reverse("workspace:my-work"))
    return render(
        request,
        "accounts/staff_sign_in.html",
        {
            "values": values,
            "errors": errors,
            "next_url": next_url or "",
            "page_title": _("Staff sign in"),
            "service_name": _("Casework"),
        },
        status=(429 if "Wait 15" in errors[0]["text"] else 400) if errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request):
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[NEXT_KEY] = next_url
    if request.user.is_authenticated and request.method != "POST":
        return redirect(request.session.pop(NEXT_KEY, None) or reverse("intake:application-list"))
    form = EmailForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                services.sign_in_code_request(email=email, client=client_key(request))
            except services.SignInRefused as refused:
                form.add_error("email", _refusal_message(refused.reason))
                status = 429
            else:
                request.session[EMAIL_KEY] = services.normalise_email(email)
                return redirect("accounts:sign-in-code")
        else:
            status = 400
    return render(
        request,
        "accounts/sign_in.html",
        {
            "form": form,
            "errors": [{"text": e, "href": "#email"} for e in form.errors.get("email", [])],
            "page_title": _("Sign in or create an account"),
            "nav": "sign-in",
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request):
    email = request.session.get(EMAIL_KEY)
    if not email:
        return redirect("accounts:sign-in")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.sign_in_code_verify(
                    email=email, code=form.cleaned_data["code"], client=client_key(request)
                )
            except services.SignInRefused as refused:
                form.add_error("code", _refusal_message(refused.reason))
                status = 429 if refused.reason == "client_limit" else 400
            else:
                next_url = request.session.get(NEXT_KEY)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                people_services.person_for_account(account=user)
                request.session.pop(EMAIL_KEY, None)
                request.session.pop(NEXT_KEY, None)
                if not next_url and organisations.staff_context(user=user).is_staff:
                    next_url = reverse("workspace:my-work")
                return redirect(next_url or reverse("intake:application-list"))
        else:
            status = 400
    return render(
        request,
        "accounts/sign_in_code.html",
        {
            "form": form,
            "email": email,
            "errors": [{"text": e, "href": "#code"} for e in form.errors.get("code", [])],
            "page_title": _("Check your email"),
            "back_url": reverse("accounts:sign-in"),
            "nav": "sign-in",
        },
        status=status,
    )


@require_POST
def sign_out(request):
    logout(request)
    return redirect(reverse("accounts:signed-out"))


@require_http_methods(["GET", "HEAD"])
def signed_out(request):
    return render(request, "accounts/signed_out.html", {"page_title": _("You have signed out")})
