"""The retention job: closed cases past their service's retention period are anonymised,
in batches, in SQL.

For each batch of cases (in one transaction) everything that could identify the person is
deleted: the case's history (events, decisions), tasks, flags, referrals, checks, secure
messages and their files, notices and messages, uploads, correction requests; the
application's answers are emptied. The case row stays, with its reference, service, dates,
team and outcome, for statistics. A person whose cases are all anonymised, and who is not
under a legal hold, is anonymised too: their record is emptied and unlinked from their
account, and their contact points, history, representatives and consents deleted.

A case under a legal hold (on the case, or on its person) is kept and counted.

History tables are append-only in the database; the job's transaction holds a row in
`rights_erasurepass`, which the triggers let delete (never update). Each statement works on
a whole batch: a few dozen statements per 500 cases, whatever is in them. Files are deleted
after the batch commits. A dry run does all of it and rolls back, so its counts are exact.

Other apps that keep data about cases add their own step with `register_case_eraser`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import (
    Consent,
    ConsentRequest,
    DataRequest,
    ErasedCase,
    ErasurePass,
    LegalHold,
    RetentionRun,
)

logger = logging.getLogger("commonweal.rights")

BATCH_SIZE = 500
DEFAULT_RETENTION_DAYS = 2190

_ERASERS: dict[str, Callable[[list[int]], int]] = {}


def register_case_eraser(name: str, erase: Callable[[list[int]], int]) -> None:
    """Add a step to the retention job: `erase(case_ids)` deletes (in bulk) what the app
    holds about these cases and returns how many rows it removed; it runs inside the
    batch's transaction, while history may be deleted. The count is reported under `name`."""
    _ERASERS[name] = erase


def _raw_delete(queryset) -> int:
    # A single DELETE ... WHERE statement: no per-row collector, signals or PROTECT checks
    # (everything that refers to these rows goes in the same transaction).
    return queryset._raw_delete(queryset.db)


def _retention_by_service() -> dict[int, int]:
    from commonweal.catalogue import selectors as catalogue

    return {
        published.service.pk: published.definition.retention_days
        for published in catalogue.published_services()
    }


def _due_cases(now: datetime.datetime):
    """Closed cases past their service's period, not anonymised yet: (due, held) querysets."""
    from commonweal.cases.models import Case

    periods = _retention_by_service()
    default_days = getattr(settings, "COMMONWEAL_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    conditions = Q(pk__in=[])
    for service_id, days in periods.items():
        conditions |= Q(service_id=service_id, closed_at__lt=now - datetime.timedelta(days=days))
    # Services with no published version keep the platform's default period.
    conditions |= Q(closed_at__lt=now - datetime.timedelta(days=default_days)) & ~Q(
        service_id__in=list(periods)
    )
    past = Case.objects.filter(conditions, closed_at__isnull=False).exclude(
        Exists(ErasedCase.objects.filter(case_id=OuterRef("pk")))
    )
    on_hold = Exists(
        LegalHold.objects.filter(lifted_at__isnull=True).filter(
            Q(case_id=OuterRef("pk")) | Q(person_id=OuterRef("person_id"))
        )
    )
    return past.exclude(on_hold), past.filter(on_hold)


def _add(counts: dict, key: str, value: int) -> None:
    counts[key] = counts.get(key, 0) + value


def _erase_batch(case_ids: list[int], counts: dict, now: datetime.datetime) -> None:
    from commonweal.cases.models import Case, CaseEvent, CaseFlag, Decision, Referral, Task
    from commonweal.checks.models import CheckResult
    from commonweal.intake.models import Application, Upload
    from commonweal.messaging.models import Message, Notice, ThreadAttachment, ThreadMessage

    application_ids = list(
        Case.objects.filter(pk__in=case_ids).values_list("application_id", flat=True)
    )
    files = []
    files += [
        (Upload, name)
        for name in Upload.objects.filter(application_id__in=application_ids).values_list(
            "file", flat=True
        )
    ]
    files += [
        (ThreadAttachment, name)
        for name in ThreadAttachment.objects.filter(message__case_id__in=case_ids).values_list(
            "file", flat=True
        )
    ]
    files += [
        (Message, name)
        for name in Message.objects.filter(case_id__in=case_ids)
        .exclude(letter_pdf="")
        .values_list("letter_pdf", flat=True)
    ]
    _add(counts, "files_deleted", len(files))
    _raw_delete(ThreadAttachment.objects.filter(message__case_id__in=case_ids))
    _add(
        counts,
        "secure_messages_deleted",
        _raw_delete(ThreadMessage.objects.filter(case_id__in=case_ids)),
    )
    _add(counts, "messages_deleted", _raw_delete(Message.objects.filter(case_id__in=case_ids)))
    _raw_delete(Message.objects.filter(notice__case_id__in=case_ids))
    _add(counts, "notices_deleted", _raw_delete(Notice.objects.filter(case_id__in=case_ids)))
    _add(counts, "tasks_deleted", _raw_delete(Task.objects.filter(case_id__in=case_ids)))
    _raw_delete(CaseFlag.objects.filter(case_id__in=case_ids))
    _raw_delete(Referral.objects.filter(case_id__in=case_ids))
    _add(
        counts,
        "check_results_deleted",
        _raw_delete(CheckResult.objects.filter(case_id__in=case_ids)),
    )
    _add(
        counts,
        "correction_requests_deleted",
        _raw_delete(
            DataRequest.objects.filter(
                Q(case_id__in=case_ids) | Q(application_id__in=application_ids)
            )
        ),
    )
    _raw_delete(LegalHold.objects.filter(case_id__in=case_ids))  # only lifted ones are left
    _raw_delete(ConsentRequest.objects.filter(case_id__in=case_ids))
    for name, erase in _ERASERS.items():
        _add(counts, name, erase(case_ids))
    _add(counts, "decisions_deleted", _raw_delete(Decision.objects.filter(case_id__in=case_ids)))
    _add(counts, "case_events_deleted", _raw_delete(CaseEvent.objects.filter(case_id__in=case_ids)))
    _add(
        counts,
        "uploads_deleted",
        _raw_delete(Upload.objects.filter(application_id__in=application_ids)),
    )
    Application.objects.filter(pk__in=application_ids).update(
        answers={}, eligibility_answers={}, completed_pages=[], confirmed_details=[]
    )
    Case.objects.filter(pk__in=case_ids).update(awaiting_reply_since=None)
    ErasedCase.objects.bulk_create([ErasedCase(case_id=pk, erased_at=now) for pk in case_ids])
    _add(counts, "cases_anonymised", len(case_ids))
    _erase_people(case_ids, counts)

    def delete_files():
        for model, name in files:
            if name:
                field = (
                    model._meta.get_field("letter_pdf")
                    if model is Message
                    else model._meta.get_field("file")
                )
                field.storage.delete(name)

    transaction.on_commit(delete_files)


def _erase_people(case_ids: list[int], counts: dict) -> None:
    """People whose every case is now anonymised, and who are not on hold."""
    from commonweal.cases.models import Case
    from commonweal.messaging.models import Message, Notice
    from commonweal.people.models import ContactPoint, Person, PersonChange, Representative

    person_ids = set(Case.objects.filter(pk__in=case_ids).values_list("person_id", flat=True))
    still_kept = set(
        Case.objects.filter(person_id__in=person_ids)
        .exclude(Exists(ErasedCase.objects.filter(case_id=OuterRef("pk"))))
        .values_list("person_id", flat=True)
    )
    held = set(
        LegalHold.objects.filter(person_id__in=person_ids, lifted_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    people = sorted(person_ids - still_kept - held)
    if not people:
        return
    _close_accounts(people, counts)
    _raw_delete(Message.objects.filter(person_id__in=people))
    _raw_delete(Message.objects.filter(notice__person_id__in=people))
    _raw_delete(Notice.objects.filter(person_id__in=people))
    _raw_delete(ContactPoint.objects.filter(person_id__in=people))
    _raw_delete(Representative.objects.filter(person_id__in=people))
    _add(
        counts,
        "person_changes_deleted",
        _raw_delete(PersonChange.objects.filter(person_id__in=people)),
    )
    _raw_delete(ConsentRequest.objects.filter(person_id__in=people))
    _add(counts, "consents_deleted", _raw_delete(Consent.objects.filter(person_id__in=people)))
    _raw_delete(DataRequest.objects.filter(person_id__in=people))
    _raw_delete(LegalHold.objects.filter(person_id__in=people))
    Person.objects.filter(pk__in=people).update(
        account=None,
        given_name="",
        family_name="",
        date_of_birth=None,
        ni_number="",
        address_line_1="",
        address_line_2="",
        address_town="",
        address_county="",
        address_postcode="",
        email="",
        phone="",
        language="",
        accessibility_needs="",
        preferred_contact="",
        channels=[],
        do_not_contact=[],
        has_failing_contact=False,
        updated_at=timezone.now(),
    )
    _add(counts, "people_anonymised", len(people))


def _close_accounts(people: list[int], counts: dict) -> None:
    """The sign-in accounts of people being anonymised: their address is replaced and they
    can no longer sign in (an existing session ends with them). An account is kept as it
    is while it has applications for anyone else (a carer's), and staff accounts always."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from commonweal.intake.models import Application
    from commonweal.people.models import Person

    others = Application.objects.filter(account_id=OuterRef("pk"), person__isnull=False).exclude(
        person_id__in=people
    )
    accounts = (
        get_user_model()
        .objects.filter(
            pk__in=Person.objects.filter(pk__in=people, account__isnull=False).values("account_id"),
            is_staff=False,
        )
        .exclude(Exists(others))
    )
    _add(
        counts,
        "accounts_closed",
        accounts.update(
            email=Concat(Value("erased-"), Cast("pk", CharField()), Value("@erased.invalid")),
            display_name="",
            is_active=False,
            password=make_password(None),  # unusable
        ),
    )


def retention_run(
    *,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    record: bool = True,
) -> dict:
    """Anonymise every closed case past its service's retention period (and people left
    with nothing else), except those under a legal hold. Returns the counts; a dry run
    does the same work and rolls it back."""
    now = now or timezone.now()
    started = timezone.now()
    counts: dict[str, int] = {"cases_anonymised": 0, "people_anonymised": 0, "accounts_closed": 0}
    with transaction.atomic():
        due, held = _due_cases(now)
        counts["cases_kept_under_legal_hold"] = held.count()
        case_ids = list(due.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(case_ids), batch_size):
            batch = case_ids[start : start + batch_size]
            # Each batch is its own savepoint: a batch that fails leaves the others done.
            with transaction.atomic():
                erasure = ErasurePass.objects.create(started_at=now)
                _erase_batch(batch, counts, now)
                _raw_delete(ErasurePass.objects.filter(pk=erasure.pk))
        if dry_run:
            transaction.set_rollback(True)
    if record and not dry_run:
        RetentionRun.objects.create(
            started_at=started, finished_at=timezone.now(), counts=counts, dry_run=False
        )
    logger.info("Retention%s: %s", " (dry run)" if dry_run else "", counts)
    return counts


def retention_run_nightly(*, now: datetime.datetime | None = None) -> int | None:
    """Once a night (from COMMONWEAL_RETENTION_HOUR, 2 a.m. by default) the first worker to
    claim the day's row queues the run as a task; others, and later calls, do nothing.
    Returns the claimed run's id."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < getattr(settings, "COMMONWEAL_RETENTION_HOUR", 2):
        return None
    if RetentionRun.objects.filter(day=local.date()).exists():
        return None
    try:
        with transaction.atomic():
            claim = RetentionRun.objects.create(day=local.date(), started_at=now)
            from .tasks import run_retention

            transaction.on_commit(lambda: run_retention.enqueue(claim.pk))
    except IntegrityError:
        return None
    return claim.pk


def retention_run_claimed(*, run_id: int) -> dict:
    """The claimed nightly run: do it and keep its counts on its row."""
    counts = retention_run(record=False)
    RetentionRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), counts=counts)
    return counts
