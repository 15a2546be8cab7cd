from django.urls import path

from . import bulk, decisions, letters, preferences, views

app_name = "workspace"

urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("queue/", views.queue, name="queue"),
    path("search/", views.search, name="search"),
    path("workload/", views.workload, name="workload"),
    path("letters/", letters.print_batches, name="letters"),
    path("messages/", bulk.start, name="bulk"),
    path("messages/<int:bulk_id>/", bulk.progress, name="bulk-progress"),
    path("letters/<int:batch_id>/build/", letters.print_batch_build, name="letters-build"),
    path("letters/<int:batch_id>/download/", letters.print_batch_download, name="letters-download"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/decision/", decisions.decide, name="decide"),
    path("cases/<str:reference>/decision/correct/", decisions.correct, name="decide-correct"),
    path("cases/<str:reference>/do/<slug:action>/", views.case_action, name="case-action"),
    path("cases/<str:reference>/files/<uuid:file_id>/", views.case_file, name="case-file"),
    path("cases/<str:reference>/preferences/", preferences.change, name="case-preferences"),
]
