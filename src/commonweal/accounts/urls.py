from django.urls import path

from . import oidc_views, views

app_name = "accounts"

urlpatterns = [
    path("staff/sign-in/", views.staff_sign_in, name="staff-sign-in"),
    path("staff/sign-in/code/", views.staff_second_factor, name="staff-second-factor"),
    path("staff/sign-in/set-up/", views.staff_totp_set_up, name="staff-totp-set-up"),
    # Under /staff/ (so the second factor is needed), beside the case it belongs to.
    path(
        "staff/cases/<str:reference>/identity/",
        views.identity_in_person,
        name="identity-in-person",
    ),
    path("oidc/jwks.json", oidc_views.jwks, name="oidc-jwks"),
    path(
        "oidc/back-channel-logout/<slug:name>/",
        oidc_views.back_channel_logout,
        name="oidc-back-channel-logout",
    ),
]
