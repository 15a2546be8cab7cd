from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("dev/mailbox/", views.dev_mailbox, name="dev-mailbox"),
    path("bench/bare-insert/", views.bench_bare_insert, name="bench-bare-insert"),
    path(
        "bench/registration-inserts/",
        views.bench_registration_inserts,
        name="bench-registration-inserts",
    ),
]
