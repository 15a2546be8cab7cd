import os
from pathlib import Path

import pytest
from django.core.management import call_command

from commonweal.accounts import services as accounts_services
from commonweal.people import services as people_services

DEMO_DIR = Path(__file__).resolve().parents[1] / "src" / "commonweal" / "catalogue" / "demo"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# alongside it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def load_demo_services() -> None:
    """The demo services, and the message templates the migrations load (a transactional
    test's flush empties both)."""
    from commonweal.catalogue import services
    from commonweal.messaging import services as messaging

    for path in sorted(DEMO_DIR.glob("*.yaml")):
        services.service_import(yaml_text=path.read_text(encoding="utf-8"))
    messaging.templates_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo services are loaded once into the test database."""
    with django_db_blocker.unblock():
        load_demo_services()


@pytest.fixture
def demo_services(db):
    # Loaded by django_db_setup; tests that flush the database load them again.
    load_demo_services()


@pytest.fixture
def citizen(db):
    user = accounts_services.account_for_email(email="sam.evans@example.com")
    people_services.person_for_account(account=user)
    return user


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def other_citizen(db):
    user = accounts_services.account_for_email(email="robin.other@example.com")
    people_services.person_for_account(account=user)
    return user


@pytest.fixture
def run_tasks(db, monkeypatch):
    """Run every task waiting in the database queue, as a worker would.

    The worker closes stale database connections between tasks; inside a test's
    transaction that would close the test's own connection (on PostgreSQL), so here it
    leaves the connection alone."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run() -> None:
        call_command("worker", batch=True, interval=0)

    return run


@pytest.fixture(autouse=True)
def force_login_completes_sign_in(monkeypatch):
    """`client.force_login(user)` stands for a finished sign-in, second factor included, so
    tests of other pages reach /staff/ as before (the sign-in itself has its own tests)."""
    from django.test.client import ClientMixin

    from tests.signin import complete_second_factor

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        complete_second_factor(self)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request in Welsh leaves the test's thread in Welsh (the locale middleware sets the
    language for the request and nothing sets it back), and the next test's own code would
    then speak Welsh: each test ends in the default language."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_catalogue_cache():
    """Each test starts without the catalogue's few-second cache of published services."""
    from commonweal.catalogue import selectors
    from commonweal.messaging import services as messaging
    from commonweal.organisations import selectors as organisations
    from commonweal.webhooks import services as webhooks

    selectors.published_cache_clear()
    messaging.templates_cache_clear()
    organisations.caches_clear()
    webhooks.subscribers_cache_clear()
    yield
    selectors.published_cache_clear()
    messaging.templates_cache_clear()
    organisations.caches_clear()


@pytest.fixture(autouse=True)
def english_until_asked():
    """Each test starts in the default language: a page read in Welsh (the test client
    activates the request's language in the thread) must not leave the next test's
    services and messages in Welsh."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
