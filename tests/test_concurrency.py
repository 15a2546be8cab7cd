"""Two "Accept and send" requests at the same moment make one case (on PostgreSQL, where
requests really run side by side; SQLite runs one writer at a time)."""

import threading

import pytest
from django.db import close_old_connections, connection

from commonweal.accounts import services as accounts_services
from commonweal.cases.models import Case
from commonweal.intake import services
from commonweal.intake.models import Application
from commonweal.messaging.models import Message
from tests.conftest import load_demo_services
from tests.journeys import complete_draft


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_make_one_case():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so the race cannot happen")
    load_demo_services()
    citizen = accounts_services.account_for_email(email="sam.evans@example.com")
    published = complete_draft(citizen)
    start = threading.Barrier(4)
    results = []

    def submit():
        try:
            start.wait()
            results.append(
                services.application_submit(
                    account=citizen, service=published.service, language="en"
                )
            )
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submitted = [result for result in results if result is not None]
    assert len(results) == 4
    assert len(submitted) == 1
    assert Case.objects.count() == 1
    assert Message.objects.count() == 1
    assert Application.objects.get().status == "submitted"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_api_registrations_for_one_new_person_make_one_record():
    """Four call-centre calls for the same new person at once: four cases, one record."""
    import json

    from django.test import Client

    from commonweal.api import services as api_services
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
    from commonweal.devtools.organisations import organisations_demo_ensure
    from commonweal.people.models import Person

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so the race cannot happen")
    load_demo_services()
    council = organisations_demo_ensure()["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["applications:register"]
    )
    body = json.dumps(
        {
            "service": "budgeting-loan",
            "channel": "phone",
            # An email address needs an identity check (without one it is refused).
            "identity_check": "knowledge",
            "person": {"email": "new.person@example.com"},
            "answers": BUDGETING_LOAN_ANSWERS,
        }
    )
    start = threading.Barrier(4)
    statuses = []

    def register(number):
        try:
            start.wait()
            answer = Client().post(
                "/api/v1/applications/",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                HTTP_IDEMPOTENCY_KEY=f"call-{number}",
            )
            statuses.append(answer.status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert Person.objects.filter(account__email="new.person@example.com").count() == 1
    assert Case.objects.filter(person__account__email="new.person@example.com").count() == 4
