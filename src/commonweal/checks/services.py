"""Running automated checks and recording what they found.

After a submission commits, `checks_enqueue` queues a run (a `CheckRun` row and a task in
one transaction); staff ask again with `checks_rerun_request`. The worker's task calls
`checks_run`, which indexes the case's identifiers for the matching checks, runs every check
the service lists, each with a time limit and inside its own savepoint, and records:

- a `CheckResult` per check (appended; the newest is current), its reasons in English and
  as messages to show in the reader's language (reasons.py),
- an "error" result for a check that crashed, timed out or is not installed, and a task for
  the team (once, not on every failed run), so the case is never held up by a broken check,
- one internal `CaseEvent` ("checks_run") with every status, by whoever asked.

Then it calls what is registered in `AFTER_CHECKS` (automation, for example)."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from commonweal.catalogue import selectors as catalogue
from commonweal.core.working_days import add_working_days

from . import registry
from .facts import case_facts, digest
from .models import CheckResult, CheckRun, MatchKey
from .reasons import STORED_LANGUAGE, stored
from .reasons import message as _

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import Case

logger = logging.getLogger("commonweal.checks")

CHECKS_RUN_EVENT = "checks_run"
# A run still unfinished after this long is taken as lost (a worker died) and may be asked
# for again; before then, asking again adds nothing.
RUN_PENDING_FOR = datetime.timedelta(minutes=10)


# The plugin surface other apps use (see registry.py): add a check, or something to do
# once every check of a case has a result.
register_check = registry.register_check
AFTER_CHECKS = registry.AFTER_CHECKS


def _stored_reasons(reasons: Iterable[str]) -> tuple[list[str], list[dict[str, Any] | None]]:
    """The reasons' English words, and their messages for other languages."""
    pairs = [stored(reason) for reason in reasons]
    return [text for text, _data in pairs], [data for _text, data in pairs]


def check_result_record(
    *,
    case: Case,
    check_name: str,
    status: str,
    reasons: list[str],
    evidence: dict[str, Any] | None = None,
) -> CheckResult:
    """The newest result of a check on a case; the one before it stays as history."""
    if status not in CheckResult.Status.values:
        raise ValueError(f"unknown check status {status!r}")
    texts, messages = _stored_reasons(reasons)
    with transaction.atomic():
        CheckResult.objects.filter(case=case, check_name=check_name, is_current=True).update(
            is_current=False
        )
        return CheckResult.objects.create(
            case=case,
            check_name=check_name,
            status=status,
            reasons=texts,
            reason_messages=messages,
            evidence=evidence or {},
            created_at=timezone.now(),
        )


# Queueing


def _queue(case_id: int, by: User) -> CheckRun:
    from .tasks import run_checks

    # Part of the caller's transaction when there is one: the run and its task row are
    # written with the change that asked for them, or not at all (an outbox, so a web
    # process dying after its commit loses nothing).
    with transaction.atomic(savepoint=False):
        run = CheckRun.objects.create(case_id=case_id, requested_by=by, requested_at=timezone.now())
        # The task row is written in this same transaction (database backend).
        run_checks.enqueue(run.pk)
    return run


def checks_enqueue(*, case_id: int) -> None:
    """Queue the case's checks in the caller's transaction (a submission): the task row is
    the outbox, written with the case or not at all; the worker records the run when it
    starts, so a submission pays for one row only."""
    from .tasks import run_checks

    with transaction.atomic(savepoint=False):
        run_checks.enqueue(case_id=case_id)


def check_run_start(*, case_id: int) -> CheckRun:
    """The run of the checks a submission queued, recorded as the worker starts it."""
    return CheckRun.objects.create(case_id=case_id, requested_by=None, requested_at=timezone.now())


def checks_rerun_request(*, case_id: int, by: User) -> tuple[CheckRun, bool]:
    """A member of staff asks for the checks again. Returns the run and whether it is new:
    a run already waiting (a double click, or two people at once) is not queued twice."""
    from commonweal.cases import services as cases_services

    with transaction.atomic():
        cases_services.case_lock(case_id=case_id)
        waiting = (
            CheckRun.objects.filter(
                case_id=case_id,
                finished_at__isnull=True,
                requested_at__gte=timezone.now() - RUN_PENDING_FOR,
            )
            .order_by("-requested_at")
            .first()
        )
        if waiting is not None:
            return waiting, False
        return _queue(case_id, by), True


# Running


class CheckTimedOut(Exception):
    """A check ran past its time limit (raised by the SIGALRM timer, outside database calls)."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the check after `seconds`. In the worker's main thread a SIGALRM timer raises
    CheckTimedOut inside the check, but never in the middle of a database call (that would
    leave the connection unusable): a query under way is left to finish, which on PostgreSQL
    its own statement timeout ensures, and the check is stopped as soon as it returns.
    Elsewhere the check runs to its end and is judged by the clock afterwards."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [max(1, int(seconds * 1000))])
    main_thread = threading.current_thread() is threading.main_thread()
    if not (hasattr(signal, "setitimer") and main_thread):
        yield
        return
    state = {"in_query": False, "expired": False}
    message = f"took longer than {seconds:g} seconds"

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        state["expired"] = True
        if not state["in_query"]:
            raise CheckTimedOut(message)

    def guard_queries(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        state["in_query"] = True
        try:
            return execute(sql, params, many, context)
        finally:
            state["in_query"] = False
            if state["expired"]:
                raise CheckTimedOut(message)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with connection.execute_wrapper(guard_queries):
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _error(summary: str, detail: str) -> dict[str, Any]:
    return {"status": "error", "reasons": [summary], "evidence": {"error": detail[:500]}}


def _run_one(name: str, case: Case) -> dict[str, Any]:
    check = registry.get_check(name)
    if check is None:
        return _error(_("No check called %(name)s is installed.") % {"name": name}, "unknown check")
    limit = check.timeout or settings.COMMONWEAL_CHECK_TIMEOUT_SECONDS
    started = time.monotonic()
    try:
        # A savepoint: a check that breaks mid-query cannot spoil what is recorded after it.
        # Reasons given as plain text are stored in English, whoever asked for the run.
        with transaction.atomic(), _time_limit(limit), translation.override(STORED_LANGUAGE):
            outcome = registry.validated(check.run(case))
    except CheckTimedOut as error:
        logger.error("Check %s timed out on case %s", name, case.pk)
        return _error(_("The check took too long and was stopped."), str(error))
    except Exception as error:  # a check must never stop the case, whatever it raises
        logger.exception("Check %s failed on case %s", name, case.pk)
        if connection.vendor == "postgresql" and "statement timeout" in str(error):
            return _error(_("The check took too long and was stopped."), str(error))
        return _error(
            _("The check could not run: %(problem)s.") % {"problem": type(error).__name__},
            f"{type(error).__name__}: {error}",
        )
    if time.monotonic() - started > limit:
        return _error(_("The check took too long and was stopped."), "over the time limit")
    # Evidence is stored as JSON: anything else (dates, lazy text) is kept as text.
    outcome["evidence"] = json.loads(json.dumps(outcome["evidence"], default=str))
    return outcome


def _case_for_checks(case_id: int | None) -> Case | None:
    from django.apps import apps

    Case = apps.get_model("cases", "Case")
    return (
        Case.objects.select_related("application", "person", "version", "service")
        .filter(pk=case_id)
        .first()
    )


def match_keys_index(*, case: Case) -> int:
    """Write the case's identifiers to the match-key index (again, if they were there)."""
    facts = case_facts(case)
    submitted = case.application.submitted_at or case.opened_at
    keys = [
        MatchKey(
            case_id=case.pk,
            person_id=case.person_id,
            service_id=case.service_id,
            kind=kind,
            digest=digest(kind, value),
            submitted_at=submitted,
        )
        for kind, value in facts.match_values()
    ]
    with transaction.atomic():
        MatchKey.objects.filter(case_id=case.pk).delete()
        MatchKey.objects.bulk_create(keys)
    return len(keys)


def _alert_team(case: Case, failed: list[tuple[str, dict[str, Any]]]) -> None:
    """A task on the case for the checks that could not run; a check that was already in
    error last time is not reported again."""
    from commonweal.cases import services as cases_services

    if not failed:
        return
    labels = []
    for name, _outcome in failed:
        check = registry.get_check(name)
        labels.append(str(check.label) if check else name)
    title = gettext(
        "Automated checks could not run (%(checks)s): check by hand or run them again"
    ) % {"checks": ", ".join(labels)}
    due = add_working_days(timezone.localdate(), 1)
    try:
        cases_services.task_add(
            case_id=case.pk,
            title=title[:200],
            due_date=due,
            assignee_id=case.assigned_to_id,
            by=None,
        )
    except cases_services.CaseActionRefused:
        # The assignee has left the team: the task is for the whole team instead.
        cases_services.task_add(
            case_id=case.pk, title=title[:200], due_date=due, assignee_id=None, by=None
        )


def checks_run(*, case_id: int | None = None, run_id: int | None = None) -> list[CheckResult]:
    """Run every check the case's service lists and record the results (see the module)."""
    from commonweal.cases import services as cases_services

    run = None
    if run_id is not None:
        run = CheckRun.objects.filter(pk=run_id).select_related("requested_by").first()
        if run is None:
            return []
        case_id = run.case_id
    case = _case_for_checks(case_id)
    if case is None:
        return []
    definition = catalogue.definition_for(case.version)
    try:
        match_keys_index(case=case)
    except Exception:
        # The matching checks then miss nothing of this case's own; others will not find it
        # until the next run. Logged for the operator.
        logger.exception("Could not index case %s for the matching checks", case.pk)
    # A name listed twice (in a version stored before that was refused) runs once.
    outcomes = [(name, _run_one(name, case)) for name in dict.fromkeys(definition.checks)]
    with transaction.atomic():
        # Two runs of one case (two workers) record one after the other, so each check keeps
        # exactly one current result.
        cases_services.case_lock(case_id=case.pk)
        previous = dict(
            CheckResult.objects.filter(case_id=case.pk, is_current=True).values_list(
                "check_name", "status"
            )
        )
        # The newest result of each check; the ones before stay as history.
        CheckResult.objects.filter(
            case_id=case.pk, check_name__in=[name for name, _o in outcomes], is_current=True
        ).update(is_current=False)
        now = timezone.now()
        results = CheckResult.objects.bulk_create(
            CheckResult(
                case_id=case.pk,
                check_name=name,
                status=outcome["status"],
                reasons=texts,
                reason_messages=messages,
                evidence=outcome["evidence"],
                created_at=now,
            )
            for name, outcome in outcomes
            for texts, messages in [_stored_reasons(outcome["reasons"])]
        )
        if outcomes:
            cases_services.case_event_record(
                case=case,
                kind=CHECKS_RUN_EVENT,
                by=run.requested_by if run else None,
                visible_to_person=False,
                data={"results": {name: outcome["status"] for name, outcome in outcomes}},
            )
        _alert_team(
            case,
            [
                (name, outcome)
                for name, outcome in outcomes
                if outcome["status"] == "error" and previous.get(name) != "error"
            ],
        )
        if run is not None:
            CheckRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    for name, callback in registry.AFTER_CHECKS.items():
        try:
            callback(case_id=case.pk)
        except Exception:
            logger.exception("After-checks step %r failed on case %s", name, case.pk)
    return results


def match_keys_reindex(*, batch_size: int = 500) -> int:
    """Index every case again (after SECRET_KEY changes, or for cases made before the
    checks existed). Returns how many cases were indexed."""
    from django.apps import apps

    Case = apps.get_model("cases", "Case")
    done = 0
    last_id = 0
    while True:
        cases = list(
            Case.objects.select_related("application", "person", "version", "service")
            .filter(pk__gt=last_id)
            .order_by("pk")[:batch_size]
        )
        if not cases:
            return done
        for case in cases:
            match_keys_index(case=case)
        done += len(cases)
        last_id = cases[-1].pk


def match_keys_erase(case_ids: list[int]) -> int:
    """The retention job's step for checks: the keyed digests of these cases' identifiers,
    in one statement, so an emptied case no longer matches anyone."""
    keys = MatchKey.objects.filter(case_id__in=case_ids)
    return keys._raw_delete(keys.db)


def check_results_erase(case_ids: list[int]) -> dict[str, int]:
    """The retention job's step for these cases' check results (their evidence names
    other cases and what the person gave)."""
    results = CheckResult.objects.filter(case_id__in=case_ids)
    return {"check_results_deleted": results._raw_delete(results.db)}
