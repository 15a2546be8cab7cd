from django.urls import path

from . import views

app_name = "personindex"

urlpatterns = [
    path("staff/person-index/review/", views.review, name="review"),
    path("staff/person-index/review/<int:pair_id>/", views.review_decide, name="review-decide"),
]
