from django.urls import path

from . import views

app_name = "rules"

urlpatterns = [
    path("staff/rules/", views.tester_list, name="tester-list"),
    path("staff/rules/<slug:slug>/v<int:number>/", views.tester, name="tester"),
    path(
        "staff/cases/<str:reference>/approve-as-rules-suggest/",
        views.approve_as_rules_suggest,
        name="approve",
    ),
]
