"""Every citizen page's address, by area (paths are unchanged from before the portal)."""

from django.urls import path

from .views import (
    applications,
    information,
    journey,
    messages,
    offers,
    pages,
    preferences,
    provider_sign_in,
    representatives,
    sign_in,
    start,
    status,
    your_data,
)

app_name = "portal"

urlpatterns = [
    # Pages every installation has
    path("healthz", pages.healthz, name="healthz"),
    path("language/<str:code>/", pages.language, name="language"),
    path("brand.css", pages.brand_css, name="brand-css"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("cookies/", pages.cookies, name="cookies"),
    path("contact/", pages.contact, name="contact"),
    # Signing in and out
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/code/", sign_in.sign_in_code, name="sign-in-code"),
    path("sign-in/with/<slug:name>/", provider_sign_in.oidc_start, name="oidc-start"),
    path(
        "sign-in/oidc/<slug:name>/callback/",
        provider_sign_in.oidc_callback,
        name="oidc-callback",
    ),
    path("sign-out/", sign_in.sign_out, name="sign-out"),
    path("signed-out/", sign_in.signed_out, name="signed-out"),
    # Finding a service and checking you can apply
    path("", start.service_list, name="service-list"),
    path("services/<slug:slug>/", start.service_start, name="service-start"),
    path("services/<slug:slug>/form-<str:language>.pdf", start.paper_form, name="paper-form"),
    path(
        "services/<slug:slug>/eligibility/<slug:question_id>/",
        start.eligibility_question,
        name="eligibility",
    ),
    path(
        "services/<slug:slug>/not-eligible/<slug:outcome_id>/",
        start.not_eligible,
        name="not-eligible",
    ),
    path(
        "services/<slug:slug>/identity/", provider_sign_in.identity_needed, name="identity-needed"
    ),
    # Applying
    path("services/<slug:slug>/apply/", journey.apply, name="apply"),
    path(
        "services/<slug:slug>/apply/confirm-your-details/",
        journey.confirm_details,
        name="confirm-details",
    ),
    path(
        "services/<slug:slug>/apply/use-details-we-hold/",
        journey.use_details,
        name="use-details",
    ),
    path(
        "services/<slug:slug>/apply/check-your-answers/",
        journey.check_answers,
        name="check-answers",
    ),
    path("services/<slug:slug>/apply/saved/", journey.saved, name="saved"),
    path("services/<slug:slug>/apply/<slug:page_id>/", journey.question_page, name="page"),
    # Your applications
    path("applications/", applications.application_list, name="application-list"),
    path(
        "applications/drafts/<uuid:application_id>/continue/",
        applications.draft_hand_over,
        name="draft-hand-over",
    ),
    path(
        "applications/<str:reference>/",
        applications.application_detail,
        name="application-detail",
    ),
    path(
        "applications/<str:reference>/reconsideration/",
        applications.reconsideration,
        name="reconsideration",
    ),
    path("applications/<str:reference>/offer/", offers.offer, name="offer"),
    path(
        "applications/<str:reference>/information/",
        information.information,
        name="information",
    ),
    path("applications/<str:reference>/messages/", messages.case_messages, name="messages"),
    path(
        "applications/<str:reference>/messages/attachments/<uuid:attachment_id>/",
        messages.message_attachment,
        name="message-attachment",
    ),
    path(
        "applications/<str:reference>/confirmation/",
        applications.confirmation,
        name="confirmation",
    ),
    path("files/<uuid:upload_id>/", applications.upload_download, name="upload"),
    path("check-status/", status.check_status, name="check-status"),
    # Your account: people who act for you, how we contact you
    path("account/representatives/", representatives.representatives, name="representatives"),
    path(
        "account/representatives/add/",
        representatives.representative_add,
        name="representative-add",
    ),
    path(
        "account/representatives/<int:representative_id>/remove/",
        representatives.representative_remove,
        name="representative-remove",
    ),
    path(
        "account/contact-preferences/",
        preferences.contact_preferences,
        name="contact-preferences",
    ),
    # Your data
    path("account/your-data/", your_data.your_data, name="your-data"),
    path("account/your-data/download.<str:extension>", your_data.download, name="download"),
    path("account/your-data/pdf/", your_data.data_pdf_request, name="data-pdf-request"),
    path("account/your-data/pdf/<uuid:download_id>/", your_data.data_pdf, name="data-pdf"),
    path(
        "account/your-data/pdf/<uuid:download_id>/file",
        your_data.data_pdf_file,
        name="data-pdf-file",
    ),
    path("account/your-data/erase/", your_data.erase, name="erase"),
    path(
        "account/your-data/correct/<slug:field>/",
        your_data.correct_detail,
        name="correct-detail",
    ),
    path(
        "account/your-data/applications/<str:reference>/",
        your_data.application_answers,
        name="application-answers",
    ),
    path(
        "account/your-data/applications/<str:reference>/correct/<slug:question_id>/",
        your_data.correct_answer,
        name="correct-answer",
    ),
    path("account/your-data/consents/<slug:purpose>/", your_data.consent_change, name="consent"),
    path("your-data/access/", your_data.accesses, name="accesses"),
]
