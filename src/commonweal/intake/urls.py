from django.urls import path

from . import offer_views, views

app_name = "intake"

urlpatterns = [
    path("", views.service_list, name="service-list"),
    path("services/<slug:slug>/", views.service_start, name="service-start"),
    path("services/<slug:slug>/form-<str:language>.pdf", views.paper_form, name="paper-form"),
    path(
        "services/<slug:slug>/eligibility/<slug:question_id>/",
        views.eligibility_question,
        name="eligibility",
    ),
    path(
        "services/<slug:slug>/not-eligible/<slug:outcome_id>/",
        views.not_eligible,
        name="not-eligible",
    ),
    path("services/<slug:slug>/apply/", views.apply, name="apply"),
    path(
        "services/<slug:slug>/apply/confirm-your-details/",
        views.confirm_details,
        name="confirm-details",
    ),
    path(
        "services/<slug:slug>/apply/use-details-we-hold/",
        views.use_details,
        name="use-details",
    ),
    path(
        "services/<slug:slug>/apply/check-your-answers/", views.check_answers, name="check-answers"
    ),
    path("services/<slug:slug>/apply/saved/", views.saved, name="saved"),
    path("services/<slug:slug>/apply/<slug:page_id>/", views.question_page, name="page"),
    path("applications/", views.application_list, name="application-list"),
    path(
        "applications/drafts/<uuid:application_id>/continue/",
        views.draft_hand_over,
        name="draft-hand-over",
    ),
    path("applications/<str:reference>/", views.application_detail, name="application-detail"),
    path(
        "applications/<str:reference>/reconsideration/",
        views.reconsideration,
        name="reconsideration",
    ),
    path("applications/<str:reference>/offer/", offer_views.offer, name="offer"),
    path("applications/<str:reference>/messages/", views.case_messages, name="messages"),
    path(
        "applications/<str:reference>/messages/attachments/<uuid:attachment_id>/",
        views.message_attachment,
        name="message-attachment",
    ),
    path(
        "applications/<str:reference>/confirmation/",
        views.confirmation,
        name="confirmation",
    ),
    path("check-status/", views.check_status, name="check-status"),
    path("account/representatives/", views.representatives, name="representatives"),
    path("account/representatives/add/", views.representative_add, name="representative-add"),
    path(
        "account/representatives/<int:representative_id>/remove/",
        views.representative_remove,
        name="representative-remove",
    ),
    path("account/contact-preferences/", views.contact_preferences, name="contact-preferences"),
    path("files/<uuid:upload_id>/", views.upload_download, name="upload"),
]
