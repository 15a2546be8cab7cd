"""Every write for personindex (one transaction each)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import identity, linkage, normalise, storage
from .models import IdentityChange, ImportBatch, IndexPerson, LinkRun, ReviewPair, SourceRecord
from .normalise import FileRefused, RecordReader

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

    from commonweal.accounts.selectors import User

__all__ = [
    "PLATFORM_SOURCE",
    "FileRefused",
    "ReviewRefused",
    "index_link",
    "platform_people_import",
    "records_import",
    "review_decide",
]

# The source name of the platform's own people (people.Person), whose source_id is the
# Person's id: an index person holding such a record is linked to that Person.
PLATFORM_SOURCE = "commonweal"

# A CharField's max_length is always set.
SOURCE_NAME_MAX = cast(int, SourceRecord._meta.get_field("source").max_length)


# What linkage passes between its steps, as DuckDB returns them:
# (cluster id, old person id, records in both),
Overlap = tuple[str, int, int]
# (record id, record id, match probability) of a pair below the match threshold,
Uncertain = tuple[int, int, float]
# (kind, from person, to person, records moved) of a merge, split or move.
Flow = tuple[str, int, int, int]
# Notes the time a step of linkage took, by step name.
Lap = Callable[[str], None]


class ReviewRefused(ValueError):
    """A review decision that cannot be taken (the pair is gone or already decided)."""


def records_import(*, source: str, path: Path | str, file_format: str | None = None) -> ImportBatch:
    """Import a CSV or Parquet file of person records from one source system. A field that
    cannot be used is set aside (kept as given with the reason, counted on the batch) and
    the record linked on the rest; rows that cannot be placed, or have nothing identifying
    left, are refused and listed (line and reason) on the batch; the rest are imported in
    one transaction. A record imported before under the same source and id is
    replaced by the new one."""
    source = source.strip()
    if not source or len(source) > SOURCE_NAME_MAX:
        raise FileRefused(_("Give the source a name of 1 to 60 characters"))
    import duckdb

    reader = RecordReader(Path(path), file_format)
    con = duckdb.connect()
    try:
        # Most files are read and checked in DuckDB at once; a file whose rows cannot be
        # placed by line that way (line breaks inside values, rows of the wrong length)
        # is read row by row, with the same result.
        fast = normalise.fast_read(Path(path), reader.format, con)
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                source=source, file_name=Path(path).name[:300], created_at=timezone.now()
            )
            if fast is not None:
                table, rejected, errors, set_aside = fast
                imported = storage.records_upsert_from_duckdb(
                    con, table, source=source, batch_id=batch.pk
                )
            else:
                imported = storage.records_upsert(reader.rows(), source=source, batch_id=batch.pk)
                rejected, errors, set_aside = reader.rejected, reader.errors, reader.set_aside
            batch.imported = imported
            batch.rejected = rejected
            batch.errors = [error.as_dict() for error in errors]
            batch.set_aside = set_aside.counts
            batch.set_aside_lines = [line.as_dict() for line in set_aside.lines]
            batch.save(
                update_fields=["imported", "rejected", "errors", "set_aside", "set_aside_lines"]
            )
    finally:
        con.close()
    return batch


def platform_people_import() -> ImportBatch:
    """Import the platform's own people (people.Person) as one more source, so the index
    links each to the records other systems hold about them. Read in bulk, written
    through the same import as any file."""
    import csv
    import tempfile

    from django.apps import apps

    Person = apps.get_model("people", "Person")
    # The record's fields as the Person model names them.
    person_names = {"source_id": "pk", "postcode": "address_postcode", "town": "address_town"}
    columns = [person_names.get(name, name) for name in normalise.FIELDS]
    with tempfile.TemporaryDirectory(prefix="commonweal-people-") as folder:
        path = Path(folder) / "platform-people.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(normalise.FIELDS)
            for row in Person.objects.order_by("pk").values_list(*columns).iterator(5000):
                writer.writerow(["" if value is None else value for value in row])
        return records_import(source=PLATFORM_SOURCE, path=path)


@dataclass
class LinkResult:
    run: LinkRun
    timings: dict[str, float] = field(default_factory=dict)


class _Stopwatch:
    """How long each step of a linkage took, in seconds, by step."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 3)
        self._clock = now


def index_link(
    *,
    match_threshold: float = linkage.MATCH_THRESHOLD,
    review_threshold: float = linkage.REVIEW_THRESHOLD,
    model: dict[str, Any] | None = None,
    duckdb_connection: DuckDBPyConnection | None = None,
) -> LinkResult:
    """Link every source record into people: read the records into DuckDB, train the
    model (unless one is given), score the blocked pairs, cluster them with caseworkers'
    decisions applied, keep person ids stable, queue uncertain pairs for review, and write
    the assignment back. The database is written in one transaction at the end."""
    import duckdb

    watch = _Stopwatch()
    con = duckdb_connection or duckdb.connect()
    started = timezone.now()
    count = storage.records_to_duckdb(con, "raw_records")
    con.execute(
        "CREATE OR REPLACE TABLE records AS SELECT *, "  # noqa: S608 (our own SQL)
        f"{linkage.INITIALS_SQL} AS initials FROM raw_records"
    )
    con.execute("DROP TABLE raw_records")
    decisions = _review_decisions()
    watch.lap("export")
    model, pairs_scored, uncertain = _score_and_cluster(
        con,
        count=count,
        model=model,
        decisions=decisions,
        match_threshold=match_threshold,
        review_threshold=review_threshold,
        lap=watch.lap,
    )
    watch.lap("cluster")

    con.execute(
        "CREATE OR REPLACE TABLE overlap AS SELECT c.cluster_id, r.old_person_id, count(*) AS n "
        "FROM clusters c JOIN records r USING (record_id) "
        "WHERE r.old_person_id IS NOT NULL GROUP BY ALL"
    )
    overlaps = con.execute("SELECT cluster_id, old_person_id, n FROM overlap").fetchall()
    cluster_count = con.execute("SELECT count(DISTINCT cluster_id) FROM clusters").fetchall()[0][0]
    with transaction.atomic():
        run = _run_write(
            con,
            run=LinkRun(
                started_at=started,
                records=count,
                people=cluster_count,
                pairs_scored=pairs_scored,
                match_threshold=match_threshold,
                review_threshold=review_threshold,
                model=model or {},
            ),
            overlaps=overlaps,
            uncertain=uncertain,
            lap=watch.lap,
        )
    watch.lap("commit")
    run.summary["timings"] = watch.timings
    LinkRun.objects.filter(pk=run.pk).update(summary=run.summary)
    if duckdb_connection is None:
        con.close()
    return LinkResult(run=run, timings=watch.timings)


def _review_decisions() -> linkage.Decisions:
    """The pairs caseworkers confirmed as one person, and those they said are two."""
    return linkage.Decisions(
        confirmed=list(
            ReviewPair.objects.filter(status=ReviewPair.Status.CONFIRMED).values_list(
                "record_a_id", "record_b_id"
            )
        ),
        rejected=list(
            ReviewPair.objects.filter(status=ReviewPair.Status.REJECTED).values_list(
                "record_a_id", "record_b_id"
            )
        ),
    )


def _score_and_cluster(
    con: DuckDBPyConnection,
    *,
    count: int,
    model: dict[str, Any] | None,
    decisions: linkage.Decisions,
    match_threshold: float,
    review_threshold: float,
    lap: Lap,
) -> tuple[dict[str, Any] | None, int, list[Uncertain]]:
    """Train (unless a model is given), score the blocked pairs and cluster them into the
    `clusters` table. Returns the model, how many pairs were scored, and the pairs scored
    below the match threshold (for review)."""
    if not count:
        con.execute("CREATE OR REPLACE TABLE clusters (record_id BIGINT, cluster_id VARCHAR)")
        return model, 0, []
    db_api = linkage.duckdb_api(con)
    linker = linkage.make_linker(db_api, "records", model)
    if model is None:
        # Predict with the model exactly as saved (levels never seen floored), so a
        # single record scored later gets the same probability as in this run.
        model = linkage.train(linker)
        linker = linkage.make_linker(db_api, "records", model)
    lap("train")
    predictions = linker.inference.predict(
        threshold_match_probability=review_threshold, warning_mode="never"
    ).physical_name
    pairs_scored = con.execute(f"SELECT count(*) FROM {predictions}").fetchall()[0][0]  # noqa: S608
    lap("predict")
    linkage.cluster(
        con,
        predictions=predictions,
        nodes="records",
        decisions=decisions,
        threshold=match_threshold,
    )
    uncertain = con.execute(
        f"SELECT record_id_l, record_id_r, match_probability FROM {predictions} "  # noqa: S608
        f"WHERE match_probability < {float(match_threshold)}"
    ).fetchall()
    return model, pairs_scored, uncertain


def _run_write(
    con: DuckDBPyConnection,
    *,
    run: LinkRun,
    overlaps: list[Overlap],
    uncertain: list[Uncertain],
    lap: Lap,
) -> LinkRun:
    """Write the clusters as people, in the caller's transaction: old ids kept where they
    can be, new ones numbered in one block, records moved, the history of merges, splits
    and moves, and uncertain pairs queued for review."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # One linkage at a time; a second waits for the first to finish.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('personindex.link'))")
    old_ids = set(IndexPerson.objects.filter(retired_run__isnull=True).values_list("pk", flat=True))
    plan = identity.assign(overlaps, old_ids)
    run.save(force_insert=True)
    # Clusters that kept an old id, then new ids for the rest, numbered in one block.
    _kept_table(con, plan.person_of_cluster)
    new_count = run.people - len(plan.person_of_cluster)
    first_new = storage.allocate_person_ids(new_count)
    storage.people_insert(first_new, new_count, run_id=run.pk)
    con.execute(
        "CREATE OR REPLACE TABLE cluster_person AS "
        "SELECT cluster_id, pid FROM kept UNION ALL "
        "SELECT cluster_id, ? + row_number() OVER (ORDER BY cluster_id) - 1 FROM "
        "(SELECT DISTINCT cluster_id FROM clusters ANTI JOIN kept USING (cluster_id))",
        [first_new],
    )
    lap("write_people")
    con.execute(
        "CREATE OR REPLACE TABLE changed AS SELECT r.record_id, m.pid AS person_id "
        "FROM records r JOIN clusters c USING (record_id) JOIN cluster_person m "
        "USING (cluster_id) WHERE r.old_person_id IS DISTINCT FROM m.pid"
    )
    lap("plan_changes")
    moved = storage.assignments_write_from_duckdb(con, "changed")
    lap("write_assignments")
    storage.platform_people_link(PLATFORM_SOURCE)
    history = _history_write(
        con, run, plan, overlaps, minted=range(first_new, first_new + new_count)
    )
    new_reviews = _queue_reviews(uncertain, run)
    run.finished_at = timezone.now()
    run.summary = {
        "merges": sum(1 for h in history if h[0] == "merge"),
        "splits": sum(1 for h in history if h[0] == "split"),
        "moves": sum(1 for h in history if h[0] == "move"),
        "new_people": new_count,
        "retired_people": len(plan.retired),
        "records_reassigned": moved,
        "queued_for_review": new_reviews,
    }
    run.save(update_fields=["finished_at", "summary"])
    lap("write_history")
    return run


def _history_write(
    con: DuckDBPyConnection,
    run: LinkRun,
    plan: identity.Assignment,
    overlaps: list[Overlap],
    *,
    minted: range,
) -> list[Flow]:
    """Retire the people no cluster kept, and record each merge, split and move."""
    flows = con.execute(
        "SELECT o.cluster_id, m.pid FROM overlap o JOIN cluster_person m USING (cluster_id) "
        "WHERE m.pid <> o.old_person_id"
    ).fetchall()
    person_of_cluster = {**dict(flows), **plan.person_of_cluster}
    if plan.retired:
        IndexPerson.objects.filter(pk__in=plan.retired).update(retired_run=run)
    history = identity.changes(
        [o for o in overlaps if o[0] in person_of_cluster],
        person_of_cluster,
        plan.retired,
        minted,
    )
    IdentityChange.objects.bulk_create(
        [
            IdentityChange(run=run, kind=kind, from_person_id=a, to_person_id=b,
                           records_moved=n)
            for kind, a, b, n in history
        ],
        batch_size=1000,
    )  # fmt: skip
    return history


def _kept_table(con: DuckDBPyConnection, person_of_cluster: dict[str, int]) -> None:
    import pyarrow as pa

    con.register(
        "kept_arrow",
        pa.table(
            {
                "cluster_id": pa.array(list(person_of_cluster), pa.string()),
                "pid": pa.array(list(person_of_cluster.values()), pa.int64()),
            }
        ),
    )
    con.execute("CREATE OR REPLACE TABLE kept AS SELECT * FROM kept_arrow")
    con.unregister("kept_arrow")


def _queue_reviews(uncertain: list[Uncertain], run: LinkRun) -> int:
    """Queue the pairs the model was unsure of, unless the pair is already queued or
    decided (a decision is never overwritten by a later run)."""
    if not uncertain:
        return 0
    before = ReviewPair.objects.count()
    ReviewPair.objects.bulk_create(
        [
            ReviewPair(record_a_id=min(a, b), record_b_id=max(a, b), match_probability=p, run=run)
            for a, b, p in uncertain
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return ReviewPair.objects.count() - before


def review_decide(*, pair_id: int, same_person: bool, by: User) -> ReviewPair:
    """A caseworker's decision on a queued pair: the same person or not. Binding on every
    later linkage run. Deciding a pair already decided the same way changes nothing."""
    status = ReviewPair.Status.CONFIRMED if same_person else ReviewPair.Status.REJECTED
    with transaction.atomic():
        pair = ReviewPair.objects.select_for_update().filter(pk=pair_id).first()
        if pair is None:
            raise ReviewRefused(_("There is no such pair to review"))
        if pair.status == status:
            return pair
        if pair.status != ReviewPair.Status.PENDING:
            raise ReviewRefused(_("Someone else has already decided this pair"))
        pair.status = status
        pair.decided_by = by
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "decided_by", "decided_at"])
    return pair
