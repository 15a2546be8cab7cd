"""The payments pages in the workspace, as a team leader uses them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.accounts.models import User
from commonweal.cases.models import Task
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.payments import services as payments
from commonweal.payments.models import PaymentInstruction
from tests.payments import paid_case, reconciliation_csv
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def payment_settings(settings, tmp_path):
    settings.COMMONWEAL_PAYMENTS_DIR = tmp_path / "payments"
    settings.COMMONWEAL_PAYMENTS_CUTOFF = "23:59:59"
    return settings


@pytest.fixture
def staff(db):
    return make_staff()


def signed_in(client, user):
    client.force_login(user)
    return client


def batch_of(staff, amounts=(10_000, 20_000), day=None):
    made = [paid_case(staff.leader, amount_pence=amount)[1] for amount in amounts]
    day = day or timezone.localdate()
    if day != timezone.localdate():
        PaymentInstruction.objects.filter(pk__in=[i.pk for i in made]).update(
            created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        )
    return payments.payment_batches_run(day=day).made[0], made


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def test_leader_sees_batches_and_downloads_the_file(client, staff):
    batch, made = batch_of(staff)
    c = signed_in(client, staff.leader)
    html = c.get("/staff/payments/").content.decode()
    assert f"Batch {batch.pk}" in html
    assert "£300" in html  # the total
    assert 'href="/staff/payments/"' in html  # in the workspace menu
    page = c.get(f"/staff/payments/batches/{batch.pk}/")
    html = page.content.decode()
    assert f"<code>{batch.sha256}</code>" in html
    # The file's name is a link to download it, not markup shown as text.
    assert (
        f'<a class="govuk-link" href="/staff/payments/batches/{batch.pk}/download/">'
        f"{batch.file_name}</a>"
    ) in html
    assert "&lt;a" not in html
    assert all(i.reference in html for i in made)
    assert "Upload the bank" in html
    response = c.get(f"/staff/payments/batches/{batch.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    assert content == (payments.payments_dir() / batch.file_name).read_bytes()


def test_the_batch_page_links_to_its_file_and_shows_its_hash_as_code(client, staff):
    batch, _made = batch_of(staff)
    html = signed_in(client, staff.leader).get(f"/staff/payments/batches/{batch.pk}/")
    html = html.content.decode()
    link = f'<a class="govuk-link" href="/staff/payments/batches/{batch.pk}/download/">'
    assert link + batch.file_name + "</a>" in html
    assert f"<code>{batch.sha256}</code>" in html
    assert "&lt;a class" not in html and "&lt;code&gt;" not in html


def test_pending_page_shows_only_the_last_four_digits(client, staff):
    _case, instruction = paid_case(staff.leader, amount_pence=81_200)
    html = signed_in(client, staff.leader).get("/staff/payments/pending/").content.decode()
    assert instruction.reference in html
    assert "3445" in html and "00733445" not in html
    assert "30-94-30" in html
    assert "£812" in html
    assert "1 payment waiting" in html
    # The case's timeline (in its history) says so too, for whoever works the case.
    case_page = signed_in(client, staff.caseworker).get(
        f"/staff/cases/{instruction.reference}/history/"
    )
    assert "Payment of £812.00 instructed" in case_page.content.decode()


def test_reconciliation_upload_marks_payments_and_raises_tasks(client, staff):
    batch, (one, two) = batch_of(staff)
    c = signed_in(client, staff.leader)
    content = reconciliation_csv(
        batch,
        [(one.reference, 10_000, "paid", ""), (two.reference, 20_000, "failed", "No account")],
    )
    response = c.post(
        f"/staff/payments/batches/{batch.pk}/",
        {"reconciliation": SimpleUploadedFile("report.csv", content, "text/csv")},
    )
    assert response.status_code == 302
    html = c.get(response["Location"]).content.decode()
    assert "Batch reconciled: 1 paid, 1 failed." in html
    assert "No account" in html
    assert Task.objects.filter(case_id=two.case_id).count() == 1
    assert "Upload the bank" not in html  # nothing more to upload


def test_a_refused_upload_lists_every_problem_and_changes_nothing(client, staff):
    batch, (one, _two) = batch_of(staff)
    c = signed_in(client, staff.leader)
    content = reconciliation_csv(
        batch, [(one.reference, 10_000, "paid", ""), ("BL-NOPE-0000", 20_000, "paid", "")]
    )
    response = c.post(
        f"/staff/payments/batches/{batch.pk}/",
        {"reconciliation": SimpleUploadedFile("report.csv", content, "text/csv")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Line 3: BL-NOPE-0000 is not in this batch" in html
    assert "leaves out 1 payments" in html
    assert set(PaymentInstruction.objects.values_list("status", flat=True)) == {"batched"}
    response = c.post(f"/staff/payments/batches/{batch.pk}/", {})
    assert response.status_code == 400
    assert "Choose the bank" in response.content.decode()


def test_only_leaders_of_the_organisation_see_payments(client, staff, citizen):
    batch, _made = batch_of(staff)
    for user in (staff.caseworker, staff.provider, citizen):
        c = signed_in(client, user)
        assert c.get("/staff/payments/").status_code == 403
        assert c.get(f"/staff/payments/batches/{batch.pk}/").status_code == 403
    # A leader in another organisation: the batch does not exist for them.
    elsewhere = User.objects.create_user("lead@care.example", display_name="Lee", is_staff=True)
    organisations.membership_ensure(
        user=elsewhere, team=staff.teams["provider"], role=Role.TEAM_LEADER
    )
    c = signed_in(client, elsewhere)
    assert f"Batch {batch.pk}" not in c.get("/staff/payments/").content.decode()
    assert c.get(f"/staff/payments/batches/{batch.pk}/").status_code == 404
    assert c.get(f"/staff/payments/batches/{batch.pk}/download/").status_code == 404
    content = reconciliation_csv(batch, [])
    response = c.post(
        f"/staff/payments/batches/{batch.pk}/",
        {"reconciliation": SimpleUploadedFile("report.csv", content, "text/csv")},
    )
    assert response.status_code == 404
    client.logout()
    response = client.get("/staff/payments/")
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_pages_make_the_same_number_of_queries_for_more_rows(client, staff):
    c = signed_in(client, staff.leader)
    today = timezone.localdate()
    first, _ = batch_of(staff, amounts=(1_000,), day=today - datetime.timedelta(days=3))
    paid_case(staff.leader)
    few = [queries(c, url) for url in ("/staff/payments/", "/staff/payments/pending/")]
    few.append(queries(c, f"/staff/payments/batches/{first.pk}/"))
    batch_of(staff, amounts=(1_000, 2_000), day=today - datetime.timedelta(days=2))
    big, _ = batch_of(staff, amounts=(1_000, 2_000, 3_000, 4_000), day=today)
    for _ in range(4):
        paid_case(staff.leader)
    many = [queries(c, url) for url in ("/staff/payments/", "/staff/payments/pending/")]
    many.append(queries(c, f"/staff/payments/batches/{big.pk}/"))
    assert few == many
