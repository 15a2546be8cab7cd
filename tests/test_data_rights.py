"""Data rights: the person's download, "this is wrong", consent per purpose and the
retention job, through the pages and services as people and staff use them."""

import datetime
import io
import json
import re
from html import unescape

import pypdf
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent, Task
from commonweal.catalogue import selectors as catalogue
from commonweal.intake.models import Application
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Notice, ThreadMessage
from commonweal.organisations import selectors as organisations
from commonweal.people.models import ContactPoint, Person, PersonChange
from commonweal.rights import selectors, services
from commonweal.rights.models import Consent, DataRequest, ErasedCase, LegalHold, RetentionRun
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return submit_case(citizen)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def person_of(account) -> Person:
    return Person.objects.get(account=account)


# Download


def test_download_as_json_holds_every_section(citizen_client, citizen, case, staff):
    messaging.thread_message_post(
        case=case, by=citizen, from_staff=False, body="When will I hear?", files=[]
    )
    services.consent_record(
        person=case.person, purpose="research_contact", given=True, method="online", by=citizen
    )
    response = citizen_client.get("/account/your-data/download.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="your-data-')
    data = json.loads(response.content)
    sections = data["sections"]
    assert set(sections) >= {
        "person",
        "applications",
        "cases",
        "messages",
        "consents",
        "correction_requests",
    }
    assert data["about"] == "Sam Evans"
    assert sections["person"]["record"]["family_name"] == "Evans"
    assert sections["person"]["contact_points"]
    assert sections["person"]["changes"], "the history of the record is part of it"
    application = sections["applications"][0]
    assert application["reference"] == case.reference
    assert any(answer["answer"] for answer in application["answers"])
    exported_case = sections["cases"][0]
    assert exported_case["reference"] == case.reference
    assert exported_case["timeline"][0]["what"] == "Application received"
    assert exported_case["secure_messages"][0]["text"] == "When will I hear?"
    assert sections["messages"], "the confirmation message we sent"
    research = next(c for c in sections["consents"] if c["purpose"] == "research_contact")
    assert research["given_now"] is True and research["history"][0]["how"] == "online"


def made_pdf(client, run_tasks, capture) -> bytes:
    """Ask for the PDF, let the worker make it, and fetch it (tests/test_data_download.py
    has the waiting page)."""
    with capture(execute=True):
        status_url = client.post("/account/your-data/pdf/")["Location"]
    run_tasks()
    response = client.get(f"{status_url}file")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_download_as_pdf_and_html_reads_as_a_document(
    citizen_client, case, run_tasks, django_capture_on_commit_callbacks
):
    pdf = made_pdf(citizen_client, run_tasks, django_capture_on_commit_callbacks)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Sam Evans" in text and case.reference in text
    html = citizen_client.get("/account/your-data/download.html").content.decode()
    assert "Your applications and answers" in html and case.reference in html
    assert citizen_client.get("/account/your-data/download.exe").status_code == 404


def test_download_needs_sign_in_and_is_only_ever_your_own(client, citizen, other_citizen, case):
    assert client.get("/account/your-data/download.json").status_code == 302
    theirs = json.loads(logged_in(other_citizen).get("/account/your-data/download.json").content)
    assert case.reference not in json.dumps(theirs)
    assert "Sam Evans" not in json.dumps(theirs)


def test_export_costs_the_same_queries_for_one_case_or_many(citizen, staff):
    person = person_of(citizen)
    first = submit_case(citizen)
    messaging.thread_message_post(case=first, by=citizen, from_staff=False, body="Hi", files=[])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.person_export(person=person, language="en")
        return len(captured)

    one = queries()
    for _ in range(4):
        case = submit_case(citizen)
        messaging.thread_message_post(
            case=case, by=citizen, from_staff=False, body="Hello", files=[]
        )
    assert queries() == one


# This is wrong


def test_correction_becomes_a_task_then_an_outcome_the_person_is_told(citizen, case, staff):
    person_client = logged_in(citizen)
    page = person_client.get("/account/your-data/")
    assert page.status_code == 200
    assert "/account/your-data/correct/family_name/" in page.content.decode()
    response = person_client.post(
        "/account/your-data/correct/family_name/",
        {"what-is-wrong": "Misspelt", "should-be": "Evens"},
    )
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert request.case == case and request.team == case.team
    task = Task.objects.get(pk=request.task_id)
    assert task.case == case and "Last name" in task.title

    caseworker = logged_in(staff.caseworker)
    listing = caseworker.get("/staff/data-requests/")
    assert "Last name" in page_text(listing)
    # Refused: no outcome chosen.
    refused = caseworker.post(f"/staff/data-requests/{request.pk}/", {})
    assert refused.status_code == 400 and "govuk-error-summary" in refused.content.decode()
    done = caseworker.post(
        f"/staff/data-requests/{request.pk}/",
        {"outcome": "corrected", "value": "Evens", "reason": "Thank you for telling us."},
    )
    assert done.status_code == 302
    person = Person.objects.get(pk=case.person_id)
    assert person.family_name == "Evens"
    change = PersonChange.objects.filter(person=person).first()
    assert change.fields["family_name"] == ["Evans", "Evens"]
    assert change.changed_by == staff.caseworker
    request.refresh_from_db()
    assert request.status == "corrected" and request.corrected_value == "Evens"
    task.refresh_from_db()
    assert task.completed_at is not None
    notice = Notice.objects.get(event="data_request_outcome")
    assert notice.person_id == person.pk and "Evens" in notice.data["outcome"]
    assert notice.messages.exists()
    # The person sees the outcome in the portal.
    assert "Corrected to: Evens" in page_text(person_client.get("/account/your-data/"))
    # Answering twice is refused, and nothing is sent twice.
    again = caseworker.post(
        f"/staff/data-requests/{request.pk}/", {"outcome": "corrected", "value": "Evens"}
    )
    assert again.status_code in (400, 404)
    assert Notice.objects.filter(event="data_request_outcome").count() == 1


def test_not_corrected_needs_a_reason_that_the_person_is_told(citizen, case, staff):
    request, _new = services.data_request_create(
        person=case.person,
        subject="person",
        field="date_of_birth",
        what_is_wrong="Wrong year",
        should_be="1 1 1990",
        by=citizen,
    )
    context = organisations.staff_context(user=staff.caseworker)
    with pytest.raises(services.RightsRefused):
        services.data_request_resolve(
            request_id=request.pk,
            corrected=False,
            reason="",
            values={},
            by=staff.caseworker,
            context=context,
        )
    services.data_request_resolve(
        request_id=request.pk,
        corrected=False,
        reason="Your birth certificate shows the date we hold.",
        values={},
        by=staff.caseworker,
        context=context,
    )
    text = page_text(logged_in(citizen).get("/account/your-data/"))
    assert "Not corrected" in text and "birth certificate" in text


def test_blank_correction_shows_the_error_summary_and_a_double_submit_makes_one(
    citizen_client, case
):
    blank = citizen_client.post("/account/your-data/correct/phone/", {})
    assert blank.status_code == 400
    html = blank.content.decode()
    assert "govuk-error-summary" in html and "Tell us what is wrong" in html
    for _ in range(2):
        citizen_client.post(
            "/account/your-data/correct/phone/",
            {"what-is-wrong": "Old number", "should-be": "07700 900 321"},
        )
    assert DataRequest.objects.count() == 1
    assert Task.objects.filter(title__contains="Phone number").count() == 1


def test_an_answer_on_an_application_can_be_corrected_on_the_case(citizen, case, staff):
    person_client = logged_in(citizen)
    answers = person_client.get(f"/account/your-data/applications/{case.reference}/")
    assert answers.status_code == 200
    link = re.search(
        rf"/account/your-data/applications/{case.reference}/correct/([a-z0-9-]+)/",
        answers.content.decode(),
    )
    question = link.group(1)
    person_client.post(link.group(0), {"what-is-wrong": "Typo", "should-be": "Something else"})
    request = DataRequest.objects.get(subject="answer")
    assert request.application.reference == case.reference and request.field == question
    services.data_request_resolve(
        request_id=request.pk,
        corrected=True,
        reason="",
        values={"value": "Something else"},
        by=staff.caseworker,
        context=organisations.staff_context(user=staff.caseworker),
    )
    event = CaseEvent.objects.filter(case=case, kind="update").last()
    assert event.visible_to_person and event.data["now"] == "Something else"
    # The submitted answers stay as they were sent.
    assert Application.objects.get(pk=case.application_id).answers[question] != "Something else"


def test_someone_elses_application_answers_are_not_found(other_citizen, case):
    other = logged_in(other_citizen)
    assert other.get(f"/account/your-data/applications/{case.reference}/").status_code == 404
    some_question = next(iter(Application.objects.get(pk=case.application_id).answers))
    response = other.post(
        f"/account/your-data/applications/{case.reference}/correct/{some_question}/",
        {"what-is-wrong": "x", "should-be": "y"},
    )
    assert response.status_code == 404
    assert not DataRequest.objects.exists()


def test_a_person_with_no_case_goes_to_the_default_team(other_citizen, staff):
    request, new = services.data_request_create(
        person=person_of(other_citizen),
        subject="person",
        field="given_name",
        what_is_wrong="Not my name",
        should_be="Robin",
        by=other_citizen,
    )
    assert new and request.case is None and request.task_id is None
    assert request.team == staff.teams["financial-support"]
    listing = logged_in(staff.caseworker).get("/staff/data-requests/")
    assert f"/staff/data-requests/{request.pk}/" in listing.content.decode()
    # Staff of another team do not see it.
    other_team = logged_in(staff.other_team).get(f"/staff/data-requests/{request.pk}/")
    assert other_team.status_code == 404


def test_staff_list_costs_the_same_queries_however_many_requests(citizen, staff, case):
    caseworker = logged_in(staff.caseworker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert caseworker.get("/staff/data-requests/").status_code == 200
        return len(captured)

    services.data_request_create(
        person=case.person,
        subject="person",
        field="phone",
        what_is_wrong="a",
        should_be="b",
        by=citizen,
    )
    one = queries()
    for field in ("email", "address", "ni_number"):
        services.data_request_create(
            person=case.person,
            subject="person",
            field=field,
            what_is_wrong="a",
            should_be="b",
            by=citizen,
        )
    assert queries() == one


# Retention


def close(case, *, days_ago: int):
    Case.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=days_ago), outcome="refused"
    )


def test_retention_anonymises_closed_cases_past_the_period_and_keeps_held_ones(
    citizen, other_citizen, staff
):
    old = submit_case(citizen)
    held = submit_case(other_citizen)
    recent = submit_case(other_citizen)
    messaging.thread_message_post(case=old, by=citizen, from_staff=False, body="My story", files=[])
    services.consent_record(
        person=old.person, purpose="research_contact", given=True, method="online", by=citizen
    )
    close(old, days_ago=2200)
    close(held, days_ago=2200)
    close(recent, days_ago=10)
    services.legal_hold_place(case=held, reason="A claim is being made", by=staff.leader)

    dry = services.retention_run(dry_run=True)
    assert dry["cases_anonymised"] == 1 and dry["cases_kept_under_legal_hold"] == 1
    assert Person.objects.get(pk=old.person_id).family_name == "Evans"  # nothing changed
    assert CaseEvent.objects.filter(case=old).exists()

    counts = services.retention_run()
    assert counts == dry
    assert counts["people_anonymised"] == 1
    assert counts["case_events_deleted"] >= 1 and counts["secure_messages_deleted"] == 1
    person = Person.objects.get(pk=old.person_id)
    assert person.full_name == "" and person.date_of_birth is None and person.account is None
    citizen.refresh_from_db()
    assert not citizen.is_active and citizen.email.endswith("@erased.invalid")
    assert counts["accounts_closed"] == 1
    assert not ContactPoint.objects.filter(person=person).exists()
    assert not PersonChange.objects.filter(person=person).exists()
    assert not Consent.objects.filter(person=person).exists()
    assert not CaseEvent.objects.filter(case=old).exists()
    assert not ThreadMessage.objects.filter(case=old).exists()
    assert Application.objects.get(pk=old.application_id).answers == {}
    kept = Case.objects.get(pk=old.pk)
    assert kept.reference == old.reference and kept.outcome == "refused"
    assert ErasedCase.objects.filter(case=old).exists()
    # The held case and the recent one are untouched.
    assert CaseEvent.objects.filter(case=held).exists()
    assert Application.objects.get(pk=recent.application_id).answers
    assert Person.objects.get(pk=held.person_id).family_name
    assert RetentionRun.objects.get().counts == counts

    # Nothing is done twice; lifting the hold lets the next run take the held case.
    hold = LegalHold.objects.get()
    services.legal_hold_lift(hold_id=hold.pk, reason="The claim is settled", by=staff.leader)
    again = services.retention_run()
    assert again["cases_anonymised"] == 1 and again["cases_kept_under_legal_hold"] == 0
    # The other person still has a recent case: their record stays.
    assert again["people_anonymised"] == 0
    assert Person.objects.get(pk=held.person_id).family_name


def test_history_stays_append_only_outside_the_retention_job(case):
    event = CaseEvent.objects.filter(case=case).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(data={})
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_retention_period_comes_from_the_service_definition(citizen, case):
    close(case, days_ago=400)
    assert services.retention_run(dry_run=True)["cases_anonymised"] == 0
    assert (
        services.retention_run(dry_run=True, now=timezone.now() + datetime.timedelta(days=1900))[
            "cases_anonymised"
        ]
        == 1
    )


def test_retention_command_prints_counts_as_json(citizen, case, capsys):
    close(case, days_ago=3000)
    call_command("retention", "run", "--dry-run")
    printed = json.loads(capsys.readouterr().out)
    assert printed["dry_run"] is True and printed["cases_anonymised"] == 1
    assert not ErasedCase.objects.exists()
    call_command("retention", "run")
    assert json.loads(capsys.readouterr().out)["cases_anonymised"] == 1


def test_the_nightly_run_happens_once_a_night_on_the_task_queue(
    citizen, case, settings, run_tasks, django_capture_on_commit_callbacks
):
    settings.COMMONWEAL_RETENTION_HOUR = 0
    close(case, days_ago=3000)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = services.retention_run_nightly()
    assert run_id is not None
    assert services.retention_run_nightly() is None
    run_tasks()
    run = RetentionRun.objects.get(day=timezone.localdate())
    assert run.pk == run_id and run.finished_at is not None
    assert run.counts["cases_anonymised"] == 1
    assert ErasedCase.objects.filter(case=case).exists()


def test_retention_works_in_batches_not_row_by_row(citizen, other_citizen, staff):
    def due_cases(account, count):
        for _ in range(count):
            made = submit_case(account)
            messaging.thread_message_post(
                case=made, by=account, from_staff=False, body="Hello", files=[]
            )
            close(made, days_ago=2500)

    def queries() -> int:
        # Each run reads the services' periods afresh.
        catalogue.published_cache_clear()
        catalogue.definitions_cache_clear()
        with CaptureQueriesContext(connection) as captured:
            services.retention_run()
        return len(captured)

    due_cases(citizen, 1)
    one = queries()
    due_cases(other_citizen, 4)
    assert queries() == one
    assert ErasedCase.objects.count() == 5


def test_the_download_says_who_has_seen_the_data(citizen_client, citizen, case, staff):
    cases_services.case_assign(
        case_id=case.pk, assignee_id=staff.caseworker.pk, by=staff.leader, revision=None
    )
    caseworker = logged_in(staff.caseworker)
    assert caseworker.get(f"/staff/cases/{case.reference}/").status_code == 200
    data = json.loads(citizen_client.get("/account/your-data/download.json").content)
    seen = data["sections"]["access_log"]
    assert len(seen) == 1
    assert seen[0]["organisation"] == staff.teams["financial-support"].organisation.name
    assert seen[0]["purpose"] and seen[0]["times"] == 1


def test_retention_takes_the_copies_other_apps_keep(citizen):
    """The rules' evaluation copies the answers it read, and the matching checks keep keyed
    digests of the identifiers: an emptied case keeps neither."""
    from commonweal.checks import services as checks_services
    from commonweal.checks.models import MatchKey
    from commonweal.rules.models import RuleEvaluation

    old = submit_case(citizen)
    checks_services.checks_run(run_id=checks_services.check_run_start(case_id=old.pk).pk)
    assert RuleEvaluation.objects.filter(case_id=old.pk).exists()
    assert MatchKey.objects.filter(case=old).exists()
    close(old, days_ago=2200)
    counts = services.retention_run()
    assert counts["rule_evaluations_deleted"] >= 1 and counts["match_keys_deleted"] >= 1
    assert not RuleEvaluation.objects.filter(case_id=old.pk).exists()
    assert not MatchKey.objects.filter(case=old).exists()
    # Outside the retention job the evaluations stay append-only.
    from django.db import DatabaseError, transaction

    recent = submit_case(citizen)
    checks_services.checks_run(run_id=checks_services.check_run_start(case_id=recent.pk).pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        RuleEvaluation.objects.filter(case_id=recent.pk).delete()
