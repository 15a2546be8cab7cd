"""`commonweal seed`: bulk people, applications and cases (COPY on PostgreSQL, bulk_create on
SQLite), and the trigram indexes for name search on PostgreSQL."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models

from commonweal.accounts.models import User
from commonweal.cases.models import Case, CaseEvent, CaseFlag, Decision
from commonweal.catalogue.selectors import definition_for
from commonweal.core import uk
from commonweal.core.references import normalise_reference
from commonweal.devtools.seed import (
    COLUMNS,
    Table,
    foreign_keys_broken,
    seed_reference,
    seed_reference_number,
)
from commonweal.intake.models import Application
from commonweal.organisations.models import Membership, Role
from commonweal.people.models import Person

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed", verbosity=0, **options)
    # Foreign keys are checked at commit, which a test never reaches: check them now.
    connection.check_constraints()


def test_seed_makes_people_applications_and_cases():
    seed(people=50, cases=200)

    assert Person.objects.count() == 50
    assert Application.objects.filter(status="submitted").count() == 200
    cases = list(Case.objects.select_related("application", "person", "version"))
    assert len(cases) == 200
    assert len({case.reference for case in cases}) == 200
    assert CaseEvent.objects.filter(kind="submitted", visible_to_person=True).count() == 200

    open_cases = [case for case in cases if case.closed_at is None]
    assert len(open_cases) == round(200 * 0.1)
    decided = set(Decision.objects.values_list("case_id", flat=True))
    for case in cases:
        assert normalise_reference(case.reference) == case.reference
        assert case.application.reference == case.reference
        assert case.application.person_id == case.person_id
        assert case.team_id is not None
        assert case.revision == 1
        assert case.due_date > case.opened_at.date()
        definition = definition_for(case.version)
        stage = definition.stage(case.stage)
        assert stage is not None
        if case.closed_at is None:
            assert not stage.final
            assert case.outcome == ""
            assert case.pk not in decided
        else:
            assert stage.final
            assert case.outcome in {"approved", "refused", "withdrawn"}
            assert case.pk in decided
            assert case.closed_at >= case.opened_at
        answers = case.application.answers
        assert answers["given-name"] == case.person.given_name
        assert answers["family-name"] == case.person.family_name
        assert answers["date-of-birth"] == case.person.date_of_birth.isoformat()
        assert answers["address"]["postcode"] == case.person.address_postcode
    for decision in Decision.objects.select_related("case__version"):
        reasons = definition_for(decision.case.version).reasons_for(decision.outcome)
        assert set(decision.reasons) <= {reason.id for reason in reasons}
        assert decision.outcome == decision.case.outcome
    assert set(CaseFlag.objects.values_list("case__closed_at", flat=True)) <= {None}


def test_seeded_people_have_valid_uk_details():
    seed(people=40, cases=60)

    people = list(Person.objects.select_related("account"))
    assert len(people) == 40
    for person in people:
        assert uk.normalise_postcode(person.address_postcode) == person.address_postcode
        assert uk.normalise_ni_number(person.ni_number) == person.ni_number
        assert not person.phone or uk.normalise_uk_phone(person.phone) == person.phone
        # Welsh, English, or one of the demo's community languages (Polish, Arabic).
        assert person.language in {"en", "cy", "pl", "ar"}
        assert person.interpreter_language == ("pl" if person.interpreter_needed else "")
        assert not person.interpreter_needed or person.language == "pl"
        assert person.preferred_contact in {"email", "phone", "letter"}
        assert person.account.email == person.email
        assert not person.account.has_usable_password()
        assert not person.account.is_staff


def test_some_seeded_people_speak_polish_or_arabic():
    seed(people=400, cases=10)

    speakers = dict(
        Person.objects.values_list("language").annotate(n=models.Count("pk")).order_by()
    )
    assert speakers.get("pl", 0) > 0 and speakers.get("ar", 0) > 0
    assert Person.objects.filter(interpreter_needed=True, interpreter_language="pl").exists()
    # Their applications are in English: the pages they used were.
    assert set(Application.objects.values_list("language", flat=True)) <= {"en", "cy"}


def test_seed_makes_staff_in_the_council_teams_once():
    seed(people=5, cases=10)
    seed(people=5, cases=10)

    staff = User.objects.filter(email__startswith="caseworker", email__endswith="@seed.example")
    assert staff.count() == 40
    assert all(user.is_staff and not user.has_usable_password() for user in staff)
    memberships = Membership.objects.filter(user__in=staff)
    assert memberships.count() == 40
    assert memberships.filter(role=Role.TEAM_LEADER).count() == 4
    assert set(memberships.values_list("team__slug", flat=True)) == {
        "financial-support",
        "adaptations",
    }
    # Open cases are assigned, if at all, to someone in the case's own team.
    for case in Case.objects.filter(assigned_to__isnull=False):
        assert memberships.filter(user=case.assigned_to_id, team=case.team_id).exists()


def test_seeding_twice_adds_more():
    seed(people=20, cases=50)
    seed(people=20, cases=50)

    assert Case.objects.count() == 100
    assert Person.objects.count() == 40
    assert Case.objects.values("reference").distinct().count() == 100
    assert Case.objects.filter(closed_at__isnull=True).count() == 10


@pytest.mark.parametrize(
    ("people", "cases", "batch_size"),
    [(7, 50, 8), (30, 10, 4), (1, 25, 10)],
    ids=["more-cases", "more-people", "one-person"],
)
def test_seed_in_small_batches(people, cases, batch_size):
    seed(people=people, cases=cases, batch_size=batch_size, open_share=0.2)

    assert Person.objects.count() == people
    assert Case.objects.count() == cases
    assert Case.objects.filter(closed_at__isnull=True).count() == round(cases * 0.2)
    assert Decision.objects.count() == cases - round(cases * 0.2)


@pytest.mark.parametrize(("share", "open_cases"), [(0.0, 0), (0.5, 15), (1.0, 30)])
def test_open_share(share, open_cases):
    seed(people=10, cases=30, open_share=share)

    assert Case.objects.filter(closed_at__isnull=True).count() == open_cases
    assert Decision.objects.count() == 30 - open_cases


@pytest.mark.parametrize(
    "options",
    [
        {"cases": 0},
        {"cases": -5},
        {"cases": 10, "people": 0},
        {"cases": 10, "people": -1},
        {"cases": 10, "batch_size": 0},
        {"cases": 10, "open_share": 1.5},
        {"cases": 10, "open_share": -0.1},
    ],
)
def test_bad_numbers_are_refused(options):
    with pytest.raises(CommandError):
        call_command("seed", verbosity=0, **options)
    assert not Case.objects.exists()


def test_bad_numbers_from_the_command_line_are_refused():
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("seed", "--cases", "lots", verbosity=0)


def test_seed_references():
    assert seed_reference("BL", 1) == "BL-S222-2223"
    assert normalise_reference(seed_reference("HA", 10**9)) == seed_reference("HA", 10**9)
    for number in (1, 30, 31, 123_456, 10**9):
        assert seed_reference_number(seed_reference("ES", number)) == number
    assert seed_reference("BL", 1) < seed_reference("BL", 2) < seed_reference("BL", 40)
    assert seed_reference_number("BL-7KQ4-M2XD") is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_name_search_uses_the_trigram_indexes():
    seed(people=200, cases=20)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for column in ("family_name", "given_name"):
            query = Person.objects.filter(**{f"{column}__icontains": "jon"})
            sql, params = query.query.sql_with_params()
            assert f'UPPER("people_person"."{column}"::text) LIKE UPPER(' in sql
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"person_{column}_trgm" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="checks rows COPY loaded")
def test_broken_foreign_keys_are_found():
    seed(people=5, cases=10)
    tables = [Table(model, columns) for model, columns in COLUMNS.values()]
    assert foreign_keys_broken(tables) == ""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO cases_caseflag (case_id, code, created_by_id, created_at) "
            "SELECT 99999999, 'urgent', id, now() FROM accounts_user LIMIT 1"
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert foreign_keys_broken(tables) == "cases_caseflag.case_id"


def test_seed_checks_keys_row_by_row_when_not_a_superuser(monkeypatch):
    monkeypatch.setattr("commonweal.devtools.seed._is_superuser", lambda: False)
    seed(people=10, cases=40)

    assert Case.objects.count() == 40
