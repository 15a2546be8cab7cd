from django.urls import path

from . import views

app_name = "rights"

urlpatterns = [
    path("account/your-data/", views.your_data, name="your-data"),
    path(
        "account/your-data/download.<str:extension>",
        views.download,
        name="download",
    ),
    path("account/your-data/correct/<slug:field>/", views.correct_detail, name="correct-detail"),
    path(
        "account/your-data/applications/<str:reference>/",
        views.application_answers,
        name="application-answers",
    ),
    path(
        "account/your-data/applications/<str:reference>/correct/<slug:question_id>/",
        views.correct_answer,
        name="correct-answer",
    ),
    path("account/your-data/consents/<slug:purpose>/", views.consent_change, name="consent"),
    path("staff/data-requests/", views.staff_requests, name="staff-requests"),
    path("staff/data-requests/<int:request_id>/", views.staff_request, name="staff-request"),
    path("staff/cases/<str:reference>/consents/", views.staff_consents, name="staff-consents"),
    path(
        "staff/cases/<str:reference>/consents/<slug:purpose>/",
        views.staff_consent,
        name="staff-consent",
    ),
]
