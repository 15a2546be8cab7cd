"""The development tools' pages, routed by commonweal/urls.py only where this app is
installed (never in production)."""

from django.urls import path

from . import views

app_name = "devtools"

urlpatterns = [
    path("dev/mailbox/", views.dev_mailbox, name="dev-mailbox"),
    path("bench/bare-insert/", views.bench_bare_insert, name="bench-bare-insert"),
    path(
        "bench/registration-inserts/",
        views.bench_registration_inserts,
        name="bench-registration-inserts",
    ),
]
