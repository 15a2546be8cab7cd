"""The access log (issue 5): a record for every read of a person's data, with its purpose;
break glass; the person's "Who has seen your data" page with investigation holds; the
hash chain and `commonweal audit verify` against each kind of tampering."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.api import services as api_services
from commonweal.cases import services as cases_services
from commonweal.core.db import append_only
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.privacy import selectors, services
from commonweal.privacy.models import AccessHold, AccessRecord, OrganisationPolicy, Seal
from tests.workspace import agree_to_sharing, citizen_case, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(staff):
    _account, case = citizen_case()
    return case


def staff_client(client, user):
    client.force_login(user)
    return client


def inserts_into_log(captured) -> int:
    return sum(
        1
        for query in captured
        if query["sql"].startswith("INSERT") and "privacy_accessrecord" in query["sql"]
    )


# Recording reads


def test_the_case_page_records_one_read_with_its_purpose(client, staff, case):
    c = staff_client(client, staff.caseworker)
    with CaptureQueriesContext(connection) as queries:
        assert c.get(f"/staff/cases/{case.reference}/").status_code == 200
    assert inserts_into_log(queries.captured_queries) == 1
    record = AccessRecord.objects.get()
    council = staff.teams["financial-support"].organisation
    assert (record.person_id, record.case_id, record.actor_id) == (
        case.person_id,
        case.pk,
        staff.caseworker.pk,
    )
    assert (record.purpose, record.role, record.organisation_id) == (
        "team_queue",
        Role.CASEWORKER,
        council.pk,
    )
    assert "person" in record.categories and record.via == "case_page" and not record.flagged

    cases_services.case_assign(
        case_id=case.pk, assignee_id=staff.caseworker.pk, by=staff.leader, revision=None
    )
    c.get(f"/staff/cases/{case.reference}/")
    assert AccessRecord.objects.latest("id").purpose == "assigned_case"


def test_a_referred_organisation_reads_for_the_referral(client, staff, case):
    from commonweal.organisations import selectors as organisation_selectors

    agree_to_sharing(case)
    cases_services.case_refer(
        case_id=case.pk,
        organisation_id=staff.teams["provider"].organisation_id,
        scope=["person", "timeline"],
        reason="Help with forms",
        by=staff.leader,
        context=organisation_selectors.staff_context(user=staff.leader),
        revision=None,
    )
    c = staff_client(client, staff.provider)
    assert c.get(f"/staff/cases/{case.reference}/").status_code == 200
    record = AccessRecord.objects.get()
    assert record.purpose == "referral"
    assert record.organisation_id == staff.teams["provider"].organisation_id
    assert sorted(record.categories) == ["decisions", "person", "timeline"]


def test_a_case_one_cannot_see_records_nothing(client, staff, case):
    c = staff_client(client, staff.other_team)
    assert c.get(f"/staff/cases/{case.reference}/").status_code == 404
    assert not AccessRecord.objects.exists()


def test_search_records_each_person_shown_in_one_insert(client, staff):
    for email in ("sam.evans@example.com", "jo.evans@example.com", "al.evans@example.com"):
        citizen_case(email)
    c = staff_client(client, staff.caseworker)
    with CaptureQueriesContext(connection) as queries:
        html = c.get("/staff/search/", {"q": "Evans"}).content.decode()
    assert html.count("/staff/cases/") >= 3
    assert inserts_into_log(queries.captured_queries) == 1
    records = list(AccessRecord.objects.all())
    assert len(records) == 3 and {r.purpose for r in records} == {"search"}
    assert len({r.person_id for r in records}) == 3
    # A search that shows nobody records nothing.
    c.get("/staff/search/", {"q": "Nobody-by-this-name"})
    assert AccessRecord.objects.count() == 3


def test_api_reads_are_recorded_as_the_integration(client, staff, case):
    council = staff.teams["financial-support"].organisation
    key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["cases:read", "people:read"]
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/v1/cases/{case.reference}/", **auth).status_code == 200
    people = client.get("/api/v1/people/?q=Evans", **auth).json()["people"]
    client.get(f"/api/v1/people/{people[0]['id']}/contact-preferences/", **auth)
    records = list(AccessRecord.objects.order_by("id"))
    assert [r.via for r in records] == ["api", "api", "api"]
    assert {r.purpose for r in records} == {"api"}
    assert {(r.api_key_id, r.organisation_id, r.role) for r in records} == {
        (key.pk, council.pk, "integration")
    }
    assert [r.categories for r in records] == [
        ["decisions", "timeline"],
        ["person"],
        ["contact_preferences"],
    ]
    assert records[0].case_id == case.pk and {r.person_id for r in records} == {case.person_id}


def test_api_changes_are_recorded_as_the_integration_too(client, staff, case):
    """Every call through a key: registering, a note, a changed preference."""
    import json

    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS

    council = staff.teams["financial-support"].organisation
    key, token = api_services.api_key_create(
        organisation=council,
        name="Call centre",
        scopes=["applications:register", "cases:update", "people:read"],
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(url, body, number):
        return client.post(
            url,
            json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=number,
            **auth,
        )

    registered = post(
        "/api/v1/applications/",
        {"service": "budgeting-loan", "channel": "phone", "answers": BUDGETING_LOAN_ANSWERS},
        "1",
    )
    assert registered.status_code == 201, registered.content
    noted = post(f"/api/v1/cases/{case.reference}/notes/", {"text": "Rang back"}, "2")
    assert noted.status_code == 200, noted.content
    # A refused change is not a look at anyone's data.
    assert post("/api/v1/cases/BL-2345-6789/notes/", {"text": "x"}, "3").status_code == 404
    records = list(AccessRecord.objects.order_by("id"))
    assert [(r.via, r.purpose, r.api_key_id) for r in records] == [("api", "api", key.pk)] * 2
    assert records[0].categories == ["answers", "person"]
    assert records[0].case.reference == registered.json()["reference"]
    assert records[1].case_id == case.pk and records[1].person_id == case.person_id


def test_downloading_letters_records_an_export_for_each_person(client, staff, case):
    from tests.test_notices import deliver_all, tell

    person = case.person
    person.channels = ["letter"]
    person.save()
    letter = tell(case).messages.get()
    deliver_all()
    letter.refresh_from_db()
    batch = letter.print_batch_id
    c = staff_client(client, staff.caseworker)
    assert c.post(f"/staff/letters/{batch}/build/").status_code == 302
    assert not AccessRecord.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        assert c.get(f"/staff/letters/{batch}/download/").status_code == 200
    assert inserts_into_log(queries.captured_queries) == 1
    record = AccessRecord.objects.get()
    assert (record.person_id, record.case_id, record.purpose, record.via) == (
        case.person_id,
        case.pk,
        "export",
        "export",
    )


# Break glass


@pytest.fixture
def service_owner(staff):
    """Sees every case of the council, but works in the adaptations team."""
    from commonweal.accounts.models import User

    user = User.objects.create_user("owner@council.example", display_name="Owen Owner")
    organisations.membership_ensure(
        user=user, team=staff.teams["adaptations"], role=Role.SERVICE_OWNER
    )
    return user


def test_break_glass_asks_for_a_reason_first_and_flags_the_read(client, staff, case, service_owner):
    c = staff_client(client, service_owner)
    url = f"/staff/cases/{case.reference}/"
    asked = c.get(url)
    assert asked.status_code == 302 and "/reason/" in asked["Location"]
    assert not AccessRecord.objects.exists()
    form = c.get(asked["Location"])
    assert form.status_code == 200
    assert "Why do you need to open this case?" in form.content.decode()
    assert "Sam Evans" not in form.content.decode()

    blank = c.post(asked["Location"], {"reason": "   ", "next": url})
    assert blank.status_code == 400
    assert "govuk-error-summary" in blank.content.decode()
    assert "Enter why you need to open this record" in blank.content.decode()
    assert not AccessRecord.objects.exists()

    given = c.post(asked["Location"], {"reason": "Caller on the phone, worker away", "next": url})
    assert given.status_code == 302 and given["Location"] == url
    assert c.get(url).status_code == 200
    record = AccessRecord.objects.get()
    assert record.purpose == "break_glass" and record.flagged
    assert record.reason == "Caller on the phone, worker away"
    assert record.role == Role.SERVICE_OWNER

    # The next page goes back to the case only; an address elsewhere is not followed.
    elsewhere = c.post(asked["Location"], {"reason": "Again", "next": "https://evil.example/"})
    assert elsewhere["Location"] == url

    # The adaptations team's leader sees it flagged; the council's other leader does not.
    from commonweal.accounts.models import User

    adaptations_leader = User.objects.create_user("lead@council.example", display_name="Lee")
    organisations.membership_ensure(
        user=adaptations_leader, team=staff.teams["adaptations"], role=Role.TEAM_LEADER
    )
    page = staff_client(client, adaptations_leader).get("/staff/access/").content.decode()
    assert "Caller on the phone, worker away" in page and case.reference in page
    page = staff_client(client, staff.leader).get("/staff/access/").content.decode()
    assert "Caller on the phone, worker away" not in page
    assert staff_client(client, staff.caseworker).get("/staff/access/").status_code == 403


def test_no_reason_is_asked_for_ones_own_work(client, staff, case):
    c = staff_client(client, staff.caseworker)
    asked = c.get(f"/staff/access/cases/{case.reference}/reason/")
    assert asked.status_code == 302 and asked["Location"] == f"/staff/cases/{case.reference}/"
    assert (
        staff_client(client, staff.other_team)
        .get(f"/staff/access/cases/{case.reference}/reason/")
        .status_code
        == 404
    )


def test_break_glass_needs_a_csrf_token(staff, case, service_owner):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(service_owner)
    response = c.post(f"/staff/access/cases/{case.reference}/reason/", {"reason": "x"})
    assert response.status_code == 403
    assert services.BREAK_GLASS_SESSION_KEY not in c.session


def test_bad_records_are_refused_and_nothing_is_written(staff, case):
    with pytest.raises(services.AccessRefused) as refused:
        services.access_record(
            person_id=case.person_id,
            purpose="break_glass",
            categories=["person"],
            via="case_page",
            by=staff.caseworker,
            reason="  ",
        )
    assert refused.value.field == "reason"
    for bad in ({"purpose": "curiosity"}, {"categories": ["shoe_size"]}, {"categories": []}):
        arguments = {"purpose": "search", "categories": ["person"], "via": "search", **bad}
        with pytest.raises(services.AccessRefused):
            services.access_record(person_id=case.person_id, by=staff.caseworker, **arguments)
    # A list with one bad entry writes none of the others.
    with pytest.raises(services.AccessRefused):
        services.access_record_many(
            person_ids=[case.person_id, case.person_id + 1],
            purpose="break_glass",
            categories=["person"],
            via="search",
        )
    assert not AccessRecord.objects.exists()
    # The database itself refuses break glass without a reason.
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRecord.objects.create(
            accessed_at=timezone.now(),
            person_id=case.person_id,
            purpose="break_glass",
            categories=["person"],
            via="case_page",
        )


def test_the_log_cannot_be_changed_or_deleted_through_the_app(staff, case):
    from django.db import DatabaseError

    record = services.access_record(
        person_id=case.person_id, purpose="search", categories=["person"], via="search"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessRecord.objects.filter(pk=record.pk).update(purpose="export")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessRecord.objects.filter(pk=record.pk).delete()


# Who has seen your data

# The organisation whose staff looked, as the access page heads its records (the council
# running the demo, named as the site names it).
COUNCIL_HEADING = '<h2 class="govuk-heading-m">Demo Council</h2>'


def test_the_person_sees_who_looked_grouped_by_organisation_and_purpose(client, staff, case):
    staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    staff_client(client, staff.colleague).get("/staff/search/", {"q": "Evans"})
    client.force_login(case.person.account)
    html = client.get("/your-data/access/").content.decode()
    assert COUNCIL_HEADING in html
    assert "as part of their team" in html and "in the results of a search" in html
    assert "Caseworker" in html and "Casey Worker" not in html  # the default: role only
    assert timezone.localdate().strftime("%B") in html

    council = staff.teams["financial-support"].organisation
    OrganisationPolicy.objects.create(organisation=council, show_staff_as="name")
    html = client.get("/your-data/access/").content.decode()
    assert "Casey Worker (Caseworker)" in html and "Col League (Caseworker)" in html

    report = selectors.accesses_for_person(person_id=case.person_id)
    [organisation] = report.organisations
    team_queue = next(group for group in organisation.purposes if group.purpose == "team_queue")
    assert [line.times for line in team_queue.lines] == [2]


def test_the_page_names_the_organisation_as_the_site_does_and_links_contact_us_once(
    client, staff, case, settings
):
    """One name for the council, from one place (the site's settings), in the header, the
    records' heading and the emails; in Welsh too. "Contact us" is said once, as a link."""
    import re

    staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    client.force_login(case.person.account)
    html = client.get("/your-data/access/").content.decode()
    header = re.search(r'<span class="app-header__organisation">\s*(.*?)\s*</span>', html)
    assert header.group(1) == settings.COMMONWEAL_ORGANISATION_NAME == "Demo Council"
    assert COUNCIL_HEADING in html
    assert "County" not in html
    assert (
        'If you think someone looked at your data without a good reason, <a class="govuk-link"'
        ' href="/contact/">contact us</a>.'
    ) in html
    assert html.count(">Contact us</a>") == 1  # the footer's link only
    client.cookies["commonweal_language"] = "cy"
    welsh = client.get("/your-data/access/").content.decode()
    assert '<h2 class="govuk-heading-m">Cyngor Demo</h2>' in welsh
    assert "Enghreifftiol" not in welsh
    # The emails about the case sign off with the same name.
    from commonweal.messaging.models import Message

    assert Message.objects.get(case=case).body.endswith("\n\nDemo Council")


def test_someone_else_sees_nothing_of_it(client, staff, case, other_citizen):
    staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    client.force_login(other_citizen)
    html = client.get("/your-data/access/").content.decode()
    assert "Nobody has looked at your data yet." in html
    assert COUNCIL_HEADING not in html


def test_the_page_costs_the_same_whatever_the_number_of_reads(
    client, staff, case, django_assert_max_num_queries
):
    c = staff_client(client, staff.caseworker)
    c.get(f"/staff/cases/{case.reference}/")
    client.force_login(case.person.account)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/your-data/access/").status_code == 200
        return len(queries.captured_queries)

    one = count()
    staff_client(c, staff.colleague).get("/staff/search/", {"q": "Evans"})
    staff_client(c, staff.leader).get(f"/staff/cases/{case.reference}/")
    client.force_login(case.person.account)
    assert count() == one


def test_a_hold_hides_reads_until_it_is_lifted_and_is_recorded(client, staff, case):
    staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    leader = staff_client(client, staff.leader)
    missing = leader.post("/staff/access/", {"reference": case.reference, "reason": ""})
    assert missing.status_code == 400 and "govuk-error-summary" in missing.content.decode()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    form = {
        "reference": case.reference,
        "reason": "Fraud investigation 44",
        "held-from-day": yesterday.day,
        "held-from-month": yesterday.month,
        "held-from-year": yesterday.year,
    }
    assert leader.post("/staff/access/", form).status_code == 302
    assert leader.post("/staff/access/", form).status_code == 302  # a double submit
    hold = AccessHold.objects.get()
    assert hold.placed_by == staff.leader and hold.lifted_at is None

    client.force_login(case.person.account)
    html = client.get("/your-data/access/").content.decode()
    assert COUNCIL_HEADING not in html and "investigation" not in html

    # A caseworker cannot lift it; the leader can.
    staff_client(client, staff.caseworker)
    assert client.post("/staff/access/holds/lift/", {"hold": hold.pk}).status_code == 403
    leader = staff_client(client, staff.leader)
    assert leader.post("/staff/access/holds/lift/", {"hold": "x"}).status_code == 404
    assert leader.post("/staff/access/holds/lift/", {"hold": hold.pk}).status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == staff.leader and hold.lifted_at is not None

    client.force_login(case.person.account)
    html = client.get("/your-data/access/").content.decode()
    assert COUNCIL_HEADING in html and "during an investigation" in html


def test_only_leaders_place_holds(staff, case):
    from commonweal.organisations import selectors as organisation_selectors

    context = organisation_selectors.staff_context(user=staff.caseworker)
    with pytest.raises(services.AccessRefused):
        services.hold_place(
            person_id=case.person_id, reason="x", by=staff.caseworker, context=context
        )
    context = organisation_selectors.staff_context(user=staff.leader)
    with pytest.raises(services.AccessRefused) as refused:
        services.hold_place(
            person_id=case.person_id,
            reason="x",
            by=staff.leader,
            context=context,
            held_from=timezone.now(),
            held_until=timezone.now() - datetime.timedelta(days=1),
        )
    assert refused.value.field == "held_until"
    assert not AccessHold.objects.exists()


# The chain


def _records(case, count: int) -> list[AccessRecord]:
    return services.access_record_many(
        person_ids=range(case.person_id, case.person_id + count),
        purpose="search",
        categories=["person"],
        via="search",
    )


class _Editor:
    """Just enough of a schema editor for core.db.append_only's functions."""

    connection = connection

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)


def tamper(sql: str, params=()) -> None:
    """Change the log behind the app's back: the database's own guard taken off, the SQL
    run, the guard put back (as someone with the database's owner rights could)."""
    tables = ("privacy_accessrecord", "privacy_seal")
    for table in tables:
        append_only(table).reverse_code(None, _Editor())
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        for table in tables:
            append_only(table).code(None, _Editor())


@pytest.fixture
def sealed(case):
    """40 records in three seals."""
    _records(case, 15)
    assert len(services.access_log_seal(batch_size=10)) == 2
    made = _records(case, 15)
    assert len(services.access_log_seal(batch_size=100)) == 1
    return made


def test_an_untouched_chain_verifies(sealed, case):
    result = selectors.access_log_verify()
    assert result.intact and (result.records, result.seals, result.unsealed) == (30, 3, 0)
    _records(case, 2)
    result = selectors.access_log_verify()
    assert result.intact and result.unsealed == 2


def _broken():
    result = selectors.access_log_verify()
    assert not result.intact
    return result


def test_a_changed_record_is_named(sealed):
    target = sealed[4]
    tamper("UPDATE privacy_accessrecord SET purpose = 'export' WHERE id = %s", [target.pk])
    result = _broken()
    assert result.record_id == target.pk and "was changed" in result.problem


def test_a_deleted_record_is_named(sealed):
    target = sealed[2]
    tamper("DELETE FROM privacy_accessrecord WHERE id = %s", [target.pk])
    result = _broken()
    assert result.record_id == target.pk and "was deleted" in result.problem


FORGED = (
    "INSERT INTO privacy_accessrecord (id, accessed_at, person_id, actor_name, role, purpose, "
    "reason, categories, via, flagged) VALUES (%s, %s, %s, '', '', 'search', '', "
    "'[\"person\"]', 'search', %s)"
)


def test_an_inserted_record_is_named(case):
    made = _records(case, 6)
    # A gap before sealing, as a rolled-back read leaves one.
    tamper("DELETE FROM privacy_accessrecord WHERE id = %s", [made[3].pk])
    services.access_log_seal()
    assert selectors.access_log_verify().intact
    # A record forged into the gap, among sealed records.
    tamper(FORGED, [made[3].pk, timezone.now(), case.person_id, False])
    result = _broken()
    assert result.record_id == made[3].pk and "was inserted" in result.problem


def test_a_record_replaced_by_a_forged_one_with_its_id_is_named(case):
    made = _records(case, 4)
    services.access_log_seal()
    tamper("DELETE FROM privacy_accessrecord WHERE id = %s", [made[1].pk])
    tamper(FORGED, [made[1].pk, made[1].accessed_at, case.person_id, True])
    result = _broken()
    assert result.record_id == made[1].pk and "was changed" in result.problem


def test_an_edited_seal_is_named(sealed):
    tamper("UPDATE privacy_seal SET last_record_id = last_record_id - 1 WHERE number = 2")
    result = _broken()
    assert result.seal_number == 2 and "seal 2 was altered" in result.problem


def test_a_seal_rewritten_with_its_own_hash_breaks_the_next_one(sealed):
    from commonweal.privacy import chain

    seal = Seal.objects.get(number=2)
    fields = {
        "number": 2,
        "previous_seal_hash": seal.previous_seal_hash,
        "first_record_id": seal.first_record_id,
        "last_record_id": seal.last_record_id,
        "record_count": seal.record_count,
        "digests": bytes(seal.digests),
        "last_hash": seal.last_hash,
        "sealed_at": seal.sealed_at + datetime.timedelta(seconds=1),
    }
    tamper(
        "UPDATE privacy_seal SET sealed_at = %s, seal_hash = %s WHERE number = 2",
        [fields["sealed_at"], chain.seal_hash(**fields)],
    )
    result = _broken()
    assert result.seal_number == 3 and "does not follow seal 2" in result.problem


def test_a_deleted_seal_is_named(sealed):
    tamper("DELETE FROM privacy_seal WHERE number = 2")
    result = _broken()
    assert result.seal_number == 2 and "seal 2 is missing" in result.problem


def test_audit_verify_command(sealed, case, capsys):
    _records(case, 3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "sealed 3 waiting records" in out
    assert "chain intact: 33 records, 4 seals" in out
    tamper("UPDATE privacy_accessrecord SET reason = 'x' WHERE id = %s", [sealed[0].pk])
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")
    assert failed.value.returncode == 1
    assert f"record {sealed[0].pk} was changed" in str(failed.value)


def test_two_sealers_never_fork_the_chain(case):
    _records(case, 5)
    services.access_log_seal()
    assert services.access_log_seal() == []  # nothing left: no empty seal
    _records(case, 2)
    # A second sealer that read the same last seal is refused by the unique seal number.
    last = Seal.objects.order_by("-number").first()
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Seal.objects.create(
            number=last.number,
            first_record_id=0,
            last_record_id=0,
            record_count=0,
            digests=b"",
            last_hash="",
            previous_seal_hash="",
            seal_hash="",
            sealed_at=timezone.now(),
        )
    assert len(services.access_log_seal()) == 1
    assert selectors.access_log_verify().intact


def test_the_worker_seals_the_log(case, run_tasks):
    _records(case, 3)
    run_tasks()
    assert Seal.objects.get().record_count == 3
    assert json.loads(json.dumps(selectors.access_log_verify().intact))


@pytest.fixture
def emptied_after():
    """A transactional test's flush, with the append-only tables emptied first (SQLite)."""
    from tests.browser.conftest import _empty_append_only_tables
    from tests.conftest import load_demo_services

    # An earlier transactional test's flush may have emptied the catalogue.
    load_demo_services()
    yield
    _empty_append_only_tables()


@pytest.mark.django_db(transaction=True)
def test_a_read_outside_any_transaction_is_written_at_once(emptied_after, staff, case):
    """On PostgreSQL the record commits asynchronously (its own one statement); on SQLite
    it is a plain INSERT. Either way it is there, whole, and seals."""
    from commonweal.people.models import Person

    other = Person.objects.create(given_name="Al", family_name="Other")
    with CaptureQueriesContext(connection) as queries:
        made = services.access_record_many(
            person_ids=[case.person_id, other.pk, case.person_id],
            case_ids={case.person_id: case.pk},
            purpose="search",
            categories=["person"],
            via="search",
            by=staff.caseworker,
        )
    assert inserts_into_log(queries.captured_queries) == 1
    assert [record.pk for record in made] == list(
        AccessRecord.objects.order_by("id").values_list("pk", flat=True)
    )
    first = AccessRecord.objects.get(pk=made[0].pk)
    assert (first.case_id, first.categories, first.actor_name) == (
        case.pk,
        ["person"],
        "Casey Worker",
    )
    assert AccessRecord.objects.get(pk=made[1].pk).case_id is None
    services.access_log_seal()
    assert selectors.access_log_verify().intact
