from django.urls import path

from . import oidc_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-in/with/<slug:name>/", oidc_views.oidc_start, name="oidc-start"),
    path("sign-in/oidc/<slug:name>/callback/", oidc_views.oidc_callback, name="oidc-callback"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("oidc/jwks.json", oidc_views.jwks, name="oidc-jwks"),
    path(
        "oidc/back-channel-logout/<slug:name>/",
        oidc_views.back_channel_logout,
        name="oidc-back-channel-logout",
    ),
    path("services/<slug:slug>/identity/", oidc_views.identity_needed, name="identity-needed"),
]
