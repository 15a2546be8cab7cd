"""List pages make the same number of queries however many rows they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commonweal.cases import services as cases_services
from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.intake import services as intake_services
from commonweal.intake.models import Application
from tests.journeys import complete_draft
from tests.test_catalogue import BUDGETING_LOAN

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    """Queries for one page, from cold caches (the worst case a list page can meet)."""
    catalogue.published_cache_clear()
    catalogue.definitions_cache_clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def submitted_applications(account, count: int) -> list[Application]:
    made = []
    for _ in range(count):
        published = complete_draft(account)
        made.append(
            intake_services.application_submit(
                account=account, service=published.service, language="en"
            )
        )
    return made


def test_service_list(client):
    few = queries_for(client, "/")
    for index in range(6):
        catalogue_services.service_import(
            yaml_text=BUDGETING_LOAN.replace("slug: budgeting-loan", f"slug: loan-{index}").replace(
                "reference_prefix: BL", f"reference_prefix: L{'ABCDEF'[index]}"
            )
        )
    many = queries_for(client, "/")
    assert many == few


def test_your_applications(citizen_client, citizen):
    submitted_applications(citizen, 1)
    one = queries_for(citizen_client, "/applications/")
    submitted_applications(citizen, 7)
    assert queries_for(citizen_client, "/applications/") == one


def test_an_applications_timeline(citizen_client, citizen):
    [application] = submitted_applications(citizen, 1)
    url = f"/applications/{application.reference}/"
    few = queries_for(citizen_client, url)
    for _ in range(10):
        cases_services.case_event_record(
            case=application.case,
            kind="message_sent",
            visible_to_person=True,
            data={"channel": "email"},
        )
    assert queries_for(citizen_client, url) == few


def test_the_letters_page(client, citizen):
    """The print batches of every organisation the member works for, in a fixed number of
    queries however many batches and organisations there are."""
    import datetime

    from django.utils import timezone

    from commonweal.messaging import services as messaging
    from commonweal.organisations import services as organisations
    from commonweal.organisations.models import Role
    from tests.workspace import make_staff

    staff = make_staff()
    client.force_login(staff.caseworker)
    council = staff.teams["financial-support"].organisation
    today = timezone.localdate()
    messaging.print_batch_for(day=today, organisation_id=council.pk)
    few = queries_for(client, "/staff/letters/")
    other = organisations.organisation_ensure(
        slug="other-borough", name="Other Borough Council", kind="council"
    )
    team = organisations.team_ensure(organisation=other, slug="benefits", name="Benefits")
    organisations.membership_ensure(user=staff.caseworker, team=team, role=Role.CASEWORKER)
    for days in range(1, 8):
        for organisation in (council, other):
            batch = messaging.print_batch_for(
                day=today - datetime.timedelta(days=days), organisation_id=organisation.pk
            )
            if days % 2:
                messaging.print_batch_build(batch=batch, by=staff.caseworker)
    many = queries_for(client, "/staff/letters/")
    assert many == few


def test_the_bulk_confirmation_page(client, citizen, other_citizen):
    """The page that lists what a bulk action on the queue will change, case by case, in
    the same number of queries for 2 cases as for 8, for each action."""
    from commonweal.messaging.models import SavedReply
    from tests.workspace import make_staff, submit_case

    staff = make_staff()
    client.force_login(staff.leader)
    few = [submit_case(citizen), submit_case(other_citizen)]
    many = few + [submit_case(citizen) for _ in range(6)]
    reply = SavedReply.objects.create(service=few[0].service, title="Hello", body_en="Hello.")
    for chosen in (
        {"action": "assign", "assignee": str(staff.colleague.pk)},
        {"action": "move", "to_stage": "checking"},
        {"action": "message", "reply": str(reply.pk)},
    ):
        counts = []
        for cases in (few, many):
            catalogue.published_cache_clear()
            catalogue.definitions_cache_clear()
            with CaptureQueriesContext(connection) as context:
                response = client.post(
                    "/staff/queue/confirm/", {**chosen, "cases": [str(c.pk) for c in cases]}
                )
            assert response.status_code == 200, chosen
            assert response.content.decode().count('name="cases"') == len(cases)
            counts.append(len(context.captured_queries))
        assert counts[0] == counts[1], chosen
