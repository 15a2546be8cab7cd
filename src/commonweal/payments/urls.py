from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("staff/payments/", views.batch_list, name="batches"),
    path("staff/payments/pending/", views.pending_list, name="pending"),
    path(
        "staff/payments/instructions/<int:instruction_id>/",
        views.instruction_detail,
        name="instruction",
    ),
    path("staff/payments/batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path(
        "staff/payments/batches/<int:batch_id>/download/",
        views.batch_download,
        name="batch-download",
    ),
]
