"""Every write for privacy (one transaction each): access records, their seals, break glass
and investigation holds.

Writing an access record is one plain INSERT in the reading request's own transaction (a
bulk INSERT for a list of people): no lock, no read of the previous record. The chain is
made afterwards by `access_log_seal`, from the worker every few seconds and from
`commonweal audit verify`, so busy pages never queue behind one another."""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Protocol

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import chain
from .models import AccessHold, AccessRecord, Category, Purpose, Seal, Via

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import Case
    from commonweal.organisations.selectors import StaffContext

logger = logging.getLogger("commonweal.privacy")

# How long a typed break-glass reason lets a member of staff keep opening the same case.
BREAK_GLASS_MINUTES = 60
BREAK_GLASS_SESSION_KEY = "privacy.break_glass"
SEAL_BATCH = 5000
# The longest the sealer waits for transactions still writing records to end.
SEAL_WAIT_SECONDS = 5.0

# The role an access record gives a superuser (the system's administrators, in no
# organisation), as the person's page of who has seen their data names it.
SUPERUSER_ROLE = "superuser"

# What the whole case page shows; a referral shows only its shared parts and decisions.
CASE_PAGE_CATEGORIES = [
    Category.PERSON,
    Category.ANSWERS,
    Category.EVIDENCE,
    Category.TIMELINE,
    Category.MESSAGES,
    Category.DECISIONS,
    Category.CHECKS,
]


class ApiKeyReading(Protocol):
    """What an access record needs of the API key an integration reads with (api's ApiKey,
    a layer above this one)."""

    @property
    def pk(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def organisation_id(self) -> int: ...


# An access record's fields saying who read: ids, a name and a role.
Who = dict[str, int | str | None]


class AccessRefused(Exception):
    """A write refused for a reason the person can act on (shown in the page)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BreakGlassNeeded(Exception):
    """The case is outside the member of staff's own work: they must give a reason first."""


# Access records


def _staff_fields(
    *,
    by: User | None,
    context: StaffContext | None,
    team_id: int | None = None,
    organisation_id: int | None = None,
) -> Who:
    """Who read, as what, for which organisation: the membership that fits the case's team
    (or organisation) best, else their first."""
    fields: Who = {
        "actor_id": getattr(by, "pk", None),
        "actor_name": str(by)[:200] if by else "",
    }
    if context is None or not context.roles:
        return {**fields, "organisation_id": organisation_id, "role": ""}
    team = None
    if team_id in context.roles:
        team = team_id
    else:
        wanted = organisation_id
        if wanted is None and team_id is not None:
            from commonweal.organisations import selectors as organisations

            wanted = organisations.organisation_of_team(team_id=team_id)
        team = next(
            (t for t, org in context.team_organisations.items() if org == wanted),
            next(iter(context.roles)),
        )
    return {
        **fields,
        "organisation_id": context.team_organisations[team],
        "role": context.roles[team],
    }


def _validated(
    purpose: str, categories: Iterable[str], via: str, reason: str
) -> tuple[list[str], str]:
    if purpose not in Purpose.values:
        raise AccessRefused(f"Unknown purpose {purpose!r}", "purpose")
    if via not in Via.values:
        raise AccessRefused(f"Unknown kind of read {via!r}", "via")
    names = sorted({str(category) for category in categories})
    unknown = set(names) - set(Category.values)
    if unknown or not names:
        raise AccessRefused(f"Unknown or no categories of data: {sorted(unknown)}", "categories")
    reason = (reason or "").strip()
    if purpose == Purpose.BREAK_GLASS and not reason:
        raise AccessRefused(_("Enter why you need to open this record"), "reason")
    return names, reason[:2000]


def access_record(
    *,
    person_id: int,
    purpose: str,
    categories: Iterable[str],
    via: str,
    by: User | None = None,
    context: StaffContext | None = None,
    case_id: int | None = None,
    team_id: int | None = None,
    organisation_id: int | None = None,
    api_key: ApiKeyReading | None = None,
    reason: str = "",
) -> AccessRecord:
    """Record that `by` (staff, with their `StaffContext`) or an integration (`api_key`)
    read a person's data. One INSERT. A break-glass record without a reason is refused
    (AccessRefused) and nothing is written."""
    return access_record_many(
        person_ids=[person_id],
        case_ids={person_id: case_id} if case_id else None,
        purpose=purpose,
        categories=categories,
        via=via,
        by=by,
        context=context,
        team_id=team_id,
        organisation_id=organisation_id,
        api_key=api_key,
        reason=reason,
    )[0]


def access_record_many(
    *,
    person_ids: Iterable[int],
    purpose: str,
    categories: Iterable[str],
    via: str,
    by: User | None = None,
    context: StaffContext | None = None,
    case_ids: dict[int, int] | None = None,
    team_id: int | None = None,
    organisation_id: int | None = None,
    api_key: ApiKeyReading | None = None,
    reason: str = "",
) -> list[AccessRecord]:
    """One record per person (each once), for a list that showed several people: a single
    bulk INSERT, whatever their number."""
    names, reason = _validated(purpose, categories, via, reason)
    who: Who
    if api_key is not None:
        who = {
            "actor_id": api_key.account_id,
            "actor_name": api_key.name[:200],
            "organisation_id": api_key.organisation_id,
            "role": "integration",
            "api_key_id": api_key.pk,
        }
    else:
        who = _staff_fields(
            by=by, context=context, team_id=team_id, organisation_id=organisation_id
        )
    return _records_insert(
        person_ids=person_ids,
        case_ids=case_ids,
        purpose=purpose,
        categories=names,
        via=via,
        reason=reason,
        who=who,
    )


def _records_insert(
    *,
    person_ids: Iterable[int],
    case_ids: dict[int, int] | None,
    purpose: str,
    categories: list[str],
    via: str,
    reason: str,
    who: Who,
) -> list[AccessRecord]:
    now = timezone.now()
    case_ids = case_ids or {}
    records = [
        AccessRecord(
            accessed_at=now,
            person_id=person_id,
            case_id=case_ids.get(person_id),
            purpose=purpose,
            reason=reason,
            categories=categories,
            via=via,
            flagged=purpose == Purpose.BREAK_GLASS,
            **who,
        )
        for person_id in dict.fromkeys(person_ids)
        if person_id
    ]
    if not records:
        return []
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _insert_with_asynchronous_commit(records)
    return AccessRecord.objects.bulk_create(records)


def _insert_with_asynchronous_commit(records: list[AccessRecord]) -> list[AccessRecord]:
    """The records in one INSERT whose own transaction commits without waiting for the
    disk (PostgreSQL's asynchronous commit, for this statement's transaction only): the
    WAL writer flushes it with its neighbours within a fraction of a second, which is the
    batching that keeps the write from costing a page a disk flush of its own (measured:
    about 6 ms a page on a busy machine). Only a crash of the database server itself in
    that fraction of a second could lose it; the database stays consistent.

    Only when the caller is not inside a transaction: a caller's transaction keeps its own
    commit, and the records are written in it (bulk_create)."""
    fields = [field for field in AccessRecord._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # A value the records share (all of them but the person and the case, for a page of
    # people) is one parameter; the others are one array each, unnested into rows. The
    # statement's text stays the same for a page of one person or of fifty, and a page of
    # fifty sends two arrays of fifty numbers. JSON goes as text, cast once.
    unnested, selected, shared, arrays = [], [], [], []
    for index, field in enumerate(fields):
        db_type = field.db_type(connection)
        values = [getattr(record, field.attname) for record in records]
        is_json = field.get_internal_type() == "JSONField"
        if all(value == values[0] for value in values):
            value = json.dumps(values[0]) if is_json else values[0]
            selected.append(f"%s::{db_type}")
            shared.append(value if is_json else field.get_db_prep_save(value, connection))
        else:
            unnested.append(f"%s::{'text' if is_json else db_type}[]")
            selected.append(f"c{index}::{db_type}" if is_json else f"c{index}")
            arrays.append(
                [
                    json.dumps(value) if is_json else field.get_db_prep_save(value, connection)
                    for value in values
                ]
            )
    aliases = ", ".join(
        f"c{index}" for index, column in enumerate(selected) if column.startswith("c")
    )
    rows = f"unnest({', '.join(unnested)}) AS v({aliases})" if unnested else "(SELECT 1) AS one"
    params = [*shared, *arrays]
    # Names and types from the model's own metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(AccessRecord._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(selected)} FROM {rows} "
        "CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous "
        "RETURNING id"
    )
    import psycopg  # only on PostgreSQL

    connection.ensure_connection()
    # Bound on the server (Django's own cursor quotes every value into the statement's text
    # in Python, which for a page of fifty people cost more than the INSERT itself), in
    # Django's wrapper, so the query is counted and logged as any other.
    with connection._prepare_cursor(  # type: ignore[attr-defined]  # Django has no public way
        psycopg.Cursor(connection.connection)
    ) as cursor:
        cursor.execute(sql, params)
        ids = [found[0] for found in cursor.fetchall()]
    for record, record_id in zip(records, ids, strict=True):
        record.pk = record_id
        record._state.adding = False
        record._state.db = connection.alias
    return records


def admin_read_record(
    *,
    by: User,
    context: StaffContext | None,
    person_ids: Iterable[int],
    categories: Iterable[str],
    case_ids: dict[int, int] | None = None,
    team_id: int | None = None,
) -> list[AccessRecord]:
    """Record reads in the staff admin: a record's page, or every row of a list that shows
    people. Purpose "administration", one bulk INSERT for the whole page. A superuser reads
    as the system's administrator, for no organisation; anyone else as an administrator of
    their organisation (`context`: their administrator memberships; the team's
    organisation when the record has one)."""
    names, reason = _validated(Purpose.ADMINISTRATION, categories, Via.ADMIN, "")
    who: Who
    if getattr(by, "is_superuser", False):
        who = {
            "actor_id": by.pk,
            "actor_name": str(by)[:200],
            "organisation_id": None,
            "role": SUPERUSER_ROLE,
        }
    else:
        who = _staff_fields(by=by, context=context, team_id=team_id)
    return _records_insert(
        person_ids=person_ids,
        case_ids=case_ids,
        purpose=Purpose.ADMINISTRATION,
        categories=names,
        via=Via.ADMIN,
        reason=reason,
        who=who,
    )


def api_access_record(
    *,
    api_key: ApiKeyReading,
    categories: Iterable[str],
    person_ids: Iterable[int],
    case_ids: dict[int, int] | None = None,
    purpose: str = Purpose.API,
) -> list[AccessRecord]:
    """Record an integration's read through the API: the key's organisation, the purpose
    "API integration" (or, for a registration that found a record we held, "taking an
    application"), one bulk INSERT for the people it returned."""
    return access_record_many(
        person_ids=person_ids,
        case_ids=case_ids,
        purpose=purpose,
        categories=categories,
        via=Via.API,
        api_key=api_key,
    )


def case_purpose(*, context: StaffContext, case: Case, full: bool) -> str:
    """Why this member of staff is reading this case, from their work: assigned to them,
    in their team's queue, referred to their organisation; anything else is break glass."""
    if not full:
        return Purpose.REFERRAL
    if case.assigned_to_id is not None and case.assigned_to_id == context.user_id:
        return Purpose.ASSIGNED_CASE
    if case.team_id in context.work_team_ids:
        return Purpose.TEAM_QUEUE
    return Purpose.BREAK_GLASS


def case_read_record(
    *,
    context: StaffContext,
    by: User,
    case: Case,
    scope: Collection[str] | None,
    session: SessionBase,
    via: str = Via.CASE_PAGE,
    categories: Iterable[str] | None = None,
) -> AccessRecord:
    """Record a read of a case (the case page, a file on it, or a page of the case that
    shows only some `categories` of the person's data). Raises BreakGlassNeeded when the
    case is outside the reader's own work and they have given no reason yet."""
    purpose = case_purpose(context=context, case=case, full=scope is None)
    reason = ""
    if purpose == Purpose.BREAK_GLASS:
        reason = break_glass_reason(session=session, case_id=case.pk)
        if not reason:
            raise BreakGlassNeeded()
    if categories is None:
        categories = CASE_PAGE_CATEGORIES if scope is None else [*scope, Category.DECISIONS]
        if via == Via.CASE_FILE:
            categories = [Category.EVIDENCE, Category.MESSAGES]
    return access_record(
        person_id=case.person_id,
        case_id=case.pk,
        team_id=case.team_id,
        organisation_id=None if scope is None else _referred_organisation(context, case),
        purpose=purpose,
        categories=categories,
        via=via,
        by=by,
        context=context,
        reason=reason,
    )


def _referred_organisation(context: StaffContext, case: Case) -> int | None:
    """The reader's organisation a case is referred to: one of theirs that is not the
    case's own."""
    from commonweal.organisations import selectors as organisations

    own = organisations.organisation_of_team(team_id=case.team_id) if case.team_id else None
    return next((org for org in sorted(context.organisation_ids) if org != own), None)


# Break glass


def break_glass_reason(*, session: SessionBase, case_id: int) -> str:
    """The reason given for opening this case, while it is still fresh; else ''."""
    grants = session.get(BREAK_GLASS_SESSION_KEY) or {}
    grant = grants.get(str(case_id))
    if not grant:
        return ""
    given = datetime.datetime.fromisoformat(grant["at"])
    if timezone.now() - given > datetime.timedelta(minutes=BREAK_GLASS_MINUTES):
        return ""
    return grant["reason"]


def break_glass_grant(*, session: SessionBase, case_id: int, reason: str) -> None:
    """Remember the reason typed for opening a case outside one's own work (for an hour,
    in the session); each read under it is recorded with it and flagged."""
    reason = (reason or "").strip()
    if not reason:
        raise AccessRefused(_("Enter why you need to open this record"), "reason")
    if len(reason) > 2000:
        raise AccessRefused(_("The reason must be 2000 characters or fewer"), "reason")
    grants = {
        key: grant
        for key, grant in (session.get(BREAK_GLASS_SESSION_KEY) or {}).items()
        if timezone.now() - datetime.datetime.fromisoformat(grant["at"])
        <= datetime.timedelta(minutes=BREAK_GLASS_MINUTES)
    }
    grants[str(case_id)] = {"reason": reason, "at": timezone.now().isoformat()}
    session[BREAK_GLASS_SESSION_KEY] = grants


# Sealing


def _settled_limit(wait_seconds: float) -> int | None:
    """The highest record id below which no transaction can still add a record, or None
    when writers did not finish within `wait_seconds`.

    On PostgreSQL ids are handed out before their transactions commit, so a record with a
    lower id can appear after a higher one. The sealer reads the sequence's last value,
    then waits (without blocking anyone) for the transactions that were writing records at
    that moment to end: every id up to that value is then final. SQLite has one writer at
    a time, so what it shows is final."""
    if connection.vendor != "postgresql":
        return AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    table = AccessRecord._meta.db_table
    writers_sql = (
        "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'relation' "
        "AND relation = %s::regclass AND mode = 'RowExclusiveLock' "
        "AND pid <> pg_backend_pid()"
    )
    with connection.cursor() as cursor:
        cursor.execute(writers_sql, [table])
        writers = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        # The sequence's name comes from the database's own catalogue.
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last_value, is_called = cursor.fetchone()
        limit = last_value if is_called else last_value - 1
        deadline = time.monotonic() + wait_seconds
        while writers:
            cursor.execute(writers_sql, [table])
            writers &= {row[0] for row in cursor.fetchall()}
            if not writers:
                break
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
    return limit


def access_log_seal(
    *, batch_size: int = SEAL_BATCH, wait_seconds: float = SEAL_WAIT_SECONDS
) -> list[Seal]:
    """Seal every finished record not yet sealed, in id order, in batches: each record's
    hash covers its content and the hash before it; each seal keeps the batch's ids and
    hashes and its own hash covers the seal before it. Safe to run in several processes
    at once (the seal number is unique: a second sealer's seal is refused)."""
    limit = _settled_limit(wait_seconds)
    if limit is None:
        return []
    made = []
    while True:
        try:
            seal = _seal_batch(limit=limit, batch_size=batch_size)
        except IntegrityError:
            break  # another sealer sealed these first
        if seal is None:
            break
        made.append(seal)
    if made:
        # The head in the logs too: logs shipped elsewhere keep a copy the database's
        # administrators cannot rewrite.
        logger.info(
            "Access log sealed: seal %s, records up to %s, head %s",
            made[-1].number,
            made[-1].last_record_id,
            made[-1].seal_hash,
        )
    return made


@transaction.atomic
def _seal_batch(*, limit: int, batch_size: int) -> Seal | None:
    last = (
        Seal.objects.order_by("-number")
        .only("number", "last_record_id", "last_hash", "seal_hash")
        .first()
    )
    after = last.last_record_id if last else 0
    rows = list(
        AccessRecord.objects.filter(id__gt=after, id__lte=limit)
        .order_by("id")
        .values(*chain.RECORD_FIELDS)[:batch_size]
    )
    if not rows:
        return None
    previous = last.last_hash if last else chain.GENESIS
    entries = []
    for row in rows:
        digest = chain.chained(previous, row)
        entries.append((row["id"], digest))
        previous = digest.hex()
    digests = chain.pack(entries)
    fields = {
        "number": (last.number + 1) if last else 1,
        "previous_seal_hash": last.seal_hash if last else chain.GENESIS,
        "first_record_id": rows[0]["id"],
        "last_record_id": rows[-1]["id"],
        "record_count": len(rows),
        "digests": digests,
        "last_hash": previous,
        "sealed_at": timezone.now(),
    }
    with transaction.atomic():
        return Seal.objects.create(**fields, seal_hash=chain.seal_hash(**fields))


# Investigation holds


def _may_hold(by: User, context: StaffContext | None) -> bool:
    """Team leaders and above, and the site's superusers (through the admin)."""
    return getattr(by, "is_superuser", False) or (context is not None and context.is_leader)


def hold_place(
    *,
    person_id: int,
    reason: str,
    by: User,
    context: StaffContext | None,
    held_from: datetime.datetime | None = None,
    held_until: datetime.datetime | None = None,
) -> AccessHold:
    """Keep a person's access records from them during an investigation (team leaders
    and above)."""
    if not _may_hold(by, context):
        raise AccessRefused(_("Only team leaders can place a hold"), "person")
    reason = (reason or "").strip()
    if not reason:
        raise AccessRefused(_("Enter why the access records must be held"), "reason")
    now = timezone.now()
    held_from = held_from or now
    if held_until is not None and held_until < held_from:
        raise AccessRefused(_("The end of the hold must be after its start"), "held_until")
    with transaction.atomic():
        # A double submit places one hold: the same open hold for the same person is kept.
        existing = (
            AccessHold.objects.select_for_update()
            .filter(person_id=person_id, lifted_at__isnull=True, placed_by=by, reason=reason)
            .first()
        )
        if existing is not None:
            return existing
        return AccessHold.objects.create(
            person_id=person_id,
            held_from=held_from,
            held_until=held_until,
            reason=reason,
            placed_by=by,
            placed_at=now,
        )


def hold_lift(
    *, hold_id: int, by: User, context: StaffContext | None, reason: str = ""
) -> AccessHold:
    """End a hold: the records it kept back are shown to the person from now on."""
    if not _may_hold(by, context):
        raise AccessRefused(_("Only team leaders can lift a hold"), "hold")
    with transaction.atomic():
        hold = AccessHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise AccessRefused(_("There is no such hold"), "hold")
        if hold.lifted_at is None:
            hold.lifted_at = timezone.now()
            hold.lifted_by = by
            hold.lift_reason = (reason or "").strip()
            hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        return hold
