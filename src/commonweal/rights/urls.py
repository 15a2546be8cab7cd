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
]
