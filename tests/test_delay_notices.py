"""Delays (issue 16): a case past the date the person was given gets a new expected date and
the `delay` notice from the worker's job, at most once a week, in batches; a caseworker can
set a new expected date with a reason, which tells the person unless they heard of a delay
in the last 7 days (then the date is kept and the caseworker is told no notice went). A
person who chose not to hear about delays is not told; the date is still recorded."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent
from commonweal.core import worker_jobs
from commonweal.core.jinja import date_long
from commonweal.core.working_days import add_working_days
from commonweal.messaging.models import Message
from tests.test_portal_decisions import page_text
from tests.workspace import citizen_case, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


def _overdue(case, days=3):
    Case.objects.filter(pk=case.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=days)
    )


def _delays(case):
    return Message.objects.filter(case=case, event="delay")


def test_the_job_tells_people_whose_case_is_past_its_date_once_a_week(staff):
    _account, case = citizen_case()
    _other_account, on_time = citizen_case("robin.other@example.com")
    _overdue(case)
    assert "delays_told" in worker_jobs.periodic()
    assert cases_services.delays_tell() == 1
    case.refresh_from_db()
    new_date = add_working_days(timezone.localdate(), 10)
    assert case.expected_on == new_date
    message = _delays(case).get()
    assert message.channel == "email" and message.to_address == "sam.evans@example.com"
    assert date_long(new_date) in message.body
    assert "not been able to finish looking at your application" in message.body
    assert not _delays(on_time).exists()
    # Run again: nothing new within the week.
    assert cases_services.delays_tell() == 0
    # A week later, still not decided and past the new date: told again.
    later = new_date + datetime.timedelta(days=1)
    # (The other case is given longer, so it is still on time then.)
    Case.objects.filter(pk=on_time.pk).update(due_date=later + datetime.timedelta(days=30))
    Case.objects.filter(pk=case.pk).update(
        delay_told_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert cases_services.delays_tell(today=later) == 1
    assert _delays(case).count() == 2
    assert CaseEvent.objects.filter(case=case, kind="expected_date_set").count() == 2


def test_the_job_works_in_batches_with_a_few_queries(staff):
    cases = [citizen_case(f"person{n}@example.com")[1] for n in range(4)]
    for case in cases:
        _overdue(case)
    with CaptureQueriesContext(connection) as few:
        assert cases_services.delays_tell(limit=10) == 4
    assert all(_delays(case).count() == 1 for case in cases)
    # Not a statement (or several) per case.
    for case in cases:
        case.refresh_from_db()
        Case.objects.filter(pk=case.pk).update(delay_told_at=None, expected_on=None)
    more = [citizen_case(f"more{n}@example.com")[1] for n in range(4)]
    for case in more:
        _overdue(case)
    with CaptureQueriesContext(connection) as many:
        assert cases_services.delays_tell(limit=20) == 8
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_a_caseworker_sets_a_new_date_and_the_person_is_told(client, staff):
    _account, case = citizen_case()
    client.force_login(staff.caseworker)
    on = timezone.localdate() + datetime.timedelta(days=40)
    data = {
        "revision": Case.objects.get(pk=case.pk).revision,
        "expected-day": on.day,
        "expected-month": on.month,
        "expected-year": on.year,
        "reason": "We are waiting for a report from your landlord",
    }
    response = client.post(f"/staff/cases/{case.reference}/do/expected-date/", data)
    assert response.status_code == 302
    shown = page_text(client.get(response["Location"]))
    assert "The person has been told" in shown
    assert date_long(on) in shown
    message = _delays(case).get()
    assert "We are waiting for a report from your landlord" in message.body
    assert date_long(on) in message.body
    # A second date within the week: recorded and shown, no second notice, and they say so.
    later = on + datetime.timedelta(days=7)
    data.update(
        revision=Case.objects.get(pk=case.pk).revision,
        **{"expected-day": later.day, "expected-month": later.month, "expected-year": later.year},
    )
    second = client.post(f"/staff/cases/{case.reference}/do/expected-date/", data)
    assert second.status_code == 302
    shown = page_text(client.get(second["Location"]))
    assert "have not been told again" in shown
    assert date_long(later) in shown
    assert Case.objects.get(pk=case.pk).expected_on == later
    assert _delays(case).count() == 1
    # The person sees the new date when they check.
    client.force_login(case.person.account)
    status = page_text(client.get(f"/applications/{case.reference}/"))
    assert f"We aim to make a decision by {date_long(later)}" in status


def test_a_new_date_needs_a_reason_and_a_future_date(client, staff):
    _account, case = citizen_case()
    client.force_login(staff.caseworker)
    revision = Case.objects.get(pk=case.pk).revision
    past = timezone.localdate() - datetime.timedelta(days=1)
    no_reason = client.post(
        f"/staff/cases/{case.reference}/do/expected-date/",
        {"revision": revision, "expected-day": 1, "expected-month": 1, "expected-year": 2099},
    )
    assert no_reason.status_code == 400
    assert 'href="#expected-date-reason"' in no_reason.content.decode()
    in_the_past = client.post(
        f"/staff/cases/{case.reference}/do/expected-date/",
        {
            "revision": revision,
            "expected-day": past.day,
            "expected-month": past.month,
            "expected-year": past.year,
            "reason": "Busy",
        },
    )
    assert in_the_past.status_code == 400
    assert "must be in the future" in page_text(in_the_past)
    assert Case.objects.get(pk=case.pk).expected_on is None
    assert not _delays(case).exists()


def test_a_person_who_chose_no_delay_updates_is_not_told(staff):
    _account, case = citizen_case()
    person = case.person
    person.updates_declined = ["delay"]
    person.save(update_fields=["updates_declined"])
    _overdue(case)
    assert cases_services.delays_tell() == 1
    assert Case.objects.get(pk=case.pk).expected_on is not None
    assert not _delays(case).exists()
    told = cases_services.case_expected_date_set(
        case_id=case.pk,
        on=timezone.localdate() + datetime.timedelta(days=60),
        reason="Busy",
        by=staff.caseworker,
        revision=None,
    )
    assert told is False  # told within the week by the job's record: no second try
    assert not _delays(case).exists()


def test_a_case_still_within_its_due_date_is_not_late(staff):
    """An expected date given before a pause moved the due date on does not make the case
    late while the due date is still ahead."""
    _account, case = citizen_case()
    Case.objects.filter(pk=case.pk).update(
        expected_on=timezone.localdate() - datetime.timedelta(days=2),
        due_date=timezone.localdate() + datetime.timedelta(days=5),
    )
    assert cases_services.delays_tell() == 0
    assert not _delays(case).exists()
