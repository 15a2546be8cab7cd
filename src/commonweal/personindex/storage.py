"""Moving records in bulk between the database and DuckDB: COPY on PostgreSQL, batched
statements on SQLite, never one ORM object per row. Called inside the services'
transactions; nothing here commits."""

# ruff: noqa: S608 (the SQL here names only our own tables and columns; values go as parameters or through COPY)

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from django.db import connection

from .fields import COMPARED, PERSON_FIELDS
from .models import IndexPerson, RecordLink, SourceRecord

RECORDS = SourceRecord._meta.db_table
PEOPLE = IndexPerson._meta.db_table
LINKS = RecordLink._meta.db_table
CHUNK = 50_000
# A bulk write at least this large, and at least a quarter of what the table holds, drops
# the table's secondary indexes first and builds them again after: PostgreSQL builds an
# index over a million rows in a second or two, but maintaining it row by row during the
# insert cost a minute.
REBUILD_INDEXES_FROM = 100_000

# The columns an import writes, in the order RecordReader yields them, then batch_id.
IMPORT_COLUMNS = ("source", "source_id", *PERSON_FIELDS, "extra", "set_aside", "batch_id")
# What the linkage reads of each record, then the person it was linked to.
LINK_COLUMNS = ("id", *COMPARED, "person_id")


def _chunks(rows: Iterable[tuple], size: int = CHUNK) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def records_upsert(rows: Iterable[tuple], *, source: str, batch_id: int) -> int:
    """Write normalised rows (source_id, fields..., extra and set-aside JSON text); a record already
    imported from the same source under the same id is replaced. Returns the count."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in IMPORT_COLUMNS[2:])
    columns = ", ".join(IMPORT_COLUMNS)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE personindex_staging ON COMMIT DROP AS "
                f"SELECT {columns} FROM {RECORDS} WITH NO DATA"
            )
            raw = cursor.connection
            statement = f"COPY personindex_staging ({columns}) FROM STDIN"
            with raw.cursor() as copy_cursor, copy_cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row((source, *row, batch_id))
                    written += 1
            with _indexes_rebuilt_if_large(SourceRecord, written, cursor):
                cursor.execute(
                    f"INSERT INTO {RECORDS} ({columns}) "
                    f"SELECT {columns} FROM personindex_staging "
                    f"ON CONFLICT (source, source_id) DO UPDATE SET {updates}"
                )
            cursor.execute("DROP TABLE personindex_staging")
        else:
            placeholders = ", ".join(["%s"] * len(IMPORT_COLUMNS))
            statement = (
                f"INSERT INTO {RECORDS} ({columns}) VALUES ({placeholders}) "
                f"ON CONFLICT (source, source_id) DO UPDATE SET {updates}"
            )
            for chunk in _chunks(rows):
                cursor.executemany(statement, [(source, *row, batch_id) for row in chunk])
                written += len(chunk)
    return written


def records_upsert_from_duckdb(con, table: str, *, source: str, batch_id: int) -> int:
    """records_upsert for rows already normalised in a DuckDB table (RECORD_COLUMNS): on
    PostgreSQL through a CSV file that the server copies in, so no row passes through
    Python."""
    count = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    if not count:
        return 0
    if connection.vendor != "postgresql":
        cursor = con.execute(f"SELECT * FROM {table}")
        return records_upsert(_fetched(cursor), source=source, batch_id=batch_id)
    updates = ", ".join(f"{c} = excluded.{c}" for c in IMPORT_COLUMNS[2:])
    columns = ", ".join(IMPORT_COLUMNS)
    handle, path = tempfile.mkstemp(suffix=".csv")
    os.close(handle)
    try:
        con.execute(
            f"COPY (SELECT ?, *, ? FROM {table}) TO '{path}' (FORMAT csv, HEADER false)",
            [source, batch_id],
        )
        with connection.cursor() as cursor:
            # A source's first import cannot clash with anything: straight into the table.
            cursor.execute(f"SELECT 1 FROM {RECORDS} WHERE source = %s LIMIT 1", [source])
            first = cursor.fetchone() is None
            target = RECORDS if first else "personindex_staging"
            if not first:
                cursor.execute(
                    "CREATE TEMP TABLE personindex_staging ON COMMIT DROP AS "
                    f"SELECT {columns} FROM {RECORDS} WITH NO DATA"
                )
            with _indexes_rebuilt_if_large(SourceRecord, count, cursor):
                with (
                    cursor.connection.cursor() as raw,
                    raw.copy(f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
                    open(path, "rb") as rows,
                ):
                    while block := rows.read(1 << 20):
                        copy.write(block)
                if not first:
                    cursor.execute(
                        f"INSERT INTO {RECORDS} ({columns}) "
                        f"SELECT {columns} FROM personindex_staging "
                        f"ON CONFLICT (source, source_id) DO UPDATE SET {updates}"
                    )
            if not first:
                cursor.execute("DROP TABLE personindex_staging")
    finally:
        os.unlink(path)
    return count


def _fetched(cursor) -> Iterator[tuple]:
    while rows := cursor.fetchmany(CHUNK):
        yield from rows


@contextmanager
def _indexes_rebuilt_if_large(model, rows: int, cursor):
    """Drop the model's secondary indexes (Meta.indexes) around a large bulk write on
    PostgreSQL and build them again after, in the same transaction."""
    if connection.vendor != "postgresql" or rows < REBUILD_INDEXES_FROM:
        yield
        return
    cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
    held = max(0, int((cursor.fetchone() or [0])[0]))
    if rows * 4 < held:
        yield
        return
    with connection.schema_editor(atomic=False) as editor:
        for index in model._meta.indexes:
            editor.remove_index(model, index)
    yield
    # An index cannot be built while checks deferred to the commit are pending.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor(atomic=False) as editor:
        for index in model._meta.indexes:
            editor.add_index(model, index)
    cursor.execute(f"ANALYZE {model._meta.db_table}")


def records_to_duckdb(con, table: str = "records") -> int:
    """Every source record's linkage fields, and the person it was linked to in the last
    run, into a DuckDB table; returns the count."""
    select = (
        f"SELECT r.{', r.'.join(LINK_COLUMNS[:-1])}, l.person_id "
        f"FROM {RECORDS} r LEFT JOIN {LINKS} l ON l.record_id = r.id"
    )
    types = {
        "record_id": "BIGINT",
        **dict.fromkeys(COMPARED, "VARCHAR"),
        "old_person_id": "BIGINT",
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            handle, path = tempfile.mkstemp(suffix=".csv")
            try:
                with (
                    os.fdopen(handle, "wb") as out,
                    cursor.connection.cursor() as raw,
                    raw.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)") as copy,
                ):
                    for block in copy:
                        out.write(block)
                con.execute(
                    f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv(?, "
                    f"header = false, columns = {types!r}, auto_detect = false)",
                    [path],
                )
            finally:
                os.unlink(path)
        else:
            import pyarrow as pa

            cursor.execute(select)
            schema = pa.schema(
                [
                    (name, pa.int64() if kind == "BIGINT" else pa.string())
                    for name, kind in types.items()
                ]
            )
            con.execute(
                f"CREATE OR REPLACE TABLE {table} ("
                + ", ".join(f"{n} {k}" for n, k in types.items())
                + ")"
            )
            while rows := cursor.fetchmany(CHUNK):
                columns = list(zip(*rows, strict=True))
                columns[3] = [None if v is None else str(v) for v in columns[3]]
                batch = pa.Table.from_arrays([pa.array(c) for c in columns], schema=schema)
                con.register("records_batch", batch)
                con.execute(f"INSERT INTO {table} SELECT * FROM records_batch")
                con.unregister("records_batch")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def allocate_person_ids(count: int) -> int:
    """The first of `count` new person ids, numbered in one block. Only the linkage run
    makes people, and it holds the linkage lock, so moving the sequence on by the block
    is safe."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PEOPLE])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            start = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, start + count - 1])
            return start
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {PEOPLE}")
        return cursor.fetchone()[0]


def people_insert(first: int, count: int, *, run_id: int) -> None:
    """Index people first … first + count - 1, made by the run, written on the server."""
    if count <= 0:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {PEOPLE} (id, created_run_id) "
                "SELECT generate_series(%s::bigint, %s::bigint), %s",
                [first, first + count - 1, run_id],
            )
        else:
            for chunk in _chunks((i, run_id) for i in range(first, first + count)):
                cursor.executemany(
                    f"INSERT INTO {PEOPLE} (id, created_run_id) VALUES (%s, %s)", chunk
                )


def assignments_write_from_duckdb(con, table: str) -> int:
    """Set each record's index person from a DuckDB table of (record_id, person_id):
    through a CSV file that PostgreSQL copies in, so no row passes through Python."""
    count = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    if not count:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            rows = con.execute(f"SELECT record_id, person_id FROM {table}").fetchall()
            for chunk in _chunks(rows):
                cursor.executemany(
                    f"INSERT INTO {LINKS} (record_id, person_id) VALUES (%s, %s) "
                    "ON CONFLICT (record_id) DO UPDATE SET person_id = excluded.person_id",
                    chunk,
                )
            return count
        handle, path = tempfile.mkstemp(suffix=".csv")
        os.close(handle)
        try:
            con.execute(
                f"COPY (SELECT record_id, person_id FROM {table}) TO '{path}' "
                "(FORMAT csv, HEADER false)"
            )
            cursor.execute(
                "CREATE TEMP TABLE personindex_assign (record_id bigint, person_id bigint) "
                "ON COMMIT DROP"
            )
            with (
                cursor.connection.cursor() as raw,
                raw.copy("COPY personindex_assign FROM STDIN WITH (FORMAT csv)") as copy,
                open(path, "rb") as source,
            ):
                while block := source.read(1 << 20):
                    copy.write(block)
            with _indexes_rebuilt_if_large(RecordLink, count, cursor):
                cursor.execute(
                    f"INSERT INTO {LINKS} (record_id, person_id) "
                    "SELECT record_id, person_id FROM personindex_assign "
                    "ON CONFLICT (record_id) DO UPDATE SET person_id = excluded.person_id"
                )
            cursor.execute("DROP TABLE personindex_assign")
        finally:
            os.unlink(path)
    return count


def platform_people_link(source: str) -> None:
    """Tie each index person holding a record of the platform's own people to that
    Person (the lowest, should one human have two), and untie those that no longer do."""
    holding = (
        f"SELECT l.person_id FROM {LINKS} l JOIN {RECORDS} r ON r.id = l.record_id "
        "WHERE r.source = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PEOPLE} SET person_id = ("
            f"SELECT min(CAST(r.source_id AS bigint)) FROM {LINKS} l "
            f"JOIN {RECORDS} r ON r.id = l.record_id "
            f"WHERE r.source = %s AND l.person_id = {PEOPLE}.id) "
            f"WHERE id IN ({holding}) OR person_id IS NOT NULL",
            [source, source],
        )
