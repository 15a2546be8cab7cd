"""Letters for the print house are each organisation's own: one batch per organisation per
day, built from that organisation's letters only, and seen, built and downloaded only by
staff who work in one of its teams."""

import io
import zipfile

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from commonweal.accounts.models import User
from commonweal.cases.models import Case
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message, Notice, PrintBatch
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.people import selectors as people_selectors
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


def second_council():
    """Another council on the same installation, with a team and a caseworker of its own."""
    council = organisations.organisation_ensure(
        slug="other-borough", name="Other Borough Council", kind="council"
    )
    team = organisations.team_ensure(organisation=council, slug="benefits", name="Benefits")
    worker = User.objects.create_user(
        "bea.worker@other.example", display_name="Bea Worker", is_staff=True
    )
    organisations.membership_ensure(user=worker, team=team, role=Role.CASEWORKER)
    return team, worker


def letter_for(case) -> Message:
    """A decision letter to the person on the case, put in its batch as the worker would."""
    person = case.person
    person.channels = ["letter"]
    person.quiet_hours_start = person.quiet_hours_end = None
    person.save()
    notice = messaging.notice_send(
        event="decision_made",
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language="en"),
    )
    letter = notice.messages.get(channel="letter")
    deliver([letter])
    letter.refresh_from_db()
    return letter


def deliver(letters) -> None:
    ids = [str(letter.pk) for letter in letters]
    Message.objects.filter(pk__in=ids).update(status="sending", sending_started_at=timezone.now())
    messaging.messages_deliver(message_ids=ids)


@pytest.fixture
def two_councils(citizen, other_citizen):
    """Council A's case (Sam Evans) and council B's case (Robin Other), each with a letter
    sent today."""
    staff = make_staff()
    team_b, worker_b = second_council()
    case_a = submit_case(citizen)
    case_b = submit_case(other_citizen)
    Case.objects.filter(pk=case_b.pk).update(team=team_b)  # council B holds it
    case_b.refresh_from_db()
    return {
        "staff": staff,
        "worker_b": worker_b,
        "case_a": case_a,
        "case_b": case_b,
        "letter_a": letter_for(case_a),
        "letter_b": letter_for(case_b),
    }


def zip_names(response) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()


def test_two_organisations_letters_on_one_day_make_two_batches(two_councils):
    letter_a, letter_b = two_councils["letter_a"], two_councils["letter_b"]
    assert letter_a.status == letter_b.status == "sent"
    assert letter_a.print_batch_id != letter_b.print_batch_id
    assert letter_a.print_batch.day == letter_b.print_batch.day == timezone.localdate()
    assert letter_a.print_batch.organisation == two_councils["case_a"].team.organisation
    assert letter_b.print_batch.organisation == two_councils["case_b"].team.organisation
    assert PrintBatch.objects.count() == 2
    # The day's next letter of council A joins A's batch.
    again = letter_for(two_councils["case_a"])
    assert again.print_batch_id == letter_a.print_batch_id


def test_a_batch_holds_only_its_organisations_letters(client, two_councils):
    letter_a, letter_b = two_councils["letter_a"], two_councils["letter_b"]
    batch_a, batch_b = letter_a.print_batch, letter_b.print_batch
    client.force_login(two_councils["staff"].caseworker)
    assert client.post(f"/staff/letters/{batch_a.pk}/build/").status_code == 302
    assert zip_names(client.get(f"/staff/letters/{batch_a.pk}/download/")) == [
        f"{letter_a.pk}.pdf",
        "manifest.csv",
    ]
    # A letter of A's pointing at B's batch (however it got there) stays out of B's zip:
    # the build selects by organisation in the query.
    Message.objects.filter(pk=letter_a.pk).update(print_batch=batch_b)
    built = messaging.print_batch_build(batch=batch_b, by=two_councils["worker_b"])
    assert built.letters == 1
    with built.file.open("rb") as handle:
        assert zipfile.ZipFile(handle).namelist() == [f"{letter_b.pk}.pdf", "manifest.csv"]


def test_staff_of_another_organisation_neither_see_build_nor_download(client, two_councils):
    letter_a, letter_b = two_councils["letter_a"], two_councils["letter_b"]
    batch_a, batch_b = letter_a.print_batch, letter_b.print_batch
    client.force_login(two_councils["staff"].caseworker)
    assert client.post(f"/staff/letters/{batch_a.pk}/build/").status_code == 302
    built_at = PrintBatch.objects.get(pk=batch_a.pk).built_at

    client.force_login(two_councils["worker_b"])
    page = client.get("/staff/letters/").content.decode()
    assert f"/staff/letters/{batch_b.pk}/build/" in page
    assert f"/staff/letters/{batch_a.pk}/" not in page
    assert client.post(f"/staff/letters/{batch_a.pk}/build/").status_code == 404
    assert client.get(f"/staff/letters/{batch_a.pk}/download/").status_code == 404
    unchanged = PrintBatch.objects.get(pk=batch_a.pk)
    assert unchanged.built_at == built_at
    assert unchanged.built_by == two_councils["staff"].caseworker

    # And the other way round: council A's staff do not reach B's batch.
    assert client.post(f"/staff/letters/{batch_b.pk}/build/").status_code == 302
    client.force_login(two_councils["staff"].caseworker)
    page = client.get("/staff/letters/").content.decode()
    assert f"/staff/letters/{batch_b.pk}/" not in page
    assert client.get(f"/staff/letters/{batch_b.pk}/download/").status_code == 404
    assert client.post(f"/staff/letters/{batch_b.pk}/build/").status_code == 404


def test_staff_of_both_organisations_see_both_batches_named(client, two_councils):
    organisations.membership_ensure(
        user=two_councils["staff"].caseworker,
        team=two_councils["case_b"].team,
        role=Role.CASEWORKER,
    )
    client.force_login(two_councils["staff"].caseworker)
    page = client.get("/staff/letters/").content.decode()
    for letter in (two_councils["letter_a"], two_councils["letter_b"]):
        assert f"/staff/letters/{letter.print_batch_id}/build/" in page
    assert "Other Borough Council" in page
    assert '<td class="govuk-table__cell">Demo Council</td>' in page


def test_no_letter_is_planned_for_a_case_in_no_team(citizen):
    make_staff()
    case = submit_case(citizen)
    person = case.person
    person.channels = ["letter"]
    person.save()
    Case.objects.filter(pk=case.pk).update(team=None)
    case.refresh_from_db()
    data = messaging.notice_data(case=case, person=person, language="en")
    notice = messaging.notice_send(event="decision_made", person=person, case=case, data=data)
    assert "letter" not in notice.channels
    assert not notice.messages.filter(channel="letter").exists()


def test_a_letter_whose_case_left_every_team_fails_without_blaming_the_address(citizen):
    make_staff()
    case = submit_case(citizen)
    person = case.person
    person.channels = ["letter"]
    person.save()
    notice = messaging.notice_send(
        event="decision_made",
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language="en"),
    )
    letter = notice.messages.get(channel="letter")
    Case.objects.filter(pk=case.pk).update(team=None)
    deliver([letter])
    letter.refresh_from_db()
    assert letter.status == "failed" and "no team" in letter.last_error
    assert letter.print_batch_id is None and not PrintBatch.objects.exists()
    person.refresh_from_db()
    assert "address" not in people_selectors.failing_contacts(person=person)


def test_the_letters_page_shows_only_the_members_organisations(client, two_councils):
    client.force_login(two_councils["staff"].provider)
    assert client.get("/staff/letters/").status_code == 403
    batch_a = two_councils["letter_a"].print_batch
    assert client.get(f"/staff/letters/{batch_a.pk}/download/").status_code == 403


def _old_letter(old_apps, case, batch):
    """A letter as the messaging app stored it before batches had an organisation."""
    notice = old_apps.get_model("messaging", "Notice").objects.create(
        event="decision_made",
        person_id=case.person_id,
        case_id=case.pk,
        language="en",
        status="sent",
        created_at=timezone.now(),
    )
    return old_apps.get_model("messaging", "Message").objects.create(
        notice=notice,
        person_id=case.person_id,
        case_id=case.pk,
        event="decision_made",
        channel="letter",
        language="en",
        to_address="1 Street\nTown",
        subject="Decision",
        body="Words",
        status="sent",
        print_batch=batch,
        next_attempt_at=timezone.now(),
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_splits_a_day_of_several_organisations_letters():
    """Batches made before batches had an organisation: each goes to its letters'
    organisation, split where it held several, its mixed zip deleted; a letter of no
    team's case is taken out and, if its batch was never built, marked failed."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from commonweal.people import services as people_services
    from tests.conftest import load_demo_services

    if connection.vendor != "postgresql":
        # Like the other tests that run outside a transaction: on SQLite, emptying the
        # database afterwards trips the append-only history triggers.
        pytest.skip("needs PostgreSQL: migrating runs outside the test's transaction")
    load_demo_services()
    staff = make_staff()
    team_b, _worker_b = second_council()
    cases = []
    for email in ("one@example.com", "two@example.com", "three@example.com"):
        account = User.objects.create_user(email)
        people_services.person_for_account(account=account)
        cases.append(submit_case(account))
    case_a, case_b, case_nobody = cases
    Case.objects.filter(pk=case_b.pk).update(team=team_b)
    Case.objects.filter(pk=case_nobody.pk).update(team=None)
    before = [("messaging", "0007_notice_sent")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        OldBatch = old_apps.get_model("messaging", "PrintBatch")
        day = timezone.localdate()
        mixed_file = default_storage.save(
            "print-batches/test/mixed.zip", ContentFile(b"letters of two councils")
        )
        mixed = OldBatch.objects.create(day=day, file=mixed_file, letters=3)
        unbuilt = OldBatch.objects.create(day=day.replace(year=day.year - 1))
        only_nobody = OldBatch.objects.create(day=day.replace(year=day.year - 2))
        in_mixed = [_old_letter(old_apps, case, mixed) for case in cases]
        unbuilt_a = _old_letter(old_apps, case_a, unbuilt)
        unbuilt_nobody = _old_letter(old_apps, case_nobody, unbuilt)
        _old_letter(old_apps, case_nobody, only_nobody)
    finally:
        # Whatever happened, leave the database as the other tests expect it.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    council_a = staff.teams["financial-support"].organisation
    batches = {(b.day, b.organisation_id): b for b in PrintBatch.objects.all()}
    today_a, today_b = (day, council_a.pk), (day, team_b.organisation_id)
    assert set(batches) == {today_a, today_b, (unbuilt.day, council_a.pk)}
    letter_a, letter_b, letter_nobody = (Message.objects.get(pk=m.pk) for m in in_mixed)
    assert letter_a.print_batch == batches[today_a]
    assert letter_b.print_batch == batches[today_b]
    # The zip mixing both councils' letters is gone; each council builds its own.
    assert not batches[today_a].file and not batches[today_b].file
    assert batches[today_a].letters == 0 and not default_storage.exists(mixed_file)
    # In a batch already built (so with the print house): out of the batch, still sent.
    assert letter_nobody.print_batch is None and letter_nobody.status == "sent"
    # In a batch never built: it never went to print, so it failed, and so did its notice.
    assert Message.objects.get(pk=unbuilt_a.pk).print_batch == batches[(unbuilt.day, council_a.pk)]
    failed = Message.objects.get(pk=unbuilt_nobody.pk)
    assert failed.print_batch is None and failed.status == "failed"
    assert "no team" in failed.last_error
    assert Notice.objects.get(pk=failed.notice_id).status == "failed"
