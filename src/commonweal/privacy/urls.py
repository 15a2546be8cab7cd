from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("staff/access/", views.oversight, name="oversight"),
    path("staff/access/holds/lift/", views.hold_lift, name="hold-lift"),
    path("staff/access/cases/<str:reference>/reason/", views.break_glass, name="break-glass"),
]
