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
