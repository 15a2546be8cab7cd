from django.urls import path

from . import views

app_name = "rights"

urlpatterns = [
    path("staff/data-requests/", views.staff_requests, name="staff-requests"),
    path("staff/data-requests/<int:request_id>/", views.staff_request, name="staff-request"),
    path("staff/cases/<str:reference>/consents/", views.staff_consents, name="staff-consents"),
    path(
        "staff/cases/<str:reference>/consents/<slug:purpose>/",
        views.staff_consent,
        name="staff-consent",
    ),
]
