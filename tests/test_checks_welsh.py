"""A caseworker reading in Welsh sees the checks, what the automation policy did and the
rest of the case page in Welsh. The finding: staff pages left check statuses, results,
team names and identity-check words in English."""

import re
from html import unescape

import pytest
from django.utils import translation

from commonweal.catalogue import selectors as catalogue
from commonweal.checks import services as checks_services
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.intake import services as intake_services
from commonweal.rules import services as rules_services
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


def main_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def test_a_reason_is_stored_in_english_and_shown_in_the_readers_language():
    from commonweal.checks.reasons import Message, shown
    from commonweal.checks.reasons import message as _
    from commonweal.checks.reasons import message_plural as ngettext

    reason = ngettext(
        "%(count)s other person has given the same bank account.",
        "%(count)s other people have given the same bank account.",
        2,
    ) % {"count": 2}
    # As a string it is English, whoever's language is active.
    with translation.override("cy"):
        assert str(reason) == "2 other people have given the same bank account."
        assert reason.text() == "Mae 2 berson arall wedi rhoi'r un cyfrif banc."
    # Kept as data, then shown again later.
    stored = reason.as_data()
    with translation.override("cy"):
        assert shown(str(reason), stored) == "Mae 2 berson arall wedi rhoi'r un cyfrif banc."
    with translation.override("en"):
        assert shown(str(reason), stored) == "2 other people have given the same bank account."
    # A value that is itself words is translated with the sentence.
    nested = _("No API key is set for %(register)s, so nothing was looked up. Look the "
               "organisation up by hand.") % {"register": _("the Charity Commission")}  # fmt: skip
    assert "y Comisiwn Elusennau" in Message.from_data(nested.as_data()).text("cy")
    # Results stored as plain English (before messages were kept) are still translated
    # when the whole sentence is a message of the catalogue.
    with translation.override("cy"):
        assert shown("Nobody else has given this bank account.") == (
            "Nid oes neb arall wedi rhoi'r cyfrif banc hwn."
        )
        assert shown("Words no catalogue knows.") == "Words no catalogue knows."


def case_page_text(client, case) -> str:
    """The case page's summary, checks and history sections, where these words are."""
    return " ".join(
        main_text(client.get(f"/staff/cases/{case.reference}/{section}"))
        for section in ("", "checks/", "history/")
    )


def test_the_case_page_shows_checks_automation_team_and_identity_check_in_welsh(client):
    staff = make_staff()
    published = catalogue.published_service(slug="budgeting-loan")
    application = intake_services.application_register(
        by=staff.caseworker,
        organisation_id=staff.teams["financial-support"].organisation_id,
        published=published,
        channel="phone",
        identity_check="document:passport",
        person_email="jordan.price@example.com",
        answers={**BUDGETING_LOAN_ANSWERS, "given-name": "Jordan", "family-name": "Price"},
        eligibility_answers={
            "universal-credit": "no",
            "qualifying-benefit": "yes",
            "existing-debt": "no",
            "industrial-action": "no",
        },
        language="en",
    )
    case = application.case
    checks_services.checks_run(case_id=case.pk)
    rules_services.automation_consider(case_id=case.pk)
    client.force_login(staff.caseworker)
    client.get("/language/cy/")
    text = case_page_text(client, case)
    welsh = [
        # Statuses.
        "Heb ei redeg",
        "Gwyrdd",
        "Ambr",
        # Reasons.
        "Nid yw'r mynegai pobl wedi'i adeiladu eto, felly ni chafodd yr ymgeisydd ei gyfateb.",
        "Nid yw'r enw ar y cyfrif, S Evans, yn cyfateb i'r ymgeisydd, Jordan Price,",
        # Check labels and evidence.
        "Enw ar y cyfrif banc",
        "Gwiriad modwlws: heb ei osod",
        # The team; how identity was checked for this application (the timeline) and what
        # the person's record now knows (the summary and the Person panel).
        "Cymorth ariannol",
        "hunaniaeth: gwelwyd pasbort",
        "isel: dogfen adnabod wedi'i gweld, nid wyneb yn wyneb",
        # Why the policy left the case for a person, in its panel and its note.
        "Gadawodd y polisi awtomeiddio (fersiwn 1) yr achos hwn i berson:",
        "Cyfatebiaethau yn y mynegai pobl: heb ei redeg (Nid yw'r mynegai pobl",
        "Nodyn mewnol",
        # Messages sent, the person's language and contact.
        "Yn y ciw",
    ]
    for words in welsh:
        assert words in text, words
    english = [
        "Green",
        "Not run",
        "Amber",
        "The person index has not been built",
        "does not match the applicant",
        "Name on the bank account",
        "not configured",
        "Financial support",
        "document:passport",
        "left this case for a person",
        "Internal note",
        "Application submitted",
        "Queued",
    ]
    for words in english:
        assert words not in text, words
    # Read in English, the same page is in English.
    client.get("/language/en/")
    text = case_page_text(client, case)
    for words in ("Not run", "Green", "Financial support", "identity: passport seen"):
        assert words in text, words


def test_team_names_are_in_welsh_on_the_queue_and_workload(client):
    staff = make_staff()
    client.force_login(staff.leader)
    client.get("/language/cy/")
    assert "Cymorth ariannol" in main_text(client.get("/staff/workload/"))
    client.force_login(staff.caseworker)
    client.get("/language/cy/")
    queue = client.get("/staff/queue/").content.decode()
    assert "Financial support" not in queue
