"""A service has two names: its start page's title names the task ("Apply for a Budgeting
Loan"); its plain name reads in a sentence ("your Budgeting Loan application"). Messages,
the person's applications and the workspace use the plain name, in English and Welsh."""

import importlib
import re
from html import unescape

import pytest

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue.models import ServiceVersion
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message, MessageTemplate
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


def main_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def test_the_confirmation_email_names_the_service_plainly(citizen):
    case = submit_case(citizen)
    message = Message.objects.get(case=case, event="application_received", channel="email")
    assert message.subject == f"Application received: Budgeting Loan ({case.reference})"
    assert "We have received your Budgeting Loan application." in message.body
    assert "Apply for" not in message.subject + message.body


def test_a_welsh_notice_names_the_service_plainly_in_welsh(citizen):
    case = submit_case(citizen)
    person = case.person
    person.language = "cy"
    person.save()
    notice = messaging.notice_send(
        event="decision_made",
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language="cy"),
    )
    message = notice.messages.get()
    assert message.subject.startswith("Mae penderfyniad wedi'i wneud: Benthyciad Trefnu Cyllideb")
    assert "ar eich cais ar gyfer Benthyciad Trefnu Cyllideb (cyfeirnod" in message.body
    assert "Gwneud cais am" not in message.subject + message.body


def test_the_persons_pages_name_the_application_by_the_service_plainly(citizen_client, citizen):
    case = submit_case(citizen)
    listed = main_text(citizen_client.get("/applications/"))
    assert "Budgeting Loan Reference " + case.reference in listed
    assert "Apply for a Budgeting Loan" not in listed
    detail = citizen_client.get(f"/applications/{case.reference}/")
    assert re.search(
        r'<h1 class="govuk-heading-l">\s*Budgeting Loan\s*</h1>', detail.content.decode()
    )
    assert "<title>Budgeting Loan –" in detail.content.decode()
    citizen_client.cookies["commonweal_language"] = "cy"
    welsh = citizen_client.get(f"/applications/{case.reference}/").content.decode()
    assert re.search(r'<h1 class="govuk-heading-l">\s*Benthyciad Trefnu Cyllideb\s*</h1>', welsh)
    # The start page keeps the title, which names the task.
    citizen_client.cookies["commonweal_language"] = "en"
    start = main_text(citizen_client.get("/services/budgeting-loan/"))
    assert start.startswith("Apply for a Budgeting Loan")


def test_the_workspace_names_a_cases_service_plainly_with_a_capital(client, citizen):
    staff = make_staff()
    case = submit_case(citizen)
    client.force_login(staff.caseworker)
    queue = client.get("/staff/queue/").content.decode()
    # The queue's Service column names it plainly, not by its page title.
    assert '<td class="govuk-table__cell">Budgeting Loan</td>' in queue
    assert "Apply for a Budgeting Loan" not in queue
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert f"{case.reference}</span> · Budgeting Loan</span>" in page
    # A name written in lower case starts a list item with a capital.
    queue_filters = client.get("/staff/queue/").content.decode()
    assert ">Energy bills grant</option>" in queue_filters


def test_a_version_stored_before_names_existed_uses_its_title():
    published = catalogue.published_service(slug="budgeting-loan")
    data = dict(published.version.definition)
    data.pop("name")
    old = ServiceVersion.objects.create(
        service=published.service,
        number=90,
        status=ServiceVersion.Status.RETIRED,
        definition=data,
        source_yaml="",
    )
    definition = catalogue.definition_for(old)
    assert definition.name == definition.title


def test_the_old_default_words_are_replaced_and_reworded_templates_are_left_alone():
    from django.apps import apps

    migration = importlib.import_module(
        "commonweal.messaging.migrations.0011_templates_plain_service_name"
    )
    MessageTemplate.objects.all().delete()
    old_default = MessageTemplate.objects.create(
        event="decision_made",
        channel="email",
        language="en",
        version=1,
        status="published",
        subject="A decision has been made: ((service)) (((reference)))",
        body="We have made a decision on your application for ((service)) (((reference))).",
    )
    reworded = MessageTemplate.objects.create(
        event="decision_made",
        channel="sms",
        language="cy",
        version=3,
        status="published",
        body="Penderfyniad ar ((service)): ((url))",
    )
    migration.forwards(apps, None)
    old_default.refresh_from_db()
    assert old_default.status == "retired"
    new = MessageTemplate.objects.get(event="decision_made", channel="email", status="published")
    assert new.version == 2
    assert new.body == "We have made a decision on your ((service)) application (((reference)))."
    assert new.subject == old_default.subject
    reworded.refresh_from_db()
    assert reworded.status == "published" and reworded.version == 3
