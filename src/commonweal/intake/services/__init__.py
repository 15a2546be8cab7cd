"""Every write to applications: drafts, answers, uploads and the one-transaction submission.

By area: drafts and their answers (`drafts`), sending one (`submission`), applications
staff take for someone (`staff`), registrations through the API (`registration`), and the
person's record written from the answers, which the last three share (`records`). Callers
import this package (`from commonweal.intake import services`); each public name is
re-exported here.
"""

from .drafts import (
    UPLOAD_KIND,
    DraftNotFound,
    HandOverRefused,
    application_details_confirm,
    application_draft_start,
    application_hand_over,
    application_page_save,
    drafts_expire,
    drafts_expire_due,
    upload_infected,
)
from .erasure import accounts_close_for_people, applications_erase
from .evidence import EVIDENCE_QUESTION, EvidenceRefused, case_evidence_add
from .information import information_request_answer
from .registration import REGISTER_NOT_HANDLED, RegistrationRefused, application_register
from .service_life import drafts_owners_tell
from .staff import (
    ASSISTED_CHANNELS,
    IDENTITY_CHECKS,
    AssistedContactRefused,
    AssistedRefused,
    assisted_application_start,
    assisted_contact_change_approve,
    assisted_contact_code_send,
    assisted_identity_first_message,
    assisted_may_take,
    assisted_not_handled_message,
)
from .submission import ApplicationIncomplete, application_submit

__all__ = [
    "ASSISTED_CHANNELS",
    "EVIDENCE_QUESTION",
    "IDENTITY_CHECKS",
    "REGISTER_NOT_HANDLED",
    "UPLOAD_KIND",
    "ApplicationIncomplete",
    "AssistedContactRefused",
    "AssistedRefused",
    "DraftNotFound",
    "EvidenceRefused",
    "HandOverRefused",
    "RegistrationRefused",
    "accounts_close_for_people",
    "application_details_confirm",
    "application_draft_start",
    "application_hand_over",
    "application_page_save",
    "application_register",
    "application_submit",
    "applications_erase",
    "assisted_application_start",
    "assisted_contact_change_approve",
    "assisted_contact_code_send",
    "assisted_identity_first_message",
    "assisted_may_take",
    "assisted_not_handled_message",
    "case_evidence_add",
    "drafts_expire",
    "drafts_expire_due",
    "drafts_owners_tell",
    "information_request_answer",
    "upload_infected",
]
