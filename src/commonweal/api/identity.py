"""What identity providers call: our OpenID Connect client's public key, and back-channel
logout. (Signing in through a provider, and the page that explains a service needs a higher
identity level, are the portal's: portal/views/provider_sign_in.py.)"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.accounts import oidc, services


@require_http_methods(["GET", "HEAD"])
def jwks(request):
    """Our client's public key, for providers to check our signed requests."""
    response = JsonResponse(oidc.client_jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response


@csrf_exempt
@never_cache
@require_POST
def back_channel_logout(request, name):
    """OpenID Connect Back-Channel Logout: the provider tells us a session there ended."""
    config = oidc.provider(name)
    token = request.POST.get("logout_token")
    if config is None or not token:
        return JsonResponse(
            {"error": "invalid_request", "error_description": "logout_token is required"},
            status=400,
        )
    try:
        checked = oidc.logout_token_check(config, token)
        services.back_channel_logout(token=checked)
    except oidc.Refused as refused:
        return JsonResponse(
            {"error": "invalid_request", "error_description": str(refused)}, status=400
        )
    except services.SignInRefused:
        return JsonResponse(
            {"error": "invalid_request", "error_description": "logout token already used"},
            status=400,
        )
    return JsonResponse({})
