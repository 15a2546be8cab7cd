"""The retention job: closed cases past their service's retention period are anonymised,
in batches, in SQL.

For each batch of cases (in one transaction) everything that could identify the person is
deleted: the case's history (events, decisions), tasks, flags, referrals, checks, secure
messages and their files, notices and messages, uploads, correction requests; the
application's answers are emptied. The case row stays, with its reference, service, dates,
team and outcome, for statistics. A person whose cases are all anonymised, and who is not
under a legal hold, is anonymised too: their record is emptied and unlinked from their
account, and their contact points, history, representatives and consents deleted.

This module deletes only rights' own rows (consents, correction requests, holds). What
other apps hold, each app erases itself, with the erasers it registers from its
`AppConfig.ready()` in two registries:

- `case-erasers` (`CASE_ERASERS`, `register_case_eraser`): `erase(case_ids)` for a batch of
  cases: messaging (messages, notices, secure messages and their files), cases (tasks,
  flags, referrals; offers; decisions and history), checks (results, match keys), rules
  (evaluations), payments (unlinks its instructions from the decisions), intake (uploads and
  their files; the applications' answers emptied).
- `person-erasers` (`PERSON_ERASERS`, `register_person_eraser`): `erase(person_ids)` for the
  people left with nothing: intake (closes their sign-in accounts), messaging (their
  notices), people (contact points, representatives, history; the record emptied).

Erasers run in their `order` (then by name) inside the batch's transaction, while history
may be deleted, and return what they removed: a count (reported under the eraser's name) or
a dict of counts. An eraser that deletes files collects their names first and deletes them
with `transaction.on_commit`, so a rolled-back batch (or a dry run) keeps them.

A case under a legal hold (on the case, or on its person) is kept and counted.

`person_erase` does the same, at once, for everything about one person whose request for
erasure staff granted (`rights.erasure`): all their cases, then the person, in one
transaction. Erasure requests themselves are kept (emptied of the person's words), as the
record of what was asked, decided and removed.

History tables are append-only in the database; the job's transaction holds a row in
`rights_erasurepass`, which the triggers let delete (never update). Each statement works on
a whole batch: a few dozen statements per 500 cases, whatever is in them. Files are deleted
after the batch commits. A dry run does all of it and rolls back, so its counts are exact.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from commonweal.cases import selectors as cases_selectors
from commonweal.core.personal_data import CASE_ERASERS, PERSON_ERASERS, Eraser
from commonweal.core.registry import Registry

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


def _run_erasers(registry: Registry[Eraser], ids: list[int], counts: dict) -> None:
    steps = sorted(registry.items(), key=lambda entry: (entry[1].order, entry[0]))
    for name, eraser in steps:
        done = eraser.erase(ids)
        if isinstance(done, dict):
            for key, value in done.items():
                _add(counts, key, value)
        else:
            _add(counts, name, done)


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
    periods = _retention_by_service()
    default_days = getattr(settings, "COMMONWEAL_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    conditions = Q(pk__in=[])
    for service_id, days in periods.items():
        conditions |= Q(service_id=service_id, closed_at__lt=now - datetime.timedelta(days=days))
    # Services with no published version keep the platform's default period.
    conditions |= Q(closed_at__lt=now - datetime.timedelta(days=default_days)) & ~Q(
        service_id__in=list(periods)
    )
    past = (
        cases_selectors.cases()
        .filter(conditions, closed_at__isnull=False)
        .exclude(Exists(ErasedCase.objects.filter(case_id=OuterRef("pk"))))
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
    application_ids = list(
        cases_selectors.cases().filter(pk__in=case_ids).values_list("application_id", flat=True)
    )
    _add(counts, "files_deleted", 0)
    requests = DataRequest.objects.filter(
        Q(case_id__in=case_ids) | Q(application_id__in=application_ids)
    )
    _add(
        counts,
        "correction_requests_deleted",
        _raw_delete(requests.exclude(kind=DataRequest.Kind.ERASURE)),
    )
    _keep_erasure_requests(requests)
    _raw_delete(LegalHold.objects.filter(case_id__in=case_ids))  # only lifted ones are left
    _raw_delete(ConsentRequest.objects.filter(case_id__in=case_ids))
    _run_erasers(CASE_ERASERS, case_ids, counts)
    ErasedCase.objects.bulk_create([ErasedCase(case_id=pk, erased_at=now) for pk in case_ids])
    _add(counts, "cases_anonymised", len(case_ids))
    _erase_people(case_ids, counts)


def _erase_people(case_ids: list[int], counts: dict) -> None:
    """People whose every case is now anonymised, and who are not on hold."""
    person_ids = set(
        cases_selectors.cases().filter(pk__in=case_ids).values_list("person_id", flat=True)
    )
    still_kept = set(
        cases_selectors.cases()
        .filter(person_id__in=person_ids)
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
    _erase_persons(people, counts)


def _erase_persons(people: list[int], counts: dict) -> None:
    """Everything about these people that is not a case's: consents, requests, lifted holds,
    and what each app holds (its person erasers)."""
    _raw_delete(ConsentRequest.objects.filter(person_id__in=people))
    _add(counts, "consents_deleted", _raw_delete(Consent.objects.filter(person_id__in=people)))
    requests = DataRequest.objects.filter(person_id__in=people)
    _raw_delete(requests.exclude(kind=DataRequest.Kind.ERASURE))
    _keep_erasure_requests(requests)
    _raw_delete(LegalHold.objects.filter(person_id__in=people))
    _run_erasers(PERSON_ERASERS, people, counts)
    _add(counts, "people_anonymised", len(people))


def _keep_erasure_requests(requests) -> None:
    """An erasure request is the record that the erasure was asked for and decided: it
    stays, without the person's own words."""
    requests.filter(kind=DataRequest.Kind.ERASURE).update(
        what_is_wrong="", should_be="", value_shown=""
    )


def person_erase(*, person_id: int, now: datetime.datetime | None = None) -> dict:
    """Erase everything held about one person, now, as the retention job would once their
    cases were due: every case of theirs not yet anonymised, then the person. One
    transaction: all of it, or (on any error) none of it. The caller has checked that no
    legal hold keeps any of it. Returns what each eraser removed."""
    now = now or timezone.now()
    counts: dict[str, int] = {"cases_anonymised": 0, "people_anonymised": 0}
    with transaction.atomic():
        erasure = ErasurePass.objects.create(started_at=now)
        case_ids = list(
            cases_selectors.cases()
            .filter(person_id=person_id)
            .exclude(Exists(ErasedCase.objects.filter(case_id=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if case_ids:
            _erase_batch(case_ids, counts, now)
        if not counts["people_anonymised"]:
            _erase_persons([person_id], counts)
        _raw_delete(ErasurePass.objects.filter(pk=erasure.pk))
    logger.info("Erasure of person %s: %s", person_id, counts)
    return counts


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
