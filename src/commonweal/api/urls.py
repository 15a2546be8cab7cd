from django.urls import path

from . import identity, notify
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("messaging/notify/callback/", notify.notify_callback, name="notify-callback"),
    # For identity providers: our public key, and back-channel logout.
    path("oidc/jwks.json", identity.jwks, name="oidc-jwks"),
    path(
        "oidc/back-channel-logout/<slug:name>/",
        identity.back_channel_logout,
        name="oidc-back-channel-logout",
    ),
]
