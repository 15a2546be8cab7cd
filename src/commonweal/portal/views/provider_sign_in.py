"""Signing in through an OpenID Connect provider (citizens, and staff whose organisation
has one): the start, the provider's callback, and the page that explains a service needs a
higher identity level. (Our public key and back-channel logout are accounts' endpoints.)"""

import time

from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from commonweal.accounts import oidc as accounts_oidc
from commonweal.accounts import services as accounts_services
from commonweal.accounts.middleware import PROVIDER_SIGN_IN, session_signed_in
from commonweal.catalogue import selectors as catalogue
from commonweal.core.clients import client_key
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services

from .sign_in import NEXT_KEY, safe_next

STATES_KEY = "accounts_oidc_states"
STATE_SECONDS = 15 * 60
MAX_STATES = 5


def _language() -> str:
    return "cy" if (get_language() or "").startswith("cy") else "en"


def _refusal_text(reason: str) -> str:
    return {
        "state": _("This sign-in has already been used or has expired. Start signing in again."),
        "provider_error": _("The sign-in service did not sign you in."),
        "provider_unreachable": _(
            "We could not reach the sign-in service. Try again later, or sign in another way."
        ),
        "token": _("The sign-in service did not confirm who you are. Start signing in again."),
        "signature": _(
            "The sign-in response was not signed by the sign-in service, so we did not accept "
            "it. You have not been signed in."
        ),
        "audience": _(
            "The sign-in response was meant for another service, so we did not accept it. "
            "You have not been signed in."
        ),
        "issuer": _(
            "The sign-in response came from an unexpected sign-in service, so we did not "
            "accept it. You have not been signed in."
        ),
        "expired": _("The sign-in response has expired. Start signing in again."),
        "nonce": _(
            "The sign-in response does not belong to this sign-in, so we did not accept it. "
            "Start signing in again."
        ),
        "claims": _("The sign-in response was not complete, so we did not accept it."),
        "vot": _("The sign-in service did not confirm the level of security this service needs."),
        "identity": _(
            "We could not check the proof of your identity, so we have not used it. You have "
            "not been signed in."
        ),
        "oidc_no_email": _(
            "The sign-in service did not give us a confirmed email address, so we cannot "
            "make your account."
        ),
        "oidc_no_membership": _(
            "There is no staff account for you here. Ask your administrator to add you to a team."
        ),
        "staff_account": _("This is a staff account. Sign in through the staff sign-in."),
        "inactive": _("This account cannot be used. Contact us for help."),
        "locked": _(
            "There have been too many failed attempts to sign in from your device. Wait "
            "%(minutes)s minutes and try again."
        )
        % {"minutes": settings.COMMONWEAL_SIGN_IN_LOCK_MINUTES},
    }[reason]


def _refused(request, reason: str, *, config=None, status: int = 400):
    return render(
        request,
        "portal/sign_in/oidc_refused.html",
        {
            "page_title": _("You have not been signed in"),
            "message": _refusal_text(reason),
            "retry_url": reverse("portal:oidc-start", args=[config.name]) if config else None,
            "sign_in_url": reverse(
                "workspace:sign-in" if config and config.purpose == "staff" else "portal:sign-in"
            ),
        },
        status=status,
    )


def _config_or_404(name: str) -> accounts_oidc.ProviderConfig:
    config = accounts_oidc.provider(name)
    if config is None:
        raise Http404("No such provider")
    return config


@never_cache
@require_http_methods(["GET", "HEAD"])
def oidc_start(request, name):
    """Send the person to the provider with a fresh state, nonce and PKCE challenge, asking
    for the identity level they need (`?level=high`)."""
    config = _config_or_404(name)
    client = client_key(request)
    if accounts_services.sign_in_locked(path="oidc", account=None, client=client):
        return _refused(request, "locked", config=config, status=429)
    level = request.GET.get("level")
    try:
        start = accounts_oidc.authorisation(config, level=level, language=_language())
    except accounts_oidc.Refused as refused:
        return _refused(request, refused.reason, config=config, status=502)
    now = int(time.time())
    states = {
        key: value
        for key, value in request.session.get(STATES_KEY, {}).items()
        if now - value["at"] < STATE_SECONDS
    }
    # A few tabs may be signing in at once; older attempts beyond that are forgotten.
    for key in sorted(states, key=lambda k: states[k]["at"])[
        : max(0, len(states) - MAX_STATES + 1)
    ]:
        del states[key]
    states[start.state] = {
        "provider": config.name,
        "nonce": start.nonce,
        "verifier": start.code_verifier,
        "vtr": start.vtr,
        "next": safe_next(request, request.GET.get("next")) or "",
        "at": now,
    }
    request.session[STATES_KEY] = states
    return redirect(start.url)


@never_cache
@require_http_methods(["GET", "HEAD"])
def oidc_callback(request, name):
    """The provider sends the person back with a code: exchange it, check everything, then
    sign them in. Any failed check is refused before anything is written."""
    config = _config_or_404(name)
    client = client_key(request)
    if accounts_services.sign_in_locked(path="oidc", account=None, client=client):
        return _refused(request, "locked", config=config, status=429)

    def refuse(reason: str):
        accounts_services.sign_in_failure_record(path="oidc", account=None, client=client)
        return _refused(request, reason, config=config)

    states = dict(request.session.get(STATES_KEY, {}))
    attempt = states.pop(request.GET.get("state") or "", None)
    # The state is used up whatever happens next: a replayed response finds nothing.
    request.session[STATES_KEY] = states
    if (
        attempt is None
        or attempt["provider"] != config.name
        or time.time() - attempt["at"] > STATE_SECONDS
    ):
        return refuse("state")
    if request.GET.get("iss") and request.GET["iss"] != config.issuer:
        return refuse("issuer")  # RFC 9207: a response from another provider (mix-up)
    if request.GET.get("error") or not request.GET.get("code"):
        return refuse("provider_error")
    try:
        result = accounts_oidc.sign_in_finish(
            config,
            code=request.GET["code"],
            nonce=attempt["nonce"],
            code_verifier=attempt["verifier"],
            vtr=attempt["vtr"],
        )
        with transaction.atomic():
            user = accounts_services.oidc_account_for(result=result)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            session_signed_in(
                request, method=f"oidc:{config.name}", staff_verified=config.purpose == "staff"
            )
            request.session[PROVIDER_SIGN_IN] = {
                "provider": config.name,
                "id_token": result.id_token,
            }
            request.session.save()
            accounts_services.provider_session_record(
                result=result, user=user, session_key=request.session.session_key
            )
            if config.purpose == "citizen":
                person = people_services.person_for_account(account=user)
                people_services.person_identity_raise(
                    person=person,
                    level=result.level,
                    source="online_proof" if result.level == "high" else "provider_sign_in",
                    by=user,
                    reason=f"Signed in with {config.label}",
                )
    except accounts_oidc.Refused as refused:
        return refuse(refused.reason)
    except accounts_services.SignInRefused as refused:
        return refuse(refused.reason)
    next_url = attempt["next"] or request.session.pop(NEXT_KEY, None)
    if config.purpose == "staff":
        return redirect(next_url or reverse("workspace:my-work"))
    return redirect(next_url or reverse("portal:application-list"))


@require_http_methods(["GET", "HEAD"])
def identity_needed(request, slug):
    """A service needs a higher identity level than the person's: say so, and offer the
    providers that give it, or the other ways to apply."""
    published = catalogue.published_service(slug=slug)
    if published is None:
        raise Http404("No such service")
    definition = published.definition
    required = definition.identity_level
    language = _language()
    apply_url = reverse("portal:apply", args=[slug])
    if not required:
        return redirect(apply_url)
    return render(
        request,
        "portal/sign_in/identity_needed.html",
        {
            "page_title": _("You need to prove your identity to apply online"),
            "title": getattr(definition.title, language),
            "required": required,
            "met": request.user.is_authenticated
            and people_selectors.identity_level_meets(
                level=people_selectors.identity_level_of_account(account=request.user),
                required=required,
            ),
            "apply_url": apply_url,
            "providers": [
                {
                    "label": p.display_label(language),
                    "url": reverse("portal:oidc-start", args=[p.name])
                    + f"?level={required}&next={apply_url}",
                }
                for p in accounts_oidc.providers_for(purpose="citizen", level=required)
            ],
            "other_ways": [
                {
                    "description": getattr(way.description, language),
                    "contact": way.contact,
                    "url": way.url,
                }
                for way in definition.other_ways_to_apply
            ],
        },
    )
