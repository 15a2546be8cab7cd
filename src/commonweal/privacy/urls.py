from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("your-data/access/", views.accesses, name="accesses"),
]
