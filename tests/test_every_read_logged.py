"""Every staff and admin page that can show a person's data writes an access record naming
that person, with a purpose (the README's "every read" promise), walked like the authorisation
test walks refusals.

The staff routes come from Django's resolver: each one under /staff/ (outside the admin) must
be either walked here (`SHOWS`: the page, and whose record it must write) or listed in
`SHOWS_NO_PERSONAL_DATA` with why; a new page that is neither fails
`test_every_staff_route_is_walked_or_said_to_show_no_one`. Every model registered in the admin
is walked as a superuser (its list and one row's page), or listed in
`ADMIN_WITHOUT_PERSONAL_DATA` with why.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse

from commonweal.accounts.models import User
from commonweal.cases.models import Case
from commonweal.organisations.selectors import staff_context
from commonweal.payments.models import PaymentBatch, PaymentInstruction
from commonweal.personindex.models import ImportBatch, LinkRun, ReviewPair, SourceRecord
from commonweal.privacy import services as privacy
from commonweal.privacy.models import AccessRecord, Purpose
from tests.test_authorisation import ROUTES, all_patterns, build_world, url_for

pytestmark = pytest.mark.django_db

# Staff pages that show a person's data, and whose record each must write: "a" (citizen A,
# whose case, requests and records the world holds), "letter recipients" (everyone with a
# letter in the day's batch), "payee" (the person a payment
# instruction pays), "batch payees" (everyone in the day's payment file).
SHOWS: dict[str, str] = {
    "staff/": "a",
    "staff/queue/": "a",
    "staff/search/": "a",
    "staff/letters/<int:batch_id>/download/": "letter recipients",
    "staff/cases/<str:reference>/": "a",
    **{
        f"staff/cases/<str:reference>/{section}/": "a"
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
    "staff/cases/<str:reference>/decision/": "a",
    "staff/cases/<str:reference>/decision/correct/": "a",
    "staff/cases/<str:reference>/files/<uuid:file_id>/": "a",
    "staff/cases/<str:reference>/identity/": "a",
    "staff/cases/<str:reference>/preferences/": "a",
    "staff/cases/<str:reference>/consents/": "a",
    "staff/cases/<str:reference>/consents/<slug:purpose>/": "a",
    "staff/assisted/contact-changes/<str:reference>/": "a",
    "staff/data-requests/": "a",
    "staff/data-requests/<int:request_id>/": "a",
    "staff/person-index/review/": "a",
    "staff/payments/pending/": "payee",
    "staff/payments/instructions/<int:instruction_id>/": "payee",
    "staff/payments/batches/<int:batch_id>/": "batch payees",
    "staff/payments/batches/<int:batch_id>/download/": "batch payees",
    "staff/queue/confirm/": "a",
    # Access oversight: the people under the investigation holds the leader placed (by
    # name), and those whose cases their teams opened outside their work (by reference).
    "staff/access/": "a",
}

# Pages shown in answer to a POST (a GET goes elsewhere), with what is posted.
POSTED: dict[str, dict] = {
    # The bulk change's confirmation page, naming everyone it would change.
    "staff/queue/confirm/": {"cases": "case_id", "action": "move", "to_stage": "checking"},
}

# Staff routes that show no one's data, and why. A GET to those marked "changes only" is
# refused (405): their answers are redirects, or the page they change re-rendered by the
# same function as its GET (which is walked above).
SHOWS_NO_PERSONAL_DATA: dict[str, str] = {
    "staff/sign-in/": "the member of staff's own sign-in",
    "staff/sign-in/code/": "the member of staff's own second factor",
    "staff/sign-in/set-up/": "the member of staff's own authenticator app",
    "staff/queue/saved-filters/": "the member of staff's own saved filter: a name and a query",
    "staff/queue/saved-filters/<int:filter_id>/delete/": "changes only",
    "staff/workload/": "counts of cases per member of staff",
    "staff/letters/": "each day's batch of letters by its count",
    "staff/messages/": "the form for a message to everyone with a service",
    "staff/messages/<int:bulk_id>/": "a bulk message's words and counts",
    "staff/letters/<int:batch_id>/build/": "changes only",
    "staff/cases/<str:reference>/do/<slug:action>/": "changes only",
    "staff/cases/<str:reference>/approve-as-rules-suggest/": "changes only",
    "staff/assisted/": "an empty form; a match it finds is recorded (test_assisted_records)",
    "staff/person-index/review/<int:pair_id>/": "changes only (an error re-renders the queue)",
    "staff/access/holds/lift/": "changes only",
    "staff/access/cases/<str:reference>/reason/": "asks for a reason before the case is shown",
    "staff/rules/": "the services whose rules can be tried",
    "staff/rules/<slug:slug>/v<int:number>/": "answers typed in to try the rules",
    "staff/payments/": "each day's batch by its count and total",
}
# The service designer and a service's versions and life: a service's definition, its
# versions and who on the staff changed them; the preview shows the empty question page.
SHOWS_NO_PERSONAL_DATA.update(
    {
        route: "a service's definition, versions or life"
        for route, _pattern in all_patterns()
        if route.startswith("staff/services/")
    }
)

# Admin models whose pages show no one's data (everything else is walked).
ADMIN_WITHOUT_PERSONAL_DATA: dict[str, str] = {
    "accounts.signinunlock": "a member of staff's sign-in unlocked, with the reason",
    "api.apikey": "an organisation's integration keys",
    "catalogue.service": "the catalogue",
    "catalogue.serviceversion": "the catalogue",
    "messaging.printbatch": "each day's letters by their count",
    "messaging.savedreply": "replies' wording",
    "messaging.messagetemplate": "templates' wording",
    "organisations.organisation": "organisations",
    "organisations.team": "teams and their members (staff)",
    "privacy.organisationpolicy": "how an organisation names its staff to people",
    "privacy.seal": "hashes of the access log",
    "webhooks.subscription": "an organisation's webhook addresses",
    "webhooks.webhookdelivery": "deliveries of events, by case reference",
    "auth.group": "groups of permissions",
    "django_tasks_database.dbtaskresult": "background tasks: their names and ids",
}


def _staff_routes() -> list[str]:
    return [
        route
        for route, _pattern in all_patterns()
        if route.startswith("staff/") and not route.startswith("staff/admin/")
    ]


def test_every_staff_route_is_walked_or_said_to_show_no_one():
    routes = set(_staff_routes())
    missing = sorted(routes - set(SHOWS) - set(SHOWS_NO_PERSONAL_DATA))
    assert not missing, (
        "These staff pages are neither walked in tests/test_every_read_logged.py (SHOWS) nor "
        "listed as showing no personal data (SHOWS_NO_PERSONAL_DATA). A page that shows a "
        "person's data must write an access record (privacy.services) and be walked:\n  "
        + "\n  ".join(missing)
    )
    assert not set(SHOWS) & set(SHOWS_NO_PERSONAL_DATA)
    gone = (set(SHOWS) | set(SHOWS_NO_PERSONAL_DATA)) - routes
    assert not gone, f"listed but gone: {sorted(gone)}"


def _review_pair_for(person) -> ReviewPair:
    """A pair in the person index's review queue: A's own record (the platform's source,
    whose id is the person's) and another system's record that may be A."""
    from django.utils import timezone

    batch = ImportBatch.objects.create(
        source="council-tax", file_name="x.csv", created_at=timezone.now()
    )
    run = LinkRun.objects.create(
        started_at=timezone.now(), match_threshold=0.9, review_threshold=0.5
    )
    ours = SourceRecord.objects.create(
        source="commonweal", source_id=str(person.pk), given_name="ZEPHYRINE", batch=batch
    )
    theirs = SourceRecord.objects.create(
        source="council-tax", source_id="CT-1", given_name="ZEPHYRINE", batch=batch
    )
    return ReviewPair.objects.create(record_a=ours, record_b=theirs, match_probability=0.7, run=run)


def _expected(who: str, world) -> set[int]:
    if who == "a":
        return {world.case.person_id}
    if who == "letter recipients":
        from commonweal.messaging import selectors as messaging
        from commonweal.messaging.models import PrintBatch

        batch = PrintBatch.objects.get(pk=world.values["print_batch"])
        return set(messaging.print_batch_recipients(batch=batch))
    if who == "payee":
        instruction = PaymentInstruction.objects.get(pk=world.values["payment"])
        return {Case.objects.get(pk=instruction.case_id).person_id}
    batch = PaymentBatch.objects.get(pk=world.values["batch"])
    case_ids = PaymentInstruction.objects.filter(batch=batch).values_list("case_id", flat=True)
    return set(Case.objects.filter(pk__in=case_ids).values_list("person_id", flat=True))


def test_every_staff_page_showing_a_person_records_the_read(tmp_path, settings):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    world = build_world(tmp_path)
    leader = User.objects.get(email="team.leader@council.example")
    # A's case is the team leader's own work (so it is in their list of work too).
    Case.objects.filter(pk=world.case.pk).update(assigned_to=leader)
    _review_pair_for(world.case.person)
    privacy.hold_place(
        person_id=world.case.person_id,
        reason="A complaint",
        by=leader,
        context=staff_context(user=leader),
    )
    client = Client(raise_request_exception=True)
    client.force_login(leader)
    problems = []
    for route, who in SHOWS.items():
        url = url_for(route, ROUTES[route], world)
        since = AccessRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if route in POSTED:
            posted = {key: world.values.get(value, value) for key, value in POSTED[route].items()}
            response = client.post(url, posted)
        else:
            response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: answered {response.status_code}, not the page")
            continue
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        written = list(AccessRecord.objects.filter(pk__gt=since))
        wanted = _expected(who, world)
        named = {record.person_id for record in written}
        if not wanted <= named:
            problems.append(f"{url}: no access record for {sorted(wanted - named)}")
        elif any(r.purpose not in Purpose.values or r.actor_id != leader.pk for r in written):
            problems.append(f"{url}: a record without a purpose, or not naming who read")
    assert not problems, "\n".join(problems)


def test_every_staff_route_said_to_change_only_refuses_a_get(tmp_path):
    world = build_world(tmp_path)
    client = Client()
    client.force_login(User.objects.get(email="team.leader@council.example"))
    for route, why in SHOWS_NO_PERSONAL_DATA.items():
        if why.startswith("changes only"):
            url = url_for(route, ROUTES[route], world)
            assert client.get(url).status_code == 405, url


def _admin_object(model, world):
    if model is User:
        return world.citizen_a  # a citizen's account (staff accounts are no person's)
    return model._default_manager.order_by("pk").first()


def test_every_admin_page_showing_a_person_records_the_read(tmp_path):
    world = build_world(tmp_path)
    superuser = User.objects.create_superuser("root@council.example", password="x")
    privacy.hold_place(
        person_id=world.case.person_id, reason="An investigation", by=superuser, context=None
    )
    client = Client(raise_request_exception=True)
    client.force_login(superuser)
    problems = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        if label in ADMIN_WITHOUT_PERSONAL_DATA:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        obj = _admin_object(model, world)
        if obj is None:
            problems.append(f"{label}: nothing seeded to show")
            continue
        person_id = model_admin.person_id_of(obj)
        if person_id is None:
            problems.append(f"{label}: its row names no person (person_id_of)")
            continue
        for what, url in (
            ("list", reverse("admin:{}_{}_changelist".format(*info))),
            ("page", reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)])),
        ):
            since = AccessRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = client.get(url)
            assert response.status_code == 200, url
            written = AccessRecord.objects.filter(pk__gt=since, person_id=person_id)
            if not written.filter(purpose=Purpose.ADMINISTRATION, actor=superuser).exists():
                problems.append(f"{label} {what} ({url}): no access record for {person_id}")
    assert not problems, "\n".join(problems)
