from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("staff/sign-in/", views.staff_sign_in, name="staff-sign-in"),
    path("signed-out/", views.signed_out, name="signed-out"),
]
