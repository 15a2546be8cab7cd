"""Scoring one new record against the index, fast enough to run as an application arrives.

Candidates come from the records table by the same keys the linkage blocks on (NI number,
date of birth, postcode, email), each served by an index. They are then scored with the
model the last linkage run trained: the SQL Splink writes for that model (comparison
levels, then Fellegi–Sunter weights) is made once per model and run in an in-process
DuckDB over the few dozen candidates, so a single score costs a few milliseconds and gives
the same probabilities the batch linkage would. (Splink's own `compare_records` does the
same but registers new tables on every call; `find_matches_to_new_records` needs a linker
over the whole index.)
"""

# ruff: noqa: S608 (the SQL here is built from our own column names and the SQL Splink writes for the model; values go as parameters)

from __future__ import annotations

import threading

import pyarrow as pa
from django.db import connection

from . import linkage
from .models import LinkRun, SourceRecord

CANDIDATES_PER_KEY = 200
COMPARED = (
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "address_line_1",
    "ni_number",
    "email",
    "phone",
)
SCHEMA = pa.schema([("record_id", pa.int64()), *[(c, pa.string()) for c in COMPARED]])

_local = threading.local()
_sql_lock = threading.Lock()
_sql_by_run: dict[int, str] = {}


def current_run() -> LinkRun | None:
    """The newest finished linkage run that trained a model."""
    return (
        LinkRun.objects.filter(finished_at__isnull=False, records__gt=0)
        .only("pk", "model", "match_threshold", "review_threshold")
        .order_by("-pk")
        .first()
    )


def _connection():
    con = getattr(_local, "duckdb", None)
    if con is None:
        import duckdb

        con = _local.duckdb = duckdb.connect()
    return con


def _scoring_sql(run: LinkRun) -> str:
    """The SELECT that scores every pair of `new_record` × `candidates` with the run's
    model, written by Splink once per model."""
    with _sql_lock:
        sql = _sql_by_run.get(run.pk)
        if sql is not None:
            return sql
        from splink import SettingsCreator
        from splink.internals.pipeline import CTEPipeline
        from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings

        db_api = linkage.duckdb_api(_connection())
        settings = SettingsCreator.from_path_or_dict(run.model).get_settings(
            db_api.sql_dialect.sql_dialect_str
        )
        settings._retain_matching_columns = False
        settings._retain_intermediate_calculation_columns = False
        left = db_api.table_to_splink_dataframe("__splink__new_record", "new_record")
        right = db_api.table_to_splink_dataframe("__splink__candidates", "candidates")
        pipeline = CTEPipeline([left, right])
        pipeline.enqueue_sql(
            f"SELECT {', '.join(settings._columns_to_select_for_blocking)}, 0 AS match_key "
            "FROM __splink__new_record AS l CROSS JOIN __splink__candidates AS r",
            "__splink__blocked",
        )
        pipeline.enqueue_sql(
            f"SELECT {', '.join(settings._columns_to_select_for_comparison_vector_values)} "
            "FROM __splink__blocked",
            "__splink__df_comparison_vectors",
        )
        pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(settings))
        sql = pipeline.generate_cte_pipeline_sql()
        _sql_by_run.clear()
        _sql_by_run[run.pk] = sql
        return sql


def candidates(record: dict) -> list[tuple]:
    """Records sharing a blocking key with `record` (normalised):
    (id, COMPARED..., index_person_id, source, source_id)."""
    table = SourceRecord._meta.db_table
    columns = ", ".join(("id", *COMPARED, "index_person_id", "source", "source_id"))
    parts, params = [], []
    keys = [
        ("ni_number = %s", [record.get("ni_number")]),
        ("date_of_birth = %s", [record.get("date_of_birth")]),
        ("postcode = %s", [record.get("postcode")]),
        ("email = %s", [record.get("email")]),
    ]
    for condition, values in keys:
        if all(values):
            parts.append(
                f"SELECT * FROM (SELECT {columns} FROM {table} WHERE {condition} "
                f"LIMIT {CANDIDATES_PER_KEY}) AS k{len(parts)}"
            )
            params.extend(values)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        return cursor.fetchall()


def score(record: dict, *, run: LinkRun | None = None) -> tuple[LinkRun | None, list[dict]]:
    """Every candidate with its match probability against `record` (normalised), best
    first. No finished linkage run: no model, so nothing to score against."""
    run = run or current_run()
    if run is None:
        return None, []
    rows = candidates(record)
    if not rows:
        return run, []
    sql = _scoring_sql(run)
    con = _connection()
    new = pa.Table.from_pylist(
        [{"record_id": 0, **{c: record.get(c) for c in COMPARED}}], schema=SCHEMA
    )
    columns = [list(column) for column in zip(*rows, strict=True)][:9]
    columns[3] = [None if value is None else str(value) for value in columns[3]]  # dates
    found = pa.Table.from_arrays(
        [pa.array(column, type=SCHEMA.field(i).type) for i, column in enumerate(columns)],
        schema=SCHEMA,
    )
    con.register("new_record", new)
    con.register("candidates", found)
    try:
        scored = con.execute(
            f"SELECT record_id_r, match_probability, match_weight FROM ({sql})"
        ).fetchall()
    finally:
        con.unregister("new_record")
        con.unregister("candidates")
    by_id = {row[0]: row for row in rows}
    out = []
    for record_id, probability, weight in scored:
        row = by_id[record_id]
        out.append(
            {
                "record_id": record_id,
                "source": row[-2],
                "source_id": row[-1],
                "person_id": row[-3],
                "match_probability": float(probability),
                "match_weight": float(weight),
            }
        )
    out.sort(key=lambda c: (-c["match_probability"], c["record_id"]))
    return run, out
