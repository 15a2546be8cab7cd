"""Every staff page, under /staff/ (the project's urls.py includes this at "staff/")."""

from django.urls import path

from .views import (
    access,
    assisted,
    bulk,
    bulk_actions,
    case,
    case_actions,
    data_rights,
    decisions,
    designer,
    designer_pages,
    designer_parts,
    identity,
    letters,
    payments,
    person_index,
    preferences,
    queues,
    rules_tester,
    service_life,
    service_versions,
    sign_in,
)

app_name = "workspace"

urlpatterns = [
    # Signing in (open before the second factor: accounts.middleware).
    path("sign-in/", sign_in.staff_sign_in, name="sign-in"),
    path("sign-in/code/", sign_in.staff_second_factor, name="sign-in-second-factor"),
    path("sign-in/set-up/", sign_in.staff_totp_set_up, name="sign-in-totp-set-up"),
    # Lists of work.
    path("", queues.my_work, name="my-work"),
    path("queue/", queues.queue, name="queue"),
    path("queue/confirm/", bulk_actions.confirm, name="queue-confirm"),
    path("queue/saved-filters/", queues.queue_filter_save, name="queue-filter-save"),
    path(
        "queue/saved-filters/<int:filter_id>/delete/",
        queues.queue_filter_delete,
        name="queue-filter-delete",
    ),
    path("search/", queues.search, name="search"),
    path("workload/", queues.workload, name="workload"),
    # Letters and bulk messages.
    path("letters/", letters.print_batches, name="letters"),
    path("messages/", bulk.start, name="bulk"),
    path("messages/<int:bulk_id>/", bulk.progress, name="bulk-progress"),
    path("letters/<int:batch_id>/build/", letters.print_batch_build, name="letters-build"),
    path("letters/<int:batch_id>/download/", letters.print_batch_download, name="letters-download"),
    # A case.
    # The case page: the summary at the case's own URL, each other section beneath it.
    path("cases/<str:reference>/", case.case_detail, name="case"),
    *(
        path(
            f"cases/<str:reference>/{section.slug}/",
            case.case_detail,
            {"section": section.slug},
            name=f"case-{section.slug}",
        )
        for section in case.SECTIONS
        if section.slug
    ),
    path("cases/<str:reference>/decision/", decisions.decide, name="decide"),
    path("cases/<str:reference>/decision/correct/", decisions.correct, name="decide-correct"),
    path("cases/<str:reference>/do/<slug:action>/", case_actions.case_action, name="case-action"),
    path("cases/<str:reference>/files/<uuid:file_id>/", case.case_file, name="case-file"),
    path("cases/<str:reference>/preferences/", preferences.change, name="case-preferences"),
    path(
        "cases/<str:reference>/approve-as-rules-suggest/",
        rules_tester.approve_as_rules_suggest,
        name="approve-as-rules-suggest",
    ),
    # Under /staff/ (so the second factor is needed), beside the case it belongs to.
    path("cases/<str:reference>/identity/", identity.identity_in_person, name="identity-in-person"),
    path("cases/<str:reference>/consents/", data_rights.staff_consents, name="case-consents"),
    path(
        "cases/<str:reference>/consents/<slug:purpose>/",
        data_rights.staff_consent,
        name="case-consent",
    ),
    # Taking an application for someone.
    path("assisted/", assisted.start, name="assisted-start"),
    path(
        "assisted/contact-changes/<str:reference>/",
        assisted.contact_change,
        name="assisted-contact-change",
    ),
    # Data requests: corrections and erasure.
    path("data-requests/", data_rights.staff_requests, name="data-requests"),
    path("data-requests/<int:request_id>/", data_rights.staff_request, name="data-request"),
    # The person index's review queue.
    path("person-index/review/", person_index.review, name="person-index-review"),
    path(
        "person-index/review/<int:pair_id>/",
        person_index.review_decide,
        name="person-index-review-decide",
    ),
    # Who looked: break glass and the team leaders' oversight.
    path("access/", access.oversight, name="access-oversight"),
    path("access/holds/lift/", access.hold_lift, name="access-hold-lift"),
    path("access/cases/<str:reference>/reason/", access.break_glass, name="break-glass"),
    # Rules, for service owners.
    path("rules/", rules_tester.tester_list, name="rules"),
    path("rules/<slug:slug>/v<int:number>/", rules_tester.tester, name="rules-tester"),
    # A service's versions and life, for its owners.
    path(
        "services/<slug:slug>/versions/",
        service_versions.versions,
        name="service-versions",
    ),
    path(
        "services/<slug:slug>/versions/<int:number>/compare/<int:other>/",
        service_versions.compare,
        name="service-compare",
    ),
    path(
        "services/<slug:slug>/versions/<int:number>/publish/",
        service_versions.publish,
        name="service-publish",
    ),
    path("services/<slug:slug>/life/", service_life.life, name="service-life"),
    # The service designer, for service owners: drafts edited part by part.
    path("services/", designer.service_list, name="designer"),
    path("services/<slug:slug>/v<int:number>/", designer.overview, name="designer-version"),
    path(
        "services/<slug:slug>/v<int:number>/new-draft/",
        designer.new_draft,
        name="designer-new-draft",
    ),
    path("services/<slug:slug>/v<int:number>/templates/", designer.texts, name="designer-texts"),
    path(
        "services/<slug:slug>/v<int:number>/automation/",
        designer.automation,
        name="designer-automation",
    ),
    path(
        "services/<slug:slug>/v<int:number>/rules/",
        designer.section,
        {"section": "rules"},
        name="designer-rules",
    ),
    path(
        "services/<slug:slug>/v<int:number>/eligibility/",
        designer.section,
        {"section": "eligibility"},
        name="designer-eligibility",
    ),
    path(
        "services/<slug:slug>/v<int:number>/eligibility/add-question/",
        designer_parts.eligibility_question,
        name="designer-eligibility-add",
    ),
    path(
        "services/<slug:slug>/v<int:number>/eligibility/questions/<slug:question_id>/",
        designer_parts.eligibility_question,
        name="designer-eligibility-question",
    ),
    path(
        "services/<slug:slug>/v<int:number>/add-page/",
        designer_pages.page_add,
        name="designer-page-add",
    ),
    path(
        "services/<slug:slug>/v<int:number>/pages/<slug:page_id>/",
        designer_pages.page_edit,
        name="designer-page",
    ),
    path(
        "services/<slug:slug>/v<int:number>/pages/<slug:page_id>/condition/",
        designer_pages.condition,
        name="designer-condition",
    ),
    path(
        "services/<slug:slug>/v<int:number>/pages/<slug:page_id>/preview/",
        designer_pages.preview,
        name="designer-preview",
    ),
    path(
        "services/<slug:slug>/v<int:number>/pages/<slug:page_id>/add-question/",
        designer_pages.question_edit,
        name="designer-question-add",
    ),
    path(
        "services/<slug:slug>/v<int:number>/pages/<slug:page_id>/questions/<slug:question_id>/",
        designer_pages.question_edit,
        name="designer-question",
    ),
    path(
        "services/<slug:slug>/v<int:number>/stages/", designer_parts.stages, name="designer-stages"
    ),
    path(
        "services/<slug:slug>/v<int:number>/add-stage/",
        designer_parts.stage,
        name="designer-stage-add",
    ),
    path(
        "services/<slug:slug>/v<int:number>/stages/<slug:stage_id>/",
        designer_parts.stage,
        name="designer-stage",
    ),
    path(
        "services/<slug:slug>/v<int:number>/reasons/",
        designer_parts.reasons,
        name="designer-reasons",
    ),
    path(
        "services/<slug:slug>/v<int:number>/add-reason/",
        designer_parts.reason,
        name="designer-reason-add",
    ),
    path(
        "services/<slug:slug>/v<int:number>/reasons/<slug:reason_id>/",
        designer_parts.reason,
        name="designer-reason",
    ),
    # Payments, for team leaders.
    path("payments/", payments.batch_list, name="payments"),
    path("payments/pending/", payments.pending_list, name="payments-pending"),
    path(
        "payments/instructions/<int:instruction_id>/",
        payments.instruction_detail,
        name="payment",
    ),
    path("payments/batches/<int:batch_id>/", payments.batch_detail, name="payment-batch"),
    path(
        "payments/batches/<int:batch_id>/download/",
        payments.batch_download,
        name="payment-batch-download",
    ),
]
