from django.urls import path

from . import oidc_views

app_name = "accounts"

urlpatterns = [
    path("oidc/jwks.json", oidc_views.jwks, name="oidc-jwks"),
    path(
        "oidc/back-channel-logout/<slug:name>/",
        oidc_views.back_channel_logout,
        name="oidc-back-channel-logout",
    ),
]
