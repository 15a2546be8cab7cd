"""Automated checks: the built-in checks on realistic applications, the runner (time limits,
crashes, the team told, the case never held up), re-running from the case page, and the
checks queued after a submission."""

import copy
import datetime
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from commonweal.accounts import services as accounts_services
from commonweal.cases.models import Case, CaseEvent, Task
from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue.yaml_io import DefinitionError, parse_definition
from commonweal.checks import builtin, registry, selectors
from commonweal.checks import services as checks_services
from commonweal.checks.models import CheckResult, CheckRun, MatchKey
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.intake import services as intake_services
from commonweal.intake.models import Application
from commonweal.people import services as people_services
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[1] / "src" / "commonweal" / "catalogue" / "demo"
_counter = iter(range(10_000))


def apply(email: str | None = None, **changes):
    """A Budgeting Loan sent by a new person (or by `email`'s), with answers changed."""
    number = next(_counter)
    email = email or f"applicant{number}@example.com"
    account = accounts_services.account_for_email(email=email)
    people_services.person_for_account(account=account)
    answers = copy.deepcopy(BUDGETING_LOAN_ANSWERS)
    # Each applicant has their own NI number, phone, address and bank account unless a test
    # gives them someone else's.
    answers["ni-number"] = f"AB{100000 + number:06d}C"
    answers["phone"] = f"+4477009{number:05d}"
    answers["address"] = {**answers["address"], "line_1": f"{number + 1} Station Road"}
    answers["bank-details"] = {
        "name": "S Evans",
        "sort_code": "309430",
        "account_number": f"{10000000 + number:08d}",
    }
    answers.update(changes)
    published = catalogue.published_service(slug="budgeting-loan")
    pages = [page.id for page in published.definition.visible_pages(answers)]
    Application.objects.create(
        account=account,
        service=published.service,
        version=published.version,
        answers=answers,
        completed_pages=pages,
    )
    application = intake_services.application_submit(
        account=account, service=published.service, language="en"
    )
    case = Case.objects.select_related("application", "person", "version", "service").get(
        pk=application.case.pk
    )
    checks_services.match_keys_index(case=case)
    return case


@pytest.fixture(autouse=True)
def fresh_definitions():
    """Some tests change the checks a stored version lists; no parsed copy outlives them."""
    yield
    catalogue.definitions_cache_clear()


def bank(account_number: str, sort_code: str = "309430") -> dict:
    return {"name": "A Person", "sort_code": sort_code, "account_number": account_number}


# Duplicate NI number


def test_ni_number_on_another_persons_open_application_is_red():
    first = apply(**{"ni-number": "AB987654C"})
    second = apply(**{"ni-number": "AB987654C"})
    result = builtin.duplicate_ni_number(second)
    assert result["status"] == "red"
    assert "Another person's open application" in result["reasons"][0]
    assert result["evidence"]["cases"] == [first.reference]


def test_same_person_applying_twice_is_amber_and_a_closed_case_does_not_count():
    first = apply(email="twice@example.com", **{"ni-number": "AB987654C"})
    second = apply(email="twice@example.com", **{"ni-number": "AB987654C"})
    result = builtin.duplicate_ni_number(second)
    assert result["status"] == "amber"
    assert result["evidence"]["cases"] == [f"{first.reference} (same person)"]
    Case.objects.filter(pk=first.pk).update(closed_at=timezone.now())
    assert builtin.duplicate_ni_number(second)["status"] == "green"


def test_different_ni_numbers_are_green():
    apply()
    result = builtin.duplicate_ni_number(apply())
    assert result["status"] == "green"
    assert result["evidence"]["open_cases"] == 0


# Shared bank account


def test_bank_account_used_by_one_other_person_is_amber_and_by_two_is_red():
    shared = bank("55779911")
    apply(**{"bank-details": shared})
    second = apply(**{"bank-details": {**shared, "sort_code": "30-94-30"}})
    assert builtin.shared_bank_account(second)["status"] == "amber"
    apply(**{"bank-details": shared})
    result = builtin.shared_bank_account(second)
    assert result["status"] == "red"
    assert result["evidence"]["other_people"] == 2
    assert "2 other people have given the same bank account." in result["reasons"]


def test_own_bank_account_on_own_applications_is_green():
    apply(email="same@example.com", **{"bank-details": bank("55779911")})
    again = apply(email="same@example.com", **{"bank-details": bank("55779911")})
    assert builtin.shared_bank_account(again)["status"] == "green"


# Contact velocity


def test_same_phone_on_many_applications_in_a_short_time_is_red():
    cases = [apply(phone="+447700900123") for _ in range(3)]
    result = builtin.contact_velocity(cases[-1])
    assert result["status"] == "red"
    assert result["evidence"]["applications"] == 3
    assert result["evidence"]["other_people"] == 2


def test_same_phone_outside_the_window_is_green():
    old = apply(phone="+447700900123")
    older = apply(phone="+447700900123")
    long_ago = timezone.now() - datetime.timedelta(days=10)
    MatchKey.objects.filter(case__in=[old, older]).update(submitted_at=long_ago)
    result = builtin.contact_velocity(apply(phone="+447700900123"))
    assert result["status"] == "green"
    assert result["evidence"]["applications"] == 1


def test_the_same_email_counts_across_people(settings):
    settings.COMMONWEAL_CHECK_CONTACT_LIMIT = 2
    first = apply()
    # A second person gives the first person's email address on their application.
    second = apply()
    second.person.email = first.person.email
    second.person.save()
    checks_services.match_keys_index(case=second)
    assert builtin.contact_velocity(second)["status"] == "red"


# Address velocity


def test_many_applications_from_one_address_is_red(settings):
    settings.COMMONWEAL_CHECK_ADDRESS_LIMIT = 3
    address = {
        "line_1": "Flat 1, 10 Bute Street",
        "line_2": "",
        "town": "Cardiff",
        "county": "",
        "postcode": "CF10 5AA",
    }
    apply(address=address)
    second = apply(address={**address, "line_1": "flat 1 10 bute street"})
    assert builtin.address_velocity(second)["status"] == "green"
    third = apply(address=address)
    result = builtin.address_velocity(third)
    assert result["status"] == "red"
    assert result["evidence"]["applications"] == 3


def test_different_flats_in_one_building_do_not_match(settings):
    settings.COMMONWEAL_CHECK_ADDRESS_LIMIT = 2
    base = {"line_2": "", "town": "Cardiff", "county": "", "postcode": "CF10 5AA"}
    apply(address={**base, "line_1": "Flat 1, 10 Bute Street"})
    other = apply(address={**base, "line_1": "Flat 2, 10 Bute Street"})
    assert builtin.address_velocity(other)["status"] == "green"


# Bank details format and modulus


def test_bank_details_in_the_right_format_without_a_table_are_not_run_never_green(settings):
    # The format was right, but the number itself was not checked: that is not a pass.
    settings.COMMONWEAL_SORT_CODE_FILE = None
    result = builtin.bank_details_format(apply())
    assert result["status"] == "not_run"
    assert "modulus check is not set up" in result["reasons"][0]
    # A wrong format is still red without the table: that much was checked.
    wrong = apply(**{"bank-details": {"name": "X", "sort_code": "30943", "account_number": "1"}})
    assert builtin.bank_details_format(wrong)["status"] == "red"


def test_bank_details_in_the_wrong_format_are_red():
    case = apply(**{"bank-details": {"name": "X", "sort_code": "30943", "account_number": "123"}})
    result = builtin.bank_details_format(case)
    assert result["status"] == "red"
    assert "is not 6 digits" in result["reasons"][0]
    # Nothing to compare with other applications: not run, with why (not "nobody else").
    shared = builtin.shared_bank_account(case)
    assert shared["status"] == "not_run"
    assert shared["reasons"][0].startswith("The sort code or account number is not in the right")


def test_modulus_check_with_the_published_table(settings):
    settings.COMMONWEAL_SORT_CODE_FILE = str(
        Path(__file__).parent / "data" / "valacdos-excerpt.txt"
    )
    passes = apply(**{"bank-details": bank("66374958", "089999")})
    assert builtin.bank_details_format(passes)["status"] == "green"
    assert builtin.bank_details_format(passes)["evidence"]["accounts"][0]["modulus"] == "pass"
    fails = apply(**{"bank-details": bank("66374959", "089999")})
    result = builtin.bank_details_format(fails)
    assert result["status"] == "red"
    assert "does not pass the banks' modulus check" in result["reasons"][0]
    unknown = apply(**{"bank-details": bank("12345678", "400000")})
    result = builtin.bank_details_format(unknown)
    assert result["status"] == "green"
    assert "not in the modulus table" in result["reasons"][0]


# Nothing to check is "not run", never green.


def test_a_check_with_nothing_to_look_at_is_not_run_never_green():
    """The finding: checks that could not run showed Green. Each built-in check that was
    given nothing to look at says so, as "not run" with the reason."""
    case = apply()
    # An application whose questions about these were optional and left out.
    answers = dict(case.application.answers)
    for question in ("ni-number", "bank-details", "address"):
        del answers[question]
    case.application.answers = answers
    person = case.person
    person.ni_number, person.address_line_1, person.address_postcode = "", "", ""
    for check, reason in (
        (builtin.duplicate_ni_number, "No National Insurance number was given"),
        (builtin.shared_bank_account, "This application has no bank details to compare."),
        (builtin.bank_details_format, "This application has no bank details to check."),
        (builtin.address_velocity, "No address was given, so there was nothing to count."),
        (builtin.account_holder_name, "This application has no bank details"),
    ):
        result = check(case)
        assert result["status"] == "not_run", check.__name__
        assert result["reasons"][0].startswith(reason)
    del answers["phone"]
    person.email, person.phone = "", ""
    result = builtin.contact_velocity(case)
    assert result["status"] == "not_run"
    assert result["reasons"][0].startswith("No phone number or email address was given")


def test_a_check_saying_it_did_not_run_must_say_why(clean_registry):
    clean_registry("test-silent", lambda case: {"status": "not_run", "reasons": []})
    clean_registry("test-honest", lambda case: {"status": "not_run", "reasons": ["No key."]})
    case = apply()
    _with_checks(case, ["test-silent", "test-honest"])
    results = {r.check_name: r for r in checks_services.checks_run(case_id=case.pk)}
    assert results["test-silent"].status == "error"
    assert results["test-honest"].status == "not_run"
    assert results["test-honest"].reasons == ["No key."]


def test_the_rules_check_without_rules_is_not_run():
    from commonweal.rules.checks import eligibility_rules_check

    case = apply()
    version = case.version
    definition = dict(version.definition)
    # A loan offer is for the amount the rules work out, so it goes with them.
    for key in ("rules", "decision_tables", "entitlement", "constants", "automation", "offer"):
        definition.pop(key, None)
    version.definition = definition
    version.save(update_fields=["definition"])
    catalogue.definitions_cache_clear()
    case.refresh_from_db()
    result = eligibility_rules_check(case)
    assert result["status"] == "not_run"
    assert result["reasons"] == ["This service version has no eligibility rules to check against."]


# Every matching check asks the same number of questions however many rows there are.


@pytest.mark.parametrize(
    "check",
    [
        builtin.duplicate_ni_number,
        builtin.shared_bank_account,
        builtin.contact_velocity,
        builtin.address_velocity,
        builtin.bank_details_format,
    ],
)
def test_each_check_costs_a_constant_number_of_queries(check):
    shared = {
        "ni-number": "AB987654C",
        "phone": "+447700900123",
        "bank-details": bank("55779911"),
    }
    subject = apply(**shared)
    with CaptureQueriesContext(connection) as few:
        check(subject)
    for _ in range(4):
        apply(**shared)
    noise = MatchKey.objects.filter(case=subject).first()
    MatchKey.objects.bulk_create(
        MatchKey(
            case_id=subject.pk,
            person_id=subject.person_id,
            service_id=subject.service_id,
            kind="phone",
            digest=f"{number:064x}",
            submitted_at=noise.submitted_at,
        )
        for number in range(300)
    )
    with CaptureQueriesContext(connection) as many:
        check(subject)
    assert len(few.captured_queries) == len(many.captured_queries) <= 2


# The runner


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def clean_registry():
    added = []

    def add(name, function, **options):
        registry.register_check(name, label=name, run=function, **options)
        added.append(name)

    yield add
    for name in added:
        registry.unregister_check(name)


def _with_checks(case, names):
    """Make the case's service version list these checks (stored as published data)."""
    version = case.version
    definition = dict(version.definition)
    definition["checks"] = names
    version.definition = definition
    version.save(update_fields=["definition"])
    catalogue.definitions_cache_clear()
    case.refresh_from_db()


def test_a_crashing_and_a_hanging_check_record_errors_tell_the_team_and_block_nothing(
    staff, clean_registry
):
    def crashes(case):
        raise RuntimeError("the register's file is missing")

    def hangs(case):
        time.sleep(5)
        return {"status": "green", "reasons": [], "evidence": {}}

    clean_registry("test-crashes", crashes)
    clean_registry("test-hangs", hangs, timeout=0.3)
    case = apply()
    _with_checks(case, ["test-crashes", "test-hangs", "duplicate-ni-number"])
    started = time.monotonic()
    results = {r.check_name: r for r in checks_services.checks_run(case_id=case.pk)}
    assert time.monotonic() - started < 4
    assert results["test-crashes"].status == "error"
    assert "RuntimeError" in results["test-crashes"].reasons[0]
    assert "the register's file is missing" in results["test-crashes"].evidence["error"]
    assert results["test-hangs"].status == "error"
    assert results["test-hangs"].reasons == ["The check took too long and was stopped."]
    # The other check still ran, the case is where it was, and nothing blocks approval.
    assert results["duplicate-ni-number"].status == "green"
    case.refresh_from_db()
    assert case.stage == "received" and case.closed_at is None
    assert not selectors.has_red_check(case_id=case.pk)
    alert = Task.objects.get(case=case)
    assert alert.title.startswith("Automated checks could not run (test-crashes, test-hangs)")
    assert alert.completed_at is None
    event = CaseEvent.objects.get(case=case, kind="checks_run")
    assert event.data["results"] == {
        "test-crashes": "error",
        "test-hangs": "error",
        "duplicate-ni-number": "green",
    }
    assert not event.visible_to_person
    # Running again appends results, keeps the old ones, and does not tell the team twice.
    checks_services.checks_run(case_id=case.pk)
    assert CheckResult.objects.filter(case=case, check_name="test-crashes").count() == 2
    assert len(selectors.current_results(case_id=case.pk)) == 3
    assert Task.objects.filter(case=case).count() == 1


def test_a_check_returning_nonsense_and_an_unknown_check_are_errors(clean_registry):
    clean_registry("test-nonsense", lambda case: {"status": "purple"})
    case = apply()
    _with_checks(case, ["test-nonsense", "no-such-check"])
    results = {r.check_name: r for r in checks_services.checks_run(case_id=case.pk)}
    assert results["test-nonsense"].status == "error"
    assert results["no-such-check"].status == "error"
    assert results["no-such-check"].reasons == ["No check called no-such-check is installed."]


def test_checks_whose_apps_are_not_installed_are_errors():
    # `eligibility-rules` and `person-match` come from the rules app and the person index
    # (each registers its check from its ready()); without them they are not installed.
    provided = {name: registry.CHECKS.get(name) for name in ("eligibility-rules", "person-match")}
    for name in provided:
        registry.CHECKS.unregister(name)
    try:
        case = apply()
        _with_checks(case, ["eligibility-rules", "person-match"])
        results = {r.check_name: r for r in checks_services.checks_run(case_id=case.pk)}
    finally:
        for name, check in provided.items():
            registry.CHECKS.register(name, check)
    assert results["eligibility-rules"].status == "error"
    assert results["eligibility-rules"].reasons == [
        "No check called eligibility-rules is installed."
    ]
    assert results["person-match"].status == "error"


def test_the_rules_app_and_the_person_index_provide_their_checks():
    from commonweal.personindex import checks as personindex_checks
    from commonweal.rules import checks as rules_checks

    assert registry.get_check("eligibility-rules").run is rules_checks.eligibility_rules_check
    assert registry.get_check("person-match").run is personindex_checks.person_match_check


def test_after_checks_callbacks_run_once_all_checks_have_a_result(clean_registry):
    seen = []

    def callback(*, case_id):
        seen.append((case_id, CheckResult.objects.filter(case_id=case_id).count()))

    def broken_callback(*, case_id):
        raise RuntimeError("automation is down")

    with (
        registry.AFTER_CHECKS.overridden("a-broken-step", broken_callback),
        registry.AFTER_CHECKS.overridden("z-test-step", callback),
    ):
        case = apply()
        _with_checks(case, ["duplicate-ni-number", "shared-bank-account"])
        checks_services.checks_run(case_id=case.pk)
    assert seen == [(case.pk, 2)]


def test_checks_are_queued_after_submission_and_run_by_the_worker(
    django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = apply(**{"ni-number": "AB987654C"})
    # The submission wrote the task's row only; the worker records the run as it starts.
    assert not CheckRun.objects.filter(case=case).exists()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_tasks()
    run = CheckRun.objects.get(case=case)
    assert run.requested_by is None and run.finished_at is not None
    definition = catalogue.definition_for(case.version)
    results = {r.check_name: r.status for r in selectors.current_results(case_id=case.pk)}
    assert set(results) == set(definition.checks)
    for name in ("duplicate-ni-number", "shared-bank-account", "contact-velocity"):
        assert results[name] == "green"
    assert CaseEvent.objects.filter(case=case, kind="checks_run").count() == 1


def test_checks_are_queued_after_registration_through_the_api_service(
    django_capture_on_commit_callbacks, staff
):
    published = catalogue.published_service(slug="budgeting-loan")
    with django_capture_on_commit_callbacks(execute=True):
        application = intake_services.application_register(
            by=staff.caseworker,
            organisation_id=staff.teams["financial-support"].organisation_id,
            published=published,
            channel="phone",
            identity_check="knowledge",
            person_email="",
            answers={**BUDGETING_LOAN_ANSWERS, "ni-number": "AB 12 34 56 C"},
            language="en",
        )
    queued = DBTaskResult.objects.filter(status="READY", task_path__endswith="run_checks")
    assert [task.args_kwargs["kwargs"] for task in queued] == [{"case_id": application.case.pk}]


# The case page


def test_case_page_shows_results_and_runs_checks_again_once_per_click(client, staff):
    case = apply(**{"ni-number": "AB987654C"})
    apply(**{"ni-number": "AB987654C"})
    # The run queued with the submission, as the worker does it.
    checks_services.checks_run(run_id=checks_services.check_run_start(case_id=case.pk).pk)
    client.force_login(staff.caseworker)
    # The checks are a section of the case page; the timeline is in its history.
    checks_url = f"/staff/cases/{case.reference}/checks/"
    page = client.get(checks_url).content.decode()
    assert "Same NI number on another application" in page
    assert "Another person&#39;s open application for this service has the same NI number." in page
    assert "Other open cases" in page
    assert "Run checks again" in page
    page = client.get(f"/staff/cases/{case.reference}/history/").content.decode()
    assert "Automated checks run" in page
    assert "Same NI number on another application: red" in page
    url = f"/staff/cases/{case.reference}/do/run-checks/"
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == checks_url
    assert client.post(url).status_code == 302
    runs = CheckRun.objects.filter(case=case, requested_by__isnull=False)
    assert runs.count() == 1
    assert runs.get().requested_by == staff.caseworker
    page = client.get(checks_url).content.decode()
    assert "have not finished yet" in page


def test_run_checks_again_needs_csrf_and_access(client, staff):
    case = apply()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff.caseworker)
    assert strict.post(f"/staff/cases/{case.reference}/do/run-checks/").status_code == 403
    client.force_login(staff.other_team)
    assert client.post(f"/staff/cases/{case.reference}/do/run-checks/").status_code == 404
    # Only the run queued with the submission.
    assert not CheckRun.objects.filter(case=case, requested_by__isnull=False).exists()


# Service definitions


def test_a_definition_naming_an_unknown_check_is_refused():
    text = (DEMO / "budgeting-loan.yaml").read_text(encoding="utf-8")
    parse_definition(text)
    with pytest.raises(DefinitionError, match="unknown check 'shared-bank-acount'"):
        parse_definition(text.replace("- shared-bank-account", "- shared-bank-acount"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_a_check_stuck_in_a_slow_query_is_stopped_and_the_next_check_still_runs(clean_registry):
    def slow_query(case):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
        return {"status": "green", "reasons": [], "evidence": {}}

    clean_registry("test-slow-query", slow_query, timeout=0.5)
    case = apply()
    _with_checks(case, ["test-slow-query", "duplicate-ni-number"])
    started = time.monotonic()
    results = {r.check_name: r for r in checks_services.checks_run(case_id=case.pk)}
    assert time.monotonic() - started < 4
    assert results["test-slow-query"].status == "error"
    assert results["test-slow-query"].reasons == ["The check took too long and was stopped."]
    assert results["duplicate-ni-number"].status == "green"


def test_a_service_can_set_its_own_velocity_limits():
    first = apply(phone="+447700900555")
    second = apply(phone="+447700900555")
    assert builtin.contact_velocity(second)["status"] == "green"
    version = second.version
    definition = dict(version.definition)
    definition["check_settings"] = {"contact-velocity": {"limit": 2, "window_hours": 1}}
    version.definition = definition
    version.save(update_fields=["definition"])
    catalogue.definitions_cache_clear()
    second.refresh_from_db()
    result = builtin.contact_velocity(second)
    assert result["status"] == "red"
    assert result["evidence"]["limit"] == 2 and result["evidence"]["window_hours"] == 1
    assert result["evidence"]["cases"] == [first.reference]


def test_check_settings_must_name_a_listed_check():
    text = (DEMO / "home-adaptation.yaml").read_text(encoding="utf-8")
    text += "check_settings:\n  shared-bank-account:\n    limit: 3\n"
    with pytest.raises(DefinitionError, match="check_settings names 'shared-bank-account'"):
        parse_definition(text)
    ok = text.replace("shared-bank-account:\n    limit: 3", "address-velocity:\n    limit: 6")
    assert parse_definition(ok)[0].check_settings["address-velocity"].limit == 6


@pytest.mark.django_db(transaction=True)
def test_runs_of_one_case_at_the_same_moment_leave_one_current_result_per_check():
    import threading

    from django.db import close_old_connections

    from tests.conftest import load_demo_services

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so the race cannot happen")
    load_demo_services()
    case = apply(**{"ni-number": "AB987654C"})
    start = threading.Barrier(4)
    errors = []

    def run():
        try:
            start.wait()
            checks_services.checks_run(case_id=case.pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = catalogue.definition_for(case.version).checks
    assert len(selectors.current_results(case_id=case.pk)) == len(names)
    assert CheckResult.objects.filter(case=case).count() == 4 * len(names)
    assert CaseEvent.objects.filter(case=case, kind="checks_run").count() == 4
    # However many runs found the same broken check, the team is told once.
    assert Task.objects.filter(case=case).count() <= 1
