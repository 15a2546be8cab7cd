"""Every URL of the site, visited by people who must not reach citizen A's things.

The URL patterns are read from Django's resolver, so a page added later is visited too. Each
pattern must be classified below (what kind of page it is, and which of A's objects fill its
parameters); an unclassified pattern fails the test with a message saying so.

Each pattern is requested (GET, and POST with a valid CSRF token where the page changes
something) as:

- citizen B, who has their own record and nothing to do with A;
- representatives of A whose authority was revoked or has passed its end date, and, where
  seeing is not enough, a representative of A allowed only to see (no authority for
  messages or acting);
- staff of another organisation (the provider);
- nobody signed in;
- for the API, with another organisation's API key as well as with the people above.

Each answer must be a refusal (403 or 404, 405 for a method the page does not take, 401
for the API, a redirect to a sign-in page for nobody), never a server error, and no page
may show A's name, reference, email, answers, messages or files. Pages open to everyone
(public ones, and each person's own account pages) may answer, but must not show A's data.
Finally, none of A's things has changed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from commonweal.accounts import services as accounts_services
from commonweal.api import services as api_services
from commonweal.cases.models import Case, CaseEvent, Decision, SavedQueueFilter, Task
from commonweal.catalogue import selectors as catalogue
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.intake import services as intake_services
from commonweal.intake.models import Application, Upload
from commonweal.messaging import services as messaging
from commonweal.messaging.models import BulkSend, Message, ThreadAttachment, ThreadMessage
from commonweal.organisations.selectors import staff_context
from commonweal.payments.models import PaymentInstruction
from commonweal.people import services as people_services
from commonweal.people.models import ContactChange, Person, PersonChange, Representative
from tests.browser.test_journeys import small_png
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

# Kinds of page.
PUBLIC = "public"  # anyone may see it; it must not show A's data
OWN = "own"  # the signed-in person's own things (their list, their draft of a service)
CITIZEN_OBJECT = "citizen object"  # one of A's applications, files, messages, authorities
STAFF_PAGE = "staff page"  # the workspace, showing only what the member of staff may see
STAFF_OBJECT = "staff object"  # one of organisation A's cases or its work
API = "api"  # the REST API: an API key, scoped to its organisation
ADMIN = "admin"  # Django's admin: superusers and administrators (test_admin_scope.py)
DEV_ONLY = "dev only"  # off in production; refused when its setting is off
INBOUND = "inbound"  # a provider's callback, authenticated by its own token


@dataclass(frozen=True)
class Route:
    kind: str
    # URL parameters by name: a key of the `world` below, or a literal value.
    params: dict = field(default_factory=dict)
    # Whether the page changes something on POST (so it is posted to as well; pages of one's
    # own, by people who may use them for their own things, are checked only for A's data).
    post: bool = False
    # What POST sends (besides the CSRF token).
    data: dict = field(default_factory=dict)
    # A representative allowed to see A's applications may use this page (so only the
    # revoked one is a stranger here).
    seeing_is_enough: bool = False
    # The whole URL, for patterns with regular expressions.
    url: str | None = None


# Every URL pattern of the site (as the resolver spells it), classified. A new pattern
# belongs here: say what kind of page it is and which of A's objects its parameters take.
ROUTES: dict[str, Route] = {
    "healthz": Route(PUBLIC),
    "language/<str:code>/": Route(PUBLIC, {"code": "cy"}),
    "brand.css": Route(PUBLIC),
    "accessibility/": Route(PUBLIC),
    "privacy/": Route(PUBLIC),
    "cookies/": Route(PUBLIC),
    "contact/": Route(PUBLIC),
    "dev/mailbox/": Route(DEV_ONLY),
    "bench/bare-insert/": Route(DEV_ONLY, post=True),
    "bench/registration-inserts/": Route(DEV_ONLY, post=True),
    "sign-in/": Route(PUBLIC),
    "sign-in/code/": Route(PUBLIC),
    "sign-out/": Route(PUBLIC),
    "staff/sign-in/": Route(PUBLIC),
    "signed-out/": Route(PUBLIC),
    "": Route(PUBLIC),
    "services/<slug:slug>/": Route(PUBLIC, {"slug": "service"}),
    # The service's paper form: made from the definition, it holds no one's data.
    "services/<slug:slug>/form-<str:language>.pdf": Route(
        PUBLIC, {"slug": "service", "language": "cy"}
    ),
    "services/<slug:slug>/eligibility/<slug:question_id>/": Route(
        PUBLIC, {"slug": "service", "question_id": "universal-credit"}
    ),
    "services/<slug:slug>/not-eligible/<slug:outcome_id>/": Route(
        PUBLIC, {"slug": "service", "outcome_id": "too-much-debt"}
    ),
    # A has a draft of this service: strangers reach only their own (or none).
    "services/<slug:slug>/apply/": Route(OWN, {"slug": "service"}),
    "services/<slug:slug>/apply/confirm-your-details/": Route(OWN, {"slug": "service"}, post=True),
    "services/<slug:slug>/apply/use-details-we-hold/": Route(
        OWN, {"slug": "service"}, post=True, data={"reuse": "yes"}
    ),
    "services/<slug:slug>/apply/check-your-answers/": Route(OWN, {"slug": "service"}, post=True),
    "services/<slug:slug>/apply/saved/": Route(OWN, {"slug": "service"}),
    "services/<slug:slug>/apply/<slug:page_id>/": Route(
        OWN, {"slug": "service", "page_id": "name"}, post=True, data={"given-name": "Robin"}
    ),
    "applications/": Route(OWN),
    "applications/drafts/<uuid:application_id>/continue/": Route(
        CITIZEN_OBJECT, {"application_id": "taken_draft"}, post=True
    ),
    "applications/<str:reference>/": Route(
        CITIZEN_OBJECT, {"reference": "reference"}, seeing_is_enough=True
    ),
    "applications/<str:reference>/reconsideration/": Route(
        CITIZEN_OBJECT,
        {"reference": "reference"},
        post=True,
        data={"reasons": "Please look again at this decision."},
    ),
    "applications/<str:reference>/offer/": Route(
        CITIZEN_OBJECT, {"reference": "reference"}, post=True, data={"answer": "decline"}
    ),
    "applications/<str:reference>/information/": Route(
        CITIZEN_OBJECT, {"reference": "reference"}, post=True, data={"item-1": "A stranger"}
    ),
    "applications/<str:reference>/messages/": Route(
        CITIZEN_OBJECT, {"reference": "reference"}, post=True, data={"body": "A stranger writes"}
    ),
    "applications/<str:reference>/messages/attachments/<uuid:attachment_id>/": Route(
        CITIZEN_OBJECT, {"reference": "reference", "attachment_id": "attachment"}
    ),
    "applications/<str:reference>/confirmation/": Route(
        CITIZEN_OBJECT, {"reference": "reference"}, seeing_is_enough=True
    ),
    "check-status/": Route(PUBLIC),
    "staff/assisted/": Route(STAFF_PAGE, post=True),
    "account/representatives/": Route(OWN),
    "account/representatives/add/": Route(OWN, post=True),
    "account/representatives/<int:representative_id>/remove/": Route(
        CITIZEN_OBJECT, {"representative_id": "representative"}, post=True
    ),
    "account/contact-preferences/": Route(OWN, post=True),
    "files/<uuid:upload_id>/": Route(CITIZEN_OBJECT, {"upload_id": "upload"}),
    "messaging/notify/callback/": Route(INBOUND, post=True),
    "api/v1/schema/": Route(PUBLIC),
    # The admin's own sign-in and sign-out, open to anyone like the site's.
    "staff/admin/login/": Route(PUBLIC),
    "staff/admin/logout/": Route(PUBLIC),
    "api/v1/docs/": Route(PUBLIC),
    "api/v1/": Route(PUBLIC),
    "api/v1/services/": Route(PUBLIC),
    "api/v1/applications/": Route(API, post=True),
    "api/v1/cases/<reference>/": Route(API, {"reference": "reference"}),
    "api/v1/cases/<reference>/notes/": Route(
        API, {"reference": "reference"}, post=True, data={"text": "A stranger's note"}
    ),
    "api/v1/cases/<reference>/stage/": Route(
        API, {"reference": "reference"}, post=True, data={"stage": "decision"}
    ),
    "api/v1/cases/<reference>/decision/": Route(
        API, {"reference": "reference"}, post=True, data={"outcome": "refused", "reasons": ["x"]}
    ),
    "api/v1/cases/<reference>/offer/": Route(
        API,
        {"reference": "reference"},
        post=True,
        data={"answer": "decline", "how": "phone", "told_by": "A stranger"},
    ),
    "api/v1/cases/<reference>/assignment/": Route(
        API, {"reference": "reference"}, post=True, data={"assignee": "x@example.com"}
    ),
    "api/v1/cases/<reference>/team/": Route(
        API, {"reference": "reference"}, post=True, data={"team": "adaptations", "reason": "x"}
    ),
    "api/v1/cases/<reference>/referrals/": Route(
        API,
        {"reference": "reference"},
        post=True,
        data={"organisation": "care-and-repair", "reason": "A stranger's referral"},
    ),
    "api/v1/cases/<reference>/referrals/<referral_id>/end/": Route(
        API, {"reference": "reference", "referral_id": "1"}, post=True
    ),
    "api/v1/cases/<reference>/tasks/": Route(
        API, {"reference": "reference"}, post=True, data={"title": "A stranger's task"}
    ),
    "api/v1/cases/<reference>/tasks/<task_id>/complete/": Route(
        API, {"reference": "reference", "task_id": "1"}, post=True
    ),
    "api/v1/cases/<reference>/messages/": Route(
        API, {"reference": "reference"}, post=True, data={"body": "A stranger writes"}
    ),
    "api/v1/cases/<reference>/evidence/": Route(API, {"reference": "reference"}, post=True),
    "api/v1/cases/<reference>/payments/": Route(API, {"reference": "reference"}),
    "api/v1/cases/<reference>/data-requests/": Route(
        API,
        {"reference": "reference"},
        post=True,
        data={"subject": "person", "field": "family_name", "what_is_wrong": "x", "should_be": "y"},
    ),
    "api/v1/people/": Route(API, {}, url="/api/v1/people/?q=Quillfeather"),
    "api/v1/people/<person_id>/contact-preferences/": Route(
        API, {"person_id": "person_id"}, post=True, data={"channels": ["letter"]}
    ),
    "staff/": Route(STAFF_PAGE),
    "staff/queue/": Route(STAFF_PAGE),
    # A's case id posted for a bulk move, straight to the Confirm step.
    "staff/queue/confirm/": Route(
        STAFF_PAGE,
        post=True,
        data={
            "cases": "case_id",
            "action": "move",
            "to_stage": "checking",
            "step": "confirm",
            "batch": "0123456789abcdef0123456789abcdef",
        },
    ),
    # A member of staff's own saved filters: saving is for any of them, deleting only theirs.
    "staff/queue/saved-filters/": Route(
        STAFF_PAGE, post=True, data={"name": "Someone else's", "query": "due=overdue"}
    ),
    "staff/queue/saved-filters/<int:filter_id>/delete/": Route(
        STAFF_OBJECT, {"filter_id": "saved_filter"}, post=True
    ),
    "staff/search/": Route(STAFF_PAGE, url="/staff/search/?q=Quillfeather"),
    "staff/workload/": Route(STAFF_PAGE),
    "staff/letters/": Route(STAFF_PAGE),
    "staff/messages/": Route(
        STAFF_PAGE,
        post=True,
        data={"service": "service", "message_en": "Hello", "message_cy": "Helo"},
    ),
    "staff/messages/<int:bulk_id>/": Route(STAFF_OBJECT, {"bulk_id": "bulk"}),
    "staff/letters/<int:batch_id>/build/": Route(
        STAFF_OBJECT, {"batch_id": "print_batch"}, post=True
    ),
    "staff/letters/<int:batch_id>/download/": Route(STAFF_OBJECT, {"batch_id": "print_batch"}),
    "staff/cases/<str:reference>/": Route(STAFF_OBJECT, {"reference": "reference"}),
    # The case page's other sections, each a page of its own.
    **{
        f"staff/cases/<str:reference>/{section}/": Route(STAFF_OBJECT, {"reference": "reference"})
        for section in (
            "answers",
            "evidence",
            "checks",
            "messages",
            "history",
            "payments",
            "access",
        )
    },
    "staff/cases/<str:reference>/decision/": Route(
        STAFF_OBJECT,
        {"reference": "reference"},
        post=True,
        data={
            "outcome": "refused",
            "reasons": "savings-too-high",
            "explanation": "A stranger's decision",
            "step": "send",
            "revision": "revision",
        },
    ),
    "staff/cases/<str:reference>/decision/correct/": Route(
        STAFF_OBJECT,
        {"reference": "reference"},
        post=True,
        data={
            "outcome": "approved",
            "reasons": "loan-approved",
            "explanation": "Approved",
            "amount": "400",
            "correction_reason": "Mistake",
            "step": "send",
            "revision": "revision",
        },
    ),
    "staff/cases/<str:reference>/do/<slug:action>/": Route(
        STAFF_OBJECT,
        {"reference": "reference", "action": "note"},
        post=True,
        data={"text": "A stranger's note", "revision": "revision"},
    ),
    "staff/cases/<str:reference>/files/<uuid:file_id>/": Route(
        STAFF_OBJECT, {"reference": "reference", "file_id": "upload"}
    ),
    "staff/cases/<str:reference>/approve-as-rules-suggest/": Route(
        STAFF_OBJECT, {"reference": "reference"}, post=True, data={"revision": "revision"}
    ),
    # Signing in through a provider (none is set up here) and its inbound calls.
    "sign-in/with/<slug:name>/": Route(PUBLIC, {"name": "one-login"}),
    "sign-in/oidc/<slug:name>/callback/": Route(PUBLIC, {"name": "one-login"}),
    "oidc/jwks.json": Route(PUBLIC),
    "oidc/back-channel-logout/<slug:name>/": Route(
        INBOUND, {"name": "one-login"}, post=True, data={"logout_token": "forged"}
    ),
    "staff/sign-in/code/": Route(PUBLIC, post=True, data={"code": "123456"}),
    "staff/sign-in/set-up/": Route(PUBLIC, post=True, data={"code": "123456"}),
    "services/<slug:slug>/identity/": Route(PUBLIC, {"slug": "service"}),
    "staff/cases/<str:reference>/identity/": Route(
        STAFF_OBJECT,
        {"reference": "reference"},
        post=True,
        data={"seen": "yes", "documents": "Passport", "revision": "revision"},
    ),
    # The person's data rights: their own record, A's applications, A's requests.
    "account/your-data/": Route(OWN),
    "account/your-data/download.<str:extension>": Route(OWN, {"extension": "json"}),
    "account/your-data/pdf/": Route(OWN, post=True),
    "account/your-data/pdf/<uuid:download_id>/": Route(
        CITIZEN_OBJECT, {"download_id": "data_download"}
    ),
    "account/your-data/pdf/<uuid:download_id>/file": Route(
        CITIZEN_OBJECT, {"download_id": "data_download"}
    ),
    "account/your-data/correct/<slug:field>/": Route(
        OWN, {"field": "phone"}, post=True, data={"what_is_wrong": "x", "should_be": "y"}
    ),
    "account/your-data/applications/<str:reference>/": Route(
        CITIZEN_OBJECT, {"reference": "reference"}, seeing_is_enough=True
    ),
    "account/your-data/applications/<str:reference>/correct/<slug:question_id>/": Route(
        CITIZEN_OBJECT,
        {"reference": "reference", "question_id": "given-name"},
        post=True,
        data={"what_is_wrong": "A stranger says so", "should_be": "Robin"},
    ),
    # Asking for one's own data to be erased (a stranger can only ask about their own).
    "account/your-data/erase/": Route(OWN, post=True, data={"note": "Erase mine"}),
    "account/your-data/consents/<slug:purpose>/": Route(
        OWN, {"purpose": "research_contact"}, post=True, data={"given": "yes"}
    ),
    "staff/data-requests/": Route(STAFF_PAGE),
    "staff/data-requests/<int:request_id>/": Route(
        STAFF_OBJECT,
        {"request_id": "data_request"},
        post=True,
        data={"outcome": "corrected", "value": "Robin"},
    ),
    "staff/cases/<str:reference>/consents/": Route(
        STAFF_OBJECT, {"reference": "reference"}, post=True, data={"request": "1"}
    ),
    "staff/cases/<str:reference>/consents/<slug:purpose>/": Route(
        STAFF_OBJECT,
        {"reference": "reference", "purpose": "research_contact"},
        post=True,
        data={"given": "no", "method": "phone"},
    ),
    "staff/person-index/review/": Route(STAFF_PAGE),
    "staff/person-index/review/<int:pair_id>/": Route(
        STAFF_OBJECT, {"pair_id": "1"}, post=True, data={"decision": "confirm"}
    ),
    "your-data/access/": Route(OWN),
    "staff/access/": Route(
        STAFF_PAGE,
        post=True,
        data={"reference": "reference", "reason": "Looking into a complaint"},
    ),
    "staff/access/holds/lift/": Route(STAFF_PAGE, post=True, data={"hold": "1", "reason": "x"}),
    "staff/access/cases/<str:reference>/reason/": Route(
        STAFF_OBJECT, {"reference": "reference"}, post=True, data={"reason": "Curious"}
    ),
    "staff/rules/": Route(STAFF_PAGE),
    "staff/rules/<slug:slug>/v<int:number>/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True, data={"answers": "{}"}
    ),
    "staff/services/<slug:slug>/versions/": Route(STAFF_OBJECT, {"slug": "service"}),
    "staff/services/<slug:slug>/versions/<int:number>/compare/<int:other>/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1, "other": 1}
    ),
    "staff/services/<slug:slug>/versions/<int:number>/publish/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True, data={"action": "ask"}
    ),
    "staff/services/<slug:slug>/life/": Route(
        STAFF_OBJECT,
        {"slug": "service"},
        post=True,
        data={"action": "pause", "message_en": "Paused", "message_cy": "Wedi oedi"},
    ),
    "staff/services/": Route(STAFF_PAGE),
    "staff/services/<slug:slug>/v<int:number>/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}
    ),
    "staff/services/<slug:slug>/v<int:number>/new-draft/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/templates/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/automation/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True, data={"mode": "off"}
    ),
    "staff/services/<slug:slug>/v<int:number>/rules/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True, data={"yaml": ""}
    ),
    "staff/services/<slug:slug>/v<int:number>/eligibility/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True, data={"yaml": ""}
    ),
    "staff/services/<slug:slug>/v<int:number>/eligibility/add-question/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/eligibility/questions/<slug:question_id>/": Route(
        STAFF_OBJECT,
        {"slug": "service", "number": 1, "question_id": "universal-credit"},
        post=True,
        data={"action": "remove"},
    ),
    "staff/services/<slug:slug>/v<int:number>/add-page/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/pages/<slug:page_id>/": Route(
        STAFF_OBJECT,
        {"slug": "service", "number": 1, "page_id": "phone"},
        post=True,
        data={"action": "remove"},
    ),
    "staff/services/<slug:slug>/v<int:number>/pages/<slug:page_id>/condition/": Route(
        STAFF_OBJECT,
        {"slug": "service", "number": 1, "page_id": "phone"},
        post=True,
        data={"condition": ""},
    ),
    "staff/services/<slug:slug>/v<int:number>/pages/<slug:page_id>/preview/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1, "page_id": "phone"}
    ),
    "staff/services/<slug:slug>/v<int:number>/pages/<slug:page_id>/add-question/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1, "page_id": "phone"}, post=True
    ),
    (
        "staff/services/<slug:slug>/v<int:number>/pages/<slug:page_id>/"
        "questions/<slug:question_id>/"
    ): Route(
        STAFF_OBJECT,
        {"slug": "service", "number": 1, "page_id": "phone", "question_id": "phone"},
        post=True,
        data={"action": "remove"},
    ),
    "staff/services/<slug:slug>/v<int:number>/stages/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/add-stage/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/stages/<slug:stage_id>/": Route(
        STAFF_OBJECT,
        {"slug": "service", "number": 1, "stage_id": "received"},
        post=True,
        data={"action": "remove"},
    ),
    "staff/services/<slug:slug>/v<int:number>/reasons/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}
    ),
    "staff/services/<slug:slug>/v<int:number>/add-reason/": Route(
        STAFF_OBJECT, {"slug": "service", "number": 1}, post=True
    ),
    "staff/services/<slug:slug>/v<int:number>/reasons/<slug:reason_id>/": Route(
        STAFF_OBJECT,
        {"slug": "service", "number": 1, "reason_id": "no-reply"},
        post=True,
        data={"action": "remove"},
    ),
    "staff/payments/": Route(STAFF_PAGE),
    "staff/payments/pending/": Route(STAFF_PAGE),
    "staff/payments/instructions/<int:instruction_id>/": Route(
        STAFF_OBJECT,
        {"instruction_id": "payment"},
        post=True,
        data={"action": "hold", "reason": "A stranger holds it"},
    ),
    "staff/payments/batches/<int:batch_id>/": Route(STAFF_OBJECT, {"batch_id": "batch"}),
    "staff/payments/batches/<int:batch_id>/download/": Route(STAFF_OBJECT, {"batch_id": "batch"}),
    # UK reference data: public facts, and address look-up for any key.
    "api/v1/reference/postcodes/<postcode>/": Route(PUBLIC, {"postcode": "CF831AA"}),
    "api/v1/reference/bank-holidays/": Route(
        PUBLIC, url="/api/v1/reference/bank-holidays/?year=2026"
    ),
    "api/v1/reference/working-days/": Route(
        PUBLIC, url="/api/v1/reference/working-days/?start=2026-12-24&days=3"
    ),
    "api/v1/reference/addresses/": Route(
        API, {}, url="/api/v1/reference/addresses/?postcode=CF831AA"
    ),
    "staff/cases/<str:reference>/preferences/": Route(
        STAFF_OBJECT,
        {"reference": "reference"},
        post=True,
        data={"channels": ["letter"], "revision": "revision"},
    ),
    "staff/assisted/contact-changes/<str:reference>/": Route(
        STAFF_OBJECT, {"reference": "reference"}, post=True, data={"action": "keep"}
    ),
}

# Django's admin is one system with one rule (superusers and administrators, each seeing
# their own organisations' rows; tests/test_admin_scope.py walks it as every role), so its
# patterns are classified together; its object pages take A's objects where they exist.
ADMIN_PREFIX = "staff/admin/"
ADMIN_REGEX_URLS = {
    "^(?P<app_label>": "/staff/admin/cases/",
    "(?P<url>.*)$": "/staff/admin/cases/case/anything/",
}

# Who must not reach A's things.
ACTORS = (
    "citizen B",
    "revoked representative",
    "representative whose authority ended",
    "staff of organisation B",
    "nobody",
)
SIGN_IN_PATHS = ("/sign-in/", "/staff/sign-in/", "/staff/admin/login/")


def all_patterns(resolver=None, prefix: str = ""):
    """(route as written, pattern) for every URL pattern, through every include()."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from all_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def classify(route: str) -> Route | None:
    if route in ROUTES:
        return ROUTES[route]
    if route.startswith(ADMIN_PREFIX):
        rest = route.removeprefix(ADMIN_PREFIX)
        for start, url in ADMIN_REGEX_URLS.items():
            if rest.startswith(start):
                return Route(ADMIN, url=url)
        return Route(ADMIN, post=True)
    return None


def test_every_url_pattern_is_classified():
    unclassified = [route for route, _pattern in all_patterns() if classify(route) is None]
    assert not unclassified, (
        "These URL patterns are not classified in tests/test_authorisation.py. Add each to "
        "ROUTES with its kind (public, own, citizen object, staff page, staff object, api, "
        "admin, dev only, inbound) and the fixture objects its parameters take, so the "
        "authorisation test visits it as people who must be refused:\n  "
        + "\n  ".join(unclassified)
    )
    # And nothing classified has gone away unnoticed.
    routes = {route for route, _pattern in all_patterns()}
    assert not set(ROUTES) - routes, f"classified but gone: {sorted(set(ROUTES) - routes)}"


@dataclass
class World:
    values: dict
    markers: list[str]
    actors: dict
    api_token: str
    citizen_a: object
    case: Case


# Citizen A's answers: names and numbers found nowhere else on the site (the pages' own
# examples use Sam Evans), so any of them in a page is A's data.
A_ANSWERS = {
    **BUDGETING_LOAN_ANSWERS,
    "given-name": "Zephyrine",
    "family-name": "Quillfeather",
    "ni-number": "JT654321B",
    "partner-name": "Orrin Quillfeather",
    "bank-details": {"name": "Z Quillfeather", "sort_code": "309430", "account_number": "91827364"},
}


def a_draft(account, published):
    pages = [page.id for page in published.definition.visible_pages(A_ANSWERS)]
    return Application.objects.create(
        account=account,
        service=published.service,
        version=published.version,
        answers=A_ANSWERS,
        completed_pages=pages,
    )


def build_world(tmp_path) -> World:
    staff = make_staff()
    citizen_a = accounts_services.account_for_email(email="zephyrine.q@example.com")
    person_a = people_services.person_for_account(account=citizen_a)
    published = catalogue.published_service(slug="budgeting-loan")
    a_draft(citizen_a, published)
    application = intake_services.application_submit(
        account=citizen_a, service=published.service, language="en"
    )
    case = application.case
    # A's evidence, a message with an attachment, and a fresh draft with all the answers.
    upload = Upload(
        application=application,
        question_id="evidence",
        original_name="quillfeather-payslip.png",
        content_type="image/png",
        extension="png",
        size=len(small_png()),
        sha256="0" * 64,
        uploaded_by=citizen_a,
    )
    upload.file.save("upload", SimpleUploadedFile("x.png", small_png()), save=False)
    upload.save()
    messaging.thread_message_post(
        case=case,
        by=citizen_a,
        from_staff=False,
        body="Private words from Zephyrine to the team",
        files=[SimpleUploadedFile("quillfeather-tenancy.png", small_png(), "image/png")],
    )
    attachment = ThreadAttachment.objects.get()
    a_draft(citizen_a, published)
    # A draft staff took for A by phone, waiting for A to carry on online.
    taken = Application.objects.create(
        account=staff.caseworker,
        person=person_a,
        taken_by=staff.caseworker,
        service=application.service,
        version=application.version,
        channel=Application.Channel.PHONE,
        answers={"given-name": "Zephyrine", "family-name": "Quillfeather"},
    )
    # A's representatives: one who may only see, one whose authority has ended.
    viewer = people_services.representative_add(
        person=person_a,
        name="Val Viewer",
        email="val.viewer@example.com",
        relationship="family",
        scope=["view"],
        ends_on=None,
        by=citizen_a,
    )
    ended = people_services.representative_add(
        person=person_a,
        name="Rex Revoked",
        email="rex.revoked@example.com",
        relationship="carer",
        scope=["view", "messages", "act"],
        ends_on=None,
        by=citizen_a,
    )
    people_services.representative_revoke(representative_id=ended.pk, person=person_a, by=citizen_a)
    lapsed = people_services.representative_add(
        person=person_a,
        name="Lee Lapsed",
        email="lee.lapsed@example.com",
        relationship="advocate",
        scope=["view", "messages", "act"],
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        by=citizen_a,
    )
    # Its end date has since passed (set directly: the service only takes future dates).
    Representative.objects.filter(pk=lapsed.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    # Organisation A's work: a message to many people, and a day of letters (built, so a
    # download that was let through would answer).
    bulk = messaging.bulk_send_start(
        service=application.service,
        stage="",
        open_only=True,
        message_en="To everyone with a Budgeting Loan",
        message_cy="I bawb sydd â Benthyciad Cyllidebu",
        by=staff.leader,
        context=staff_context(user=staff.leader),
    )
    print_batch = messaging.print_batch_for(
        day=timezone.localdate(), organisation_id=case.team.organisation_id
    )
    messaging.print_batch_build(batch=print_batch, by=staff.leader)
    # A's request to correct their record, waiting for the team.
    from commonweal.rights import services as rights

    data_request, _new = rights.data_request_create(
        person=person_a,
        subject="person",
        field="date_of_birth",
        what_is_wrong="Wrong year",
        should_be="1 1 1990",
        by=citizen_a,
    )
    # A's data download, made and waiting to be fetched.
    from django.core.files.base import ContentFile

    from commonweal.rights.models import DataDownload

    data_download = DataDownload.objects.create(
        person=person_a,
        language="en",
        status="ready",
        requested_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    data_download.file.save("a.pdf", ContentFile(b"%PDF-1.4 Zephyrine"), save=True)
    # And a day's payment file, paying someone else of organisation A's.
    from django.test import override_settings

    from commonweal.payments import services as payments
    from tests.payments import paid_case

    paid_case(staff.leader)
    with override_settings(
        COMMONWEAL_PAYMENTS_DIR=tmp_path / "payments", COMMONWEAL_PAYMENTS_CUTOFF="23:59:59"
    ):
        batch = payments.payment_batches_run(day=timezone.localdate(), by=staff.leader).made[0]
    # Made after the day's batch, so it waits for the next one.
    _waiting_case, payment = paid_case(staff.leader)

    # A caseworker of organisation A's saved queue filter.
    from commonweal.cases import services as cases_services

    saved_filter = cases_services.saved_filter_save(
        user_id=staff.caseworker.pk, name="Overdue", query={"due": "overdue"}
    )

    # New contact details given for A on the phone, waiting for a check.
    people_services.contact_change_request(
        person=person_a,
        changes={"phone": ["", "+447700900777"]},
        reason="Given on the phone",
        case_reference=case.reference,
        by=staff.caseworker,
    )

    def account(email: str):
        user = accounts_services.account_for_email(email=email)
        people_services.person_for_account(account=user)
        return user

    actors = {
        "citizen B": account("robin.other@example.com"),
        "revoked representative": account("rex.revoked@example.com"),
        "representative whose authority ended": account("lee.lapsed@example.com"),
        "viewing representative": account("val.viewer@example.com"),
        "staff of organisation B": staff.provider,
        "nobody": None,
    }
    _key, api_token = api_services.api_key_create(
        organisation=staff.teams["provider"].organisation,
        name="Another organisation's system",
        scopes=["cases:read", "cases:update", "applications:register", "people:read"],
    )
    values = {
        "service": application.service.slug,
        "reference": case.reference,
        "taken_draft": taken.pk,
        "attachment": attachment.pk,
        "representative": viewer.pk,
        "upload": upload.pk,
        "bulk": bulk.pk,
        "print_batch": print_batch.pk,
        "saved_filter": saved_filter.pk,
        "batch": batch.pk,
        "payment": payment.pk,
        "data_request": data_request.pk,
        "data_download": data_download.pk,
        "person_id": person_a.pk,
        "revision": case.revision,
        "case_id": case.pk,
    }
    markers = [
        case.reference,
        application.reference,
        "zephyrine.q@example.com",
        "Zephyrine",
        "Quillfeather",
        "JT 65 43 21 B",
        "JT654321B",
        "91827364",
        "Private words from Zephyrine",
        "quillfeather-payslip",
        "quillfeather-tenancy",
        "Val Viewer",
        "val.viewer@example.com",
        "07700 900777",
    ]
    return World(values, markers, actors, api_token, citizen_a, case)


def admin_object_url(route: str, case: Case) -> str:
    """An admin pattern with A's object of that model where there is one."""
    parts = route.removeprefix(ADMIN_PREFIX).split("/")
    url = "/" + route
    if len(parts) >= 2 and "<" in route:
        try:
            model = apps.get_model(parts[0], parts[1])
        except (LookupError, ValueError):
            model = None
        objects = {
            Case: case.pk,
            Application: case.application.pk,
            Person: case.person.pk,
            Message: Message.objects.values_list("pk", flat=True).first(),
            apps.get_model("accounts", "User"): case.application.account.pk,
        }
        object_id = objects.get(model) or 1
        url = re.sub(r"<(?:path:)?(?:object_id|id)>", str(object_id), url)
        url = re.sub(r"<path:content_type_id>", "1", url)
    return url


def url_for(route: str, spec: Route, world: World) -> str:
    if spec.url:
        return spec.url
    if spec.kind == ADMIN:
        return admin_object_url(route, world.case)
    url = "/" + route

    def fill(match):
        name = match.group(1)
        value = spec.params[name]
        return str(world.values.get(value, value))

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, url)


def post_data(spec: Route, world: World) -> dict:
    return {
        name: str(world.values.get(value, value)) if isinstance(value, str) else value
        for name, value in spec.data.items()
    }


def client_for(user) -> tuple[Client, str]:
    """A client that checks CSRF as a browser's requests are checked, with a valid token."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    return client, token


def refused(response, actor: str, spec: Route) -> bool:
    status = response.status_code
    if spec.kind == API:
        return status in (401, 403, 404, 405)
    if spec.kind == INBOUND:
        # OpenID Connect back-channel logout answers a token it refuses with 400, as its
        # specification says.
        return status in (400, 401, 403, 404, 405)
    if status in (403, 404, 405):
        return True
    if status in (301, 302) and actor == "nobody":
        return any(path in response["Location"] for path in SIGN_IN_PATHS)
    if status == 302 and spec.kind == ADMIN:
        # The admin sends people who are not staff to its own sign-in page, and staff
        # without permission for an object back to its index (with no body either way;
        # the pages redirected to are visited too).
        return response["Location"].startswith("/staff/admin/")
    return False


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def snapshot(world: World) -> dict:
    """A's things, to see that nothing anyone tried changed them."""
    case = Case.objects.get(pk=world.case.pk)
    return {
        "case": (case.revision, case.closed_at, case.stage, case.assigned_to_id, case.outcome),
        "events": CaseEvent.objects.filter(case=case).count(),
        "decisions": Decision.objects.filter(case=case).count(),
        "tasks": Task.objects.filter(case=case).count(),
        "thread": ThreadMessage.objects.filter(case=case).count(),
        "uploads": Upload.objects.filter(application=case.application).count(),
        "applications": list(
            Application.objects.filter(person=case.person)
            .order_by("pk")
            .values_list("pk", "account_id", "status", "updated_at")
        ),
        "drafts": list(
            Application.objects.filter(account=world.citizen_a)
            .order_by("pk")
            .values_list("pk", "updated_at")
        ),
        "representatives": list(
            Representative.objects.order_by("pk").values_list("pk", "revoked_at")
        ),
        "person": list(PersonChange.objects.filter(person=case.person).values_list("pk")),
        "contact changes": list(ContactChange.objects.values_list("pk", "status")),
        "bulk": list(BulkSend.objects.values_list("pk", "status")),
        # A's caseworker's (staff of B may save their own).
        "saved filter": list(
            SavedQueueFilter.objects.filter(pk=world.values["saved_filter"]).values_list(
                "pk", "name", "query"
            )
        ),
        "payments": list(PaymentInstruction.objects.order_by("pk").values_list("pk", "status")),
    }


def leaks(response, url: str, world: World) -> list[str]:
    """A's markers in the page, leaving out what the asker put in the address themself
    (a 404 page's language links repeat the address)."""
    body = body_of(response)
    return [marker for marker in world.markers if marker in body and marker not in url]


def test_no_one_else_reaches_citizen_a(tmp_path, settings):
    settings.DEV_MAILBOX = False
    settings.COMMONWEAL_BENCH_ENDPOINTS = False
    settings.COMMONWEAL_NOTIFY_CALLBACK_TOKEN = "the-real-token"
    world = build_world(tmp_path)
    before = snapshot(world)
    clients = {actor: client_for(user) for actor, user in world.actors.items()}
    problems: list[str] = []
    visited = 0

    for route, _pattern in all_patterns():
        spec = classify(route)
        assert spec is not None, f"unclassified: {route} (see test_every_url_pattern_is_classified)"
        url = url_for(route, spec, world)
        actors = list(ACTORS)
        if spec.kind == CITIZEN_OBJECT and not spec.seeing_is_enough:
            actors.append("viewing representative")
        if spec.kind == OWN:
            # Their own list includes what A lets them see: that is the point of it.
            actors = [a for a in actors if a != "viewing representative"]
        methods = ["get", "post"] if spec.post else ["get"]
        for actor in actors:
            client, token = clients[actor]
            if world.actors[actor] is not None:
                # Signed in afresh for each page: a sign-out page signs the client out.
                client.force_login(world.actors[actor])
            for method in methods:
                if method == "post":
                    response = client.post(
                        url, {**post_data(spec, world), "csrfmiddlewaretoken": token}
                    )
                else:
                    response = client.get(url)
                visited += 1
                where = f"{method.upper()} {url} as {actor} ({spec.kind})"
                if response.status_code >= 500:
                    problems.append(f"{where}: server error {response.status_code}")
                    continue
                leaked = leaks(response, url, world)
                if leaked:
                    problems.append(f"{where}: {response.status_code} shows A's {leaked}")
                if spec.kind in (PUBLIC, OWN):
                    if (
                        actor == "nobody"
                        and spec.kind == OWN
                        and not refused(response, actor, spec)
                    ):
                        problems.append(f"{where}: {response.status_code}, not sign-in")
                    continue
                if spec.kind == STAFF_PAGE and actor == "staff of organisation B":
                    continue  # their own workspace; checked above for A's data
                if not refused(response, actor, spec):
                    location = response.get("Location", "")
                    problems.append(f"{where}: answered {response.status_code} {location}")

    # The API, with another organisation's key.
    for route, _pattern in all_patterns():
        spec = classify(route)
        if spec.kind != API:
            continue
        url = url_for(route, spec, world)
        client = Client(raise_request_exception=False)
        headers = {"Authorization": f"Bearer {world.api_token}", "Idempotency-Key": route}
        for method in ["get", "post"] if spec.post else ["get"]:
            if method == "post":
                response = client.post(
                    url, post_data(spec, world), content_type="application/json", headers=headers
                )
            else:
                response = client.get(url, headers=headers)
            visited += 1
            where = f"{method.upper()} {url} with organisation B's API key"
            leaked = leaks(response, url, world)
            if response.status_code >= 500 or leaked:
                problems.append(f"{where}: {response.status_code} {leaked}")
            elif response.status_code == 200 and "<" in route:
                problems.append(f"{where}: answered 200 for A's object")

    assert not problems, f"{len(problems)} of {visited} requests not refused:\n" + "\n".join(
        problems
    )
    assert snapshot(world) == before, "something changed A's things"
    # The check itself can see a page that is not refused: A may open their own case.
    own, _token = client_for(world.citizen_a)
    assert world.case.reference in body_of(own.get(f"/applications/{world.case.reference}/"))
    assert visited > 500


def test_the_check_notices_a_page_that_is_not_refused(tmp_path, settings):
    """The rules above would catch a leak: A's own view of their application is not a
    refusal, and shows A's data."""
    world = build_world(tmp_path)
    spec = ROUTES["applications/<str:reference>/"]
    client, _token = client_for(world.citizen_a)
    response = client.get(url_for("applications/<str:reference>/", spec, world))
    assert not refused(response, "citizen B", spec)
    assert any(marker in body_of(response) for marker in world.markers)
    # And a viewing representative's own list shows A's application, as it should.
    viewer, _token = client_for(world.actors["viewing representative"])
    assert world.case.reference in body_of(viewer.get("/applications/"))


def test_a_viewing_representative_cannot_act(tmp_path):
    world = build_world(tmp_path)
    viewer, token = client_for(world.actors["viewing representative"])
    reference = world.case.reference
    assert viewer.get(f"/applications/{reference}/").status_code == 200
    for url in (
        f"/applications/{reference}/messages/",
        f"/applications/{reference}/reconsideration/",
        f"/applications/{reference}/information/",
    ):
        assert viewer.get(url).status_code == 404
        assert viewer.post(url, {"csrfmiddlewaretoken": token, "body": "x"}).status_code == 404
    assert viewer.get(f"/files/{world.values['upload']}/").status_code == 404


def test_batch_ids_in_urls_are_refused_cleanly(tmp_path):
    """A batch id that is not a number, or of no batch, is a 404 for staff, never a server
    error."""
    world = build_world(tmp_path)
    client, _token = client_for(world.actors["staff of organisation B"])
    missing = world.values["print_batch"] + 1000
    for batch_id in ("not-a-batch", "2026-11-26", missing):
        assert client.get(f"/staff/letters/{batch_id}/download/").status_code in (403, 404)
