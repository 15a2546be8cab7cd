"""Erasure requests: the person asks from their data page, staff erase (through the
retention job's erasers, as a task) or keep the data on a lawful ground, and the person sees
the decision and its reason. Data under a legal hold is never erased."""

import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from commonweal.cases.models import Case, CaseEvent, Task
from commonweal.messaging.models import Notice
from commonweal.organisations.selectors import staff_context
from commonweal.people.models import Person
from commonweal.rights import services
from commonweal.rights.models import DataRequest, ErasedCase
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


def closed(case) -> None:
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now(), outcome="refused")


def ask(client) -> DataRequest:
    response = client.post("/account/your-data/erase/", {"note": "I have moved away"})
    assert response.status_code == 302
    return DataRequest.objects.filter(kind="erasure").latest("pk")


def test_the_person_asks_once_and_the_team_gets_the_work(citizen_client, case, staff):
    page = citizen_client.get("/account/your-data/")
    assert "Ask us to erase your data" in page_text(page)
    assert "cannot sign in to this account" in page_text(
        citizen_client.get("/account/your-data/erase/")
    )
    made = ask(citizen_client)
    again = ask(citizen_client)  # a double submit finds the open request
    assert made.pk == again.pk and DataRequest.objects.filter(kind="erasure").count() == 1
    assert made.status == "open" and made.team_id == case.team_id
    assert Task.objects.get(pk=made.task_id).title == f"Erasure asked for (request {made.pk})"
    text = page_text(citizen_client.get("/account/your-data/"))
    assert "Being looked at" in text and "You have already asked us to erase your data" in text
    listed = page_text(logged_in(staff.caseworker).get("/staff/data-requests/"))
    assert "Erase your data" in listed


def test_data_under_a_legal_hold_is_refused_at_once_with_the_reason_shown(
    citizen_client, case, staff
):
    services.legal_hold_place(case=case, reason="A claim is being made", by=staff.leader)
    made = ask(citizen_client)
    assert (made.status, made.ground) == ("not_erased", "legal_hold")
    assert made.task_id is None
    text = page_text(citizen_client.get("/account/your-data/"))
    assert "We cannot erase your data: We must keep it because of a legal hold" in text
    assert "Not erased" in text
    # The hold's own reason is the organisation's, never shown.
    assert "A claim is being made" not in text
    assert Notice.objects.filter(event="data_request_outcome", person=case.person).exists()
    assert Person.objects.get(pk=case.person_id).family_name == "Evans"


def test_staff_keep_the_data_on_a_lawful_ground_and_the_person_is_told(
    citizen_client, citizen, case, staff
):
    made = ask(citizen_client)
    client = logged_in(staff.caseworker)
    url = f"/staff/data-requests/{made.pk}/"
    assert "Erasure request" in page_text(client.get(url))
    missing = client.post(url, {"outcome": "keep", "reason": "Sorry"})
    assert missing.status_code == 400
    assert "Choose the reason the data must be kept" in page_text(missing)
    nothing = client.post(url, {})
    assert nothing.status_code == 400 and "Choose whether to erase their data" in page_text(nothing)
    response = client.post(
        url,
        {"outcome": "keep", "ground": "financial_records", "reason": "We paid you a loan in 2026."},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.ground, made.resolved_by) == (
        "not_erased",
        "financial_records",
        staff.caseworker,
    )
    assert Task.objects.get(pk=made.task_id).completed_at is not None
    text = page_text(citizen_client.get("/account/your-data/"))
    assert "We have a legal duty to keep records of payments we made" in text
    assert "We paid you a loan in 2026." in text
    notice = Notice.objects.filter(event="data_request_outcome", person=case.person).get()
    assert "legal duty to keep records of payments" in str(notice.data)
    # Answered once: a second answer is refused in the page.
    second = client.post(url, {"outcome": "erase"})
    assert second.status_code == 400
    assert "This request has already been answered." in page_text(second)
    made.refresh_from_db()
    assert made.status == "not_erased"


def test_an_open_case_must_be_closed_before_erasing(citizen_client, case, staff):
    made = ask(citizen_client)
    response = logged_in(staff.caseworker).post(
        f"/staff/data-requests/{made.pk}/", {"outcome": "erase"}
    )
    assert response.status_code == 400
    assert f"Their case {case.reference} is still open" in page_text(response)
    made.refresh_from_db()
    assert made.status == "open"


def test_erasing_runs_the_retention_erasers_as_a_task_and_records_it(
    citizen_client, citizen, case, staff, run_tasks
):
    made = ask(citizen_client)
    closed(case)
    response = logged_in(staff.leader).post(
        f"/staff/data-requests/{made.pk}/", {"outcome": "erase"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.resolved_by) == ("erasing", staff.leader)
    assert "We are erasing your data." in page_text(citizen_client.get("/account/your-data/"))
    assert Person.objects.get(pk=case.person_id).family_name == "Evans"  # not yet

    run_tasks()
    made.refresh_from_db()
    assert made.status == "erased" and made.erased_at is not None
    assert made.erased_counts["cases_anonymised"] == 1
    assert made.erased_counts["people_anonymised"] == 1
    assert made.what_is_wrong == ""  # the person's words go with the rest
    person = Person.objects.get(pk=case.person_id)
    assert person.full_name == "" and person.account is None
    citizen.refresh_from_db()
    assert not citizen.is_active
    assert ErasedCase.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case).exists()
    # The request stays, as the record of who decided, when and what was removed.
    assert DataRequest.objects.filter(pk=made.pk, resolved_by=staff.leader).exists()


def test_a_hold_placed_before_the_task_runs_keeps_the_data(citizen_client, case, staff, run_tasks):
    made = ask(citizen_client)
    closed(case)
    services.erasure_request_decide(
        request_id=made.pk,
        erase=True,
        ground="",
        reason="",
        by=staff.leader,
        context=staff_context(user=staff.leader),
    )
    services.legal_hold_place(person=case.person, reason="A court order", by=staff.leader)
    run_tasks()
    made.refresh_from_db()
    assert (made.status, made.ground) == ("not_erased", "legal_hold")
    assert Person.objects.get(pk=case.person_id).family_name == "Evans"


def test_nothing_is_half_erased(citizen_client, case, staff, monkeypatch):
    made = ask(citizen_client)
    closed(case)
    DataRequest.objects.filter(pk=made.pk).update(status="erasing")

    def broken(people, counts):
        raise RuntimeError("an eraser failed")

    monkeypatch.setattr("commonweal.rights.retention._erase_persons", broken)
    with pytest.raises(RuntimeError):
        services.erasure_carry_out(request_id=made.pk)
    # The cases erased before the failure are back as they were.
    assert not ErasedCase.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case).exists()
    made.refresh_from_db()
    assert made.status == "erasing" and made.erased_at is None


def test_someone_who_never_applied_is_erased_too(other_citizen, staff, run_tasks):
    person = Person.objects.get(account=other_citizen)
    made, new = services.erasure_request_create(person=person, by=other_citizen)
    assert new and made.case_id is None and made.team_id is not None  # the default team
    client = logged_in(staff.leader)
    response = client.post(f"/staff/data-requests/{made.pk}/", {"outcome": "erase"})
    assert response.status_code == 302
    run_tasks()
    made.refresh_from_db()
    assert made.status == "erased" and made.erased_counts["people_anonymised"] == 1
    assert made.erased_counts["cases_anonymised"] == 0
    person = Person.objects.get(pk=made.person_id)
    assert person.full_name == "" and person.account is None
    other_citizen.refresh_from_db()
    assert not other_citizen.is_active
