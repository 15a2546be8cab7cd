"""Signing in with a code sent by email, signing out, and the page after. (Signing in
through an OpenID Connect provider is provider_sign_in.py; staff sign in on the workspace's
pages.)"""

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.accounts import oidc as accounts_oidc
from commonweal.accounts import refusals
from commonweal.accounts import services as accounts_services
from commonweal.accounts.middleware import session_end, session_signed_in
from commonweal.core.clients import client_key
from commonweal.organisations import selectors as organisations
from commonweal.people import services as people_services

from ..forms import CodeForm, EmailForm

# Where to go once signed in, and the address a code was sent to.
NEXT_KEY = "sign_in_next"
EMAIL_KEY = "sign_in_email"


def safe_next(request, value: str | None) -> str | None:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


def _language() -> str:
    return "cy" if (get_language() or "").startswith("cy") else "en"


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request):
    next_url = safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[NEXT_KEY] = next_url
    if request.user.is_authenticated and request.method != "POST":
        return redirect(request.session.pop(NEXT_KEY, None) or reverse("portal:application-list"))
    form = EmailForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                accounts_services.sign_in_code_request(email=email, client=client_key(request))
            except accounts_services.SignInRefused as refused:
                form.add_error("email", refusals.refusal_message(refused.reason))
                status = 429
            else:
                request.session[EMAIL_KEY] = accounts_services.normalise_email(email)
                return redirect("portal:sign-in-code")
        else:
            status = 400
    return render(
        request,
        "portal/sign_in/sign_in.html",
        {
            "form": form,
            "errors": [{"text": e, "href": "#email"} for e in form.errors.get("email", [])],
            "page_title": _("Sign in or create an account"),
            "nav": "sign-in",
            "timed_out": refusals.timed_out_message(request),
            "providers": [
                {
                    "label": p.display_label(_language()),
                    "url": reverse("portal:oidc-start", args=[p.name]),
                }
                for p in accounts_oidc.providers_for(purpose="citizen")
            ],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_code(request):
    email = request.session.get(EMAIL_KEY)
    if not email:
        return redirect("portal:sign-in")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = accounts_services.sign_in_code_verify(
                    email=email, code=form.cleaned_data["code"], client=client_key(request)
                )
            except accounts_services.SignInRefused as refused:
                form.add_error("code", refusals.refusal_message(refused.reason))
                status = 429 if refused.reason == "client_limit" else 400
            else:
                next_url = request.session.get(NEXT_KEY)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                session_signed_in(request, method="email_code", staff_verified=False)
                person = people_services.person_for_account(account=user)
                people_services.person_identity_raise(
                    person=person,
                    level="low",
                    source="email_code",
                    by=user,
                    reason="Signed in with a code sent to their email address",
                )
                request.session.pop(EMAIL_KEY, None)
                request.session.pop(NEXT_KEY, None)
                if not next_url and organisations.staff_context(user=user).is_staff:
                    next_url = reverse("workspace:my-work")
                return redirect(next_url or reverse("portal:application-list"))
        else:
            status = 400
    return render(
        request,
        "portal/sign_in/sign_in_code.html",
        {
            "form": form,
            "email": email,
            "errors": [{"text": e, "href": "#code"} for e in form.errors.get("code", [])],
            "page_title": _("Check your email"),
            "back_url": reverse("portal:sign-in"),
            "nav": "sign-in",
        },
        status=status,
    )


@require_POST
def sign_out(request):
    provider_sign_in = session_end(request)
    if provider_sign_in:
        config = accounts_oidc.provider(provider_sign_in["provider"])
        url = config and accounts_oidc.end_session_url(
            config, id_token=provider_sign_in["id_token"]
        )
        if url:
            # Signed out here already; the provider then signs them out there and comes back.
            return redirect(url)
    return redirect(reverse("portal:signed-out"))


@require_http_methods(["GET", "HEAD"])
def signed_out(request):
    return render(
        request, "portal/sign_in/signed_out.html", {"page_title": _("You have signed out")}
    )
