from django.urls import path

from . import assisted_views, views

app_name = "intake"

urlpatterns = [
    path("staff/assisted/", views.assisted_start, name="assisted-start"),
    path(
        "staff/assisted/contact-changes/<str:reference>/",
        assisted_views.contact_change,
        name="assisted-contact-change",
    ),
]
