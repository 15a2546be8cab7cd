"""Reading person records from other systems' files and putting each field in one form, so
the linkage compares like with like. A field that cannot be used (a date of birth that is
not a date, a postcode that is not a UK postcode) is set aside: kept on the record as the
raw text with the reason, and left out of the linkage, which links on what remains. A row
is refused, with its line and the reason, only when it cannot be placed (no source id, the
wrong number of fields, the same id twice) or nothing that identifies the person is left;
the rest of the file is imported."""

# ruff: noqa: S608 (DuckDB SQL over our own tables; column names are quoted, values stay data)

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from .fields import COMPARED, PERSON_FIELDS

FIELDS = ("source_id", *PERSON_FIELDS)
# Normalised record as written to the table: the fields above, then extra attributes (JSON),
# then the fields set aside ({field: {"raw": text as given, "reason": why}}, JSON).
RECORD_COLUMNS = (*FIELDS, "extra", "set_aside")
# A row keeps at least one of these once unusable fields are set aside, or it is refused.
IDENTIFYING = COMPARED

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
# HMRC's format: two letters (not D, F, I, Q, U, V; second not O), six digits, A to D.
_NI = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NOT_NAME = re.compile(r"[^A-Z' -]+")
_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class FileRefused(ValueError):
    """The whole file cannot be imported (unknown format, missing columns)."""


class RowRefused(ValueError):
    """One row cannot be imported; the message is the reason reported with its line."""


class FieldUnusable(RowRefused):
    """One field cannot be used; the message names the field and value, `problem` is the
    code of what is wrong with it (PROBLEMS)."""

    def __init__(self, message: str, problem: str):
        super().__init__(message)
        self.problem = problem


# What can be wrong with a field, by code: the field it is in and the reason, without the
# value (the record keeps the value; the import report counts records by reason).
PROBLEM_FIELDS = {
    "dob": "date_of_birth",
    "dob_range": "date_of_birth",
    "postcode": "postcode",
    "ni": "ni_number",
    "email": "email",
    "phone": "phone",
}


def problem_reason(problem: str) -> str:
    return {
        "dob": lambda: _("not a date in the form YYYY-MM-DD"),
        "dob_range": lambda: _("not a possible date"),
        "postcode": lambda: _("not a UK postcode"),
        "ni": lambda: _("not a National Insurance number"),
        "email": lambda: _("not an email address"),
        "phone": lambda: _("not a UK phone number"),
    }[problem]()


def nothing_left_reason(set_aside: list[str]) -> str:
    """Why a row with nothing identifying left is refused: the fields set aside, if any."""
    if not set_aside:
        return _("no field that identifies the person is filled in")
    return _("nothing that identifies the person is left: %(reasons)s") % {
        "reasons": "; ".join(set_aside)
    }


@dataclass
class RowError:
    line: int
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "reason": self.reason}


def name(value: str) -> str | None:
    if value.isascii() and value.isalpha():  # most names: one plain word
        return value.upper()
    value = value.strip()
    if not value:
        return None
    if not value.isascii():
        value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    value = _SPACES.sub(" ", _NOT_NAME.sub(" ", value.upper())).strip()
    return value or None


def postcode(value: str) -> str | None:
    value = value.replace(" ", "").upper()
    if not value:
        return None
    if not _POSTCODE.fullmatch(value):
        raise FieldUnusable(
            _("postcode %(value)s is not a UK postcode") % {"value": value}, "postcode"
        )
    return f"{value[:-3]} {value[-3:]}"


def _today() -> str:
    # Read once a minute, not once a row: a million rows are read in seconds.
    now = time.monotonic()
    if now - _today_cache[0] > 60:
        _today_cache[:] = [now, datetime.date.today().isoformat()]
    return _today_cache[1]


_today_cache: list = [-1e9, ""]


def date_of_birth(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        when = datetime.date.fromisoformat(value)
    except ValueError:
        raise FieldUnusable(
            _("date_of_birth %(value)s is not a date in the form YYYY-MM-DD") % {"value": value},
            "dob",
        ) from None
    if value > _today() or when.year < 1880:
        raise FieldUnusable(
            _("date_of_birth %(value)s is not a possible date") % {"value": value}, "dob_range"
        )
    return value


def ni_number(value: str) -> str | None:
    value = value.replace(" ", "").upper()
    if not value:
        return None
    if not _NI.fullmatch(value):
        raise FieldUnusable(
            _("ni_number %(value)s is not a National Insurance number") % {"value": value}, "ni"
        )
    return value[:8]  # the suffix letter is not part of the person's number


def email(value: str) -> str | None:
    value = value.strip().lower()
    if not value:
        return None
    if not _EMAIL.fullmatch(value):
        raise FieldUnusable(
            _("email %(value)s is not an email address") % {"value": value}, "email"
        )
    return value


def phone(value: str) -> str | None:
    digits = value if value.isdigit() else _NOT_DIGIT.sub("", value)
    if not digits:
        return None
    if value.strip().startswith("+44") or (digits.startswith("44") and len(digits) == 12):
        digits = "0" + digits[2:]
    if not 10 <= len(digits) <= 11:
        raise FieldUnusable(
            _("phone %(value)s is not a UK phone number") % {"value": value.strip()}, "phone"
        )
    return digits


def text(value: str) -> str | None:
    return " ".join(value.split()).upper() or None


NORMALISERS = {
    "given_name": name,
    "family_name": name,
    "date_of_birth": date_of_birth,
    "postcode": postcode,
    "address_line_1": text,
    "town": text,
    "ni_number": ni_number,
    "email": email,
    "phone": phone,
}


def normalise(values: dict[str, str]) -> dict[str, str | None]:
    """A record (as strings) in normalised form, for scoring a single new record."""
    return {field: NORMALISERS[field](str(values.get(field) or "")) for field in NORMALISERS}


@dataclass
class SetAside:
    """A field set aside on a row that was kept: its line, field, and the full reason."""

    line: int
    field: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "reason": self.reason}


class SetAsideReport:
    """What an import set aside: counts by field and reason, and the first thousand lines."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        self.lines: list[SetAside] = []

    def add(self, field: str, reason: str, count: int = 1) -> None:
        by_reason = self.counts.setdefault(field, {})
        by_reason[reason] = by_reason.get(reason, 0) + count

    def note(self, line: int, field: str, reason: str) -> None:
        if len(self.lines) < 1000:
            self.lines.append(SetAside(line, field, reason))


class RecordReader:
    """Rows of a CSV or Parquet file as normalised tuples (RECORD_COLUMNS), with the rows
    refused collected in `errors` and the fields set aside in `set_aside`. For Parquet, the
    "line" is the row number plus one, as the line would be in the same data written as CSV
    with a header."""

    def __init__(self, path: Path, file_format: str | None = None):
        self.path = Path(path)
        self.format = (file_format or self.path.suffix.lstrip(".")).lower()
        if self.format not in ("csv", "parquet"):
            raise FileRefused(_("%(name)s is not a CSV or Parquet file") % {"name": self.path.name})
        self.errors: list[RowError] = []
        self.rejected = 0
        self.set_aside = SetAsideReport()

    def _columns(self, header: list[str]) -> tuple[list[int], list[tuple[int, str]]]:
        header = [column.strip().lower() for column in header]
        missing = [field for field in FIELDS if field not in header]
        if missing:
            raise FileRefused(
                _("The file has no column %(columns)s") % {"columns": ", ".join(missing)}
            )
        positions = [header.index(field) for field in FIELDS]
        extras = [(i, column) for i, column in enumerate(header) if column not in FIELDS]
        return positions, extras

    def _refuse(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < 1000:
            self.errors.append(RowError(line, reason))

    def _placing_error(self, cells: list, width: int, source_id: str, seen: set[str]) -> str:
        """Why a row cannot be placed at all, or ""."""
        if len(cells) < width:
            return _("the row has %(n)s fields, not %(m)s") % {"n": len(cells), "m": width}
        if not source_id:
            return _("source_id is empty")
        if len(source_id) > 100:
            return _("source_id is longer than 100 characters")
        if source_id in seen:
            return _("source_id %(value)s appears twice in the file") % {"value": source_id}
        return ""

    def rows(self) -> Iterator[tuple]:
        raw = self._csv_rows() if self.format == "csv" else self._parquet_rows()
        positions, extras = next(raw)
        width = max(positions + [i for i, _ in extras]) + 1
        seen: set[str] = set()
        fields = list(zip(FIELDS[1:], positions[1:], strict=True))
        identifying = [i for i, (field, _p) in enumerate(fields) if field in IDENTIFYING]
        for line, cells in raw:
            source_id = (cells[positions[0]] or "").strip() if len(cells) >= width else ""
            if refused := self._placing_error(cells, width, source_id, seen):
                self._refuse(line, refused)
                continue
            values: list[str | None] = []
            set_aside: dict[str, dict[str, str]] = {}
            unusable: list[FieldUnusable] = []
            for field, position in fields:
                cell = cells[position] or ""
                try:
                    values.append(NORMALISERS[field](cell))
                except FieldUnusable as problem:
                    values.append(None)
                    set_aside[field] = {"raw": cell, "reason": problem_reason(problem.problem)}
                    unusable.append(problem)
            if all(values[i] is None for i in identifying):
                self._refuse(line, nothing_left_reason([str(p) for p in unusable]))
                continue
            for problem in unusable:
                field = PROBLEM_FIELDS[problem.problem]
                self.set_aside.add(field, problem_reason(problem.problem))
                self.set_aside.note(line, field, str(problem))
            seen.add(source_id)
            extra = {column: cells[i] for i, column in extras if cells[i] not in (None, "")}
            yield (
                source_id,
                *values,
                _encode(extra) if extra else "{}",
                _encode(set_aside) if set_aside else "{}",
            )

    def _csv_rows(self):
        with self.path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise FileRefused(_("The file is empty")) from None
            yield self._columns(header)
            line = reader.line_num + 1
            try:
                for cells in reader:
                    yield line, cells
                    line = reader.line_num + 1
            except csv.Error as error:
                self._refuse(line, _("the CSV cannot be read from here on: %(error)s") % {
                    "error": error,
                })  # fmt: skip

    def _parquet_rows(self):
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as error:  # pyarrow raises several kinds for a bad file
            raise FileRefused(
                _("%(name)s cannot be read as Parquet: %(error)s")
                % {"name": self.path.name, "error": error}
            ) from None
        header = parquet.schema_arrow.names
        yield self._columns(header)
        line = 2
        for batch in parquet.iter_batches(batch_size=65536):
            columns = [
                [None if v is None else str(v) for v in column.to_pylist()]
                for column in batch.columns
            ]
            for cells in zip(*columns, strict=True):
                yield line, list(cells)
                line += 1


def csv_text(rows: list[dict]) -> str:
    """Rows as CSV text with the standard columns (for tests and the benchmark)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else list(FIELDS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# The same reading, vectorised: DuckDB normalises and checks every row of a file at once.
# Used when every record of the file is exactly one line (so a row's line is known
# without reading it in Python) and no row has the wrong number of fields; any other
# file goes through RecordReader row by row. Both give the same records and reasons
# (tests/test_person_index.py compares them).

_NAME_SQL = (
    "nullif(trim(regexp_replace(regexp_replace(upper(regexp_replace(strip_accents({v}), "
    "'[^\\x00-\\x7F]', '', 'g')), '[^A-Z'' -]+', ' ', 'g'), '\\s+', ' ', 'g')), '')"
)
_TEXT_SQL = "nullif(upper(trim(regexp_replace({v}, '\\s+', ' ', 'g'))), '')"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The fields that can be set aside, in import order, with the column of their check code,
# the column of the value as given, and the column of the value the reason quotes.
_CHECKED = (
    ("date_of_birth", "dob_err", "od", "d"),
    ("postcode", "pc_err", "op", "p"),
    ("ni_number", "ni_err", "on_", "n"),
    ("email", "em_err", "oe", "e"),
    ("phone", "ph_err", "ph", "tph"),
)


def _fast_sql(extras: list[str]) -> str:
    def q(column: str) -> str:
        return '"' + column.replace('"', '""') + '"'

    extra_sql = (
        "to_json(map_from_entries(list_filter(["
        + ", ".join(f"{{'k': '{c.replace(chr(39), chr(39) * 2)}', 'v': {q(c)}}}" for c in extras)
        + "], lambda e: e.v IS NOT NULL AND e.v <> '')))::VARCHAR"
        if extras
        else "'{}'"
    )
    reasons = {code: _literal(problem_reason(code)) for code in PROBLEM_FIELDS}
    set_aside_sql = (
        "to_json(map_from_entries(list_filter(["
        + ", ".join(
            f"{{'k': '{field}', 'v': {{'raw': c.{given}, 'reason': CASE c.{err} "
            + " ".join(f"WHEN '{code}' THEN {reasons[code]}" for code in PROBLEM_FIELDS)
            + " END}}"
            for field, err, given, _quoted in _CHECKED
        )
        + "], lambda item: item.v.reason IS NOT NULL)))::VARCHAR"
    )
    return f"""
    WITH raw AS (
        SELECT line, trim(coalesce(source_id, '')) AS sid,
            coalesce(given_name, '') AS g, coalesce(family_name, '') AS f,
            coalesce(date_of_birth, '') AS od, trim(coalesce(date_of_birth, '')) AS d,
            coalesce(postcode, '') AS op, upper(replace(coalesce(postcode, ''), ' ', '')) AS p,
            coalesce(address_line_1, '') AS a, coalesce(town, '') AS t,
            coalesce(ni_number, '') AS on_,
            upper(replace(coalesce(ni_number, ''), ' ', '')) AS n,
            coalesce(email, '') AS oe, lower(trim(coalesce(email, ''))) AS e,
            coalesce(phone, '') AS ph, trim(coalesce(phone, '')) AS tph,
            regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS pd,
            {extra_sql} AS extra
        FROM input
    ), checked AS (
        SELECT *,
            CASE
                WHEN d <> '' AND (NOT regexp_full_match(d, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
                                  OR try_strptime(d, '%Y-%m-%d') IS NULL) THEN 'dob'
                WHEN d <> '' AND (d > strftime(current_date, '%Y-%m-%d') OR d < '1880')
                    THEN 'dob_range'
            END AS dob_err,
            CASE WHEN p <> ''
                AND NOT regexp_full_match(p, '[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}')
                THEN 'postcode' END AS pc_err,
            CASE WHEN n <> '' AND NOT regexp_full_match(
                n, '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{{6}}[A-D]?') THEN 'ni' END AS ni_err,
            CASE WHEN e <> '' AND NOT regexp_full_match(e, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')
                THEN 'email' END AS em_err,
            CASE WHEN pd <> '' AND NOT (length(CASE WHEN starts_with(tph, '+44')
                    OR (starts_with(pd, '44') AND length(pd) = 12)
                    THEN '0' || pd[3:] ELSE pd END) BETWEEN 10 AND 11) THEN 'phone' END AS ph_err
        FROM raw
    ), cleaned AS (
        SELECT *,
            {_NAME_SQL.format(v="g")} AS given_name,
            {_NAME_SQL.format(v="f")} AS family_name,
            CASE WHEN dob_err IS NULL THEN nullif(d, '') END AS date_of_birth,
            CASE WHEN p = '' OR pc_err IS NOT NULL THEN NULL
                 ELSE left(p, length(p) - 3) || ' ' || right(p, 3) END AS postcode,
            {_TEXT_SQL.format(v="a")} AS address_line_1,
            {_TEXT_SQL.format(v="t")} AS town,
            CASE WHEN ni_err IS NULL THEN nullif(left(n, 8), '') END AS ni_number,
            CASE WHEN em_err IS NULL THEN nullif(e, '') END AS email,
            CASE WHEN pd = '' OR ph_err IS NOT NULL THEN NULL
                 WHEN starts_with(tph, '+44') OR (starts_with(pd, '44') AND length(pd) = 12)
                 THEN '0' || pd[3:] ELSE pd END AS phone
        FROM checked
    ), judged AS (
        SELECT *, coalesce({", ".join(IDENTIFYING)}) IS NULL AS nothing_left FROM cleaned
    ), first_valid AS (
        SELECT sid, min(line) AS first_line FROM judged
        WHERE sid <> '' AND length(sid) <= 100 AND NOT nothing_left GROUP BY sid
    )
    SELECT c.line,
        CASE
            WHEN c.sid = '' THEN 'empty'
            WHEN length(c.sid) > 100 THEN 'long'
            WHEN fv.first_line < c.line THEN 'dup'
            WHEN c.nothing_left THEN 'nothing'
        END AS error,
        c.sid AS source_id, {", ".join("c." + f for f in PERSON_FIELDS)},
        c.extra, {set_aside_sql} AS set_aside,
        {", ".join(f"c.{err}, c.{quoted}" for _f, err, _g, quoted in _CHECKED)}
    FROM judged c LEFT JOIN first_valid fv ON fv.sid = c.sid
    """


def _field_message(problem: str, value: str) -> str:
    """The reason for one field, naming the field and its value (as the row reader says)."""
    return {
        "dob": lambda: _("date_of_birth %(value)s is not a date in the form YYYY-MM-DD"),
        "dob_range": lambda: _("date_of_birth %(value)s is not a possible date"),
        "postcode": lambda: _("postcode %(value)s is not a UK postcode"),
        "ni": lambda: _("ni_number %(value)s is not a National Insurance number"),
        "email": lambda: _("email %(value)s is not an email address"),
        "phone": lambda: _("phone %(value)s is not a UK phone number"),
    }[problem]() % {"value": value}


def _row_problems(row: dict) -> list[tuple[str, str]]:
    """(field, full reason) of each field of a checked row that is set aside."""
    return [
        (field, _field_message(row[err], row[quoted]))
        for field, err, _given, quoted in _CHECKED
        if row[err] is not None
    ]


def _reason(error: str, row: dict) -> str:
    reasons = {
        "empty": lambda: _("source_id is empty"),
        "long": lambda: _("source_id is longer than 100 characters"),
        "dup": lambda: (
            _("source_id %(value)s appears twice in the file") % {"value": row["source_id"]}
        ),
        "nothing": lambda: nothing_left_reason([reason for _f, reason in _row_problems(row)]),
    }
    return reasons[error]()


def _set_aside_report(con) -> SetAsideReport:
    """Counts by field and reason of the fields set aside on the rows kept, and the first
    thousand lines, from the checked rows."""
    report = SetAsideReport()
    kept = "FROM checked_rows WHERE error IS NULL"
    for field, err, _given, _quoted in _CHECKED:
        for problem, count in con.execute(
            f"SELECT {err}, count(*) {kept} AND {err} IS NOT NULL GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            report.add(field, problem_reason(problem), count)
    columns = ", ".join(f"{err}, {quoted}" for _f, err, _g, quoted in _CHECKED)
    any_set_aside = " OR ".join(f"{err} IS NOT NULL" for _f, err, _g, _q in _CHECKED)
    cursor = con.execute(f"SELECT line, {columns} {kept} AND ({any_set_aside}) ORDER BY line")
    keys = [d[0] for d in cursor.description]
    while len(report.lines) < 1000 and (rows := cursor.fetchmany(1000)):
        for values in rows:
            row = dict(zip(keys, values, strict=True))
            for field, reason in _row_problems(row):
                report.note(row["line"], field, reason)
    return report


def fast_read(
    path: Path, file_format: str, con
) -> tuple[str, int, list[RowError], SetAsideReport] | None:
    """Read and normalise the whole file in DuckDB into the table `clean`
    (RECORD_COLUMNS). Returns (table, rows refused, the first thousand reasons, the fields
    set aside), or None when the file needs reading row by row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    path = Path(path)
    if file_format == "parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as error:  # pyarrow raises several kinds for a bad file
            raise FileRefused(
                _("%(name)s cannot be read as Parquet: %(error)s")
                % {"name": path.name, "error": error}
            ) from None
    else:
        import pyarrow.csv as pcsv

        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            try:
                header = next(csv.reader(handle))
            except StopIteration:
                raise FileRefused(_("The file is empty")) from None
        broken = []
        try:
            table = pcsv.read_csv(
                path,
                read_options=pcsv.ReadOptions(encoding="utf8"),
                parse_options=pcsv.ParseOptions(
                    newlines_in_values=False,
                    invalid_row_handler=lambda row: broken.append(row) or "skip",
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={name: pa.string() for name in header},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
        if broken:
            return None
        with path.open("rb") as raw:
            newlines = 0
            last = b""
            while block := raw.read(1 << 20):
                newlines += block.count(b"\n")
                last = block[-1:]
        lines = newlines + (0 if last in (b"\n", b"") else 1)
        if lines != table.num_rows + 1:
            return None  # blank lines or line breaks inside values: read row by row
    names = [name.strip().lower() for name in table.column_names]
    missing = [field for field in FIELDS if field not in names]
    if missing:
        raise FileRefused(_("The file has no column %(columns)s") % {"columns": ", ".join(missing)})
    if len(set(names)) != len(names):
        return None
    columns = [
        column if column.type == pa.string() else pc.cast(column, pa.string())
        for column in table.columns
    ]
    table = pa.table(columns, names=names)
    table = table.append_column("line", pa.array(range(2, table.num_rows + 2), pa.int64()))
    extras = [name for name in names if name not in FIELDS]
    con.register("input", table)
    con.execute(f"CREATE OR REPLACE TABLE checked_rows AS {_fast_sql(extras)}")
    con.unregister("input")
    con.execute(
        "CREATE OR REPLACE TABLE clean AS SELECT "
        + ", ".join(RECORD_COLUMNS)
        + " FROM checked_rows WHERE error IS NULL ORDER BY line"
    )
    rejected = con.execute("SELECT count(*) FROM checked_rows WHERE error IS NOT NULL").fetchall()[
        0
    ][0]
    problems = ", ".join(f"{err}, {quoted}" for _f, err, _g, quoted in _CHECKED)
    cursor = con.execute(
        f"SELECT line, error, source_id, {problems} "
        "FROM checked_rows WHERE error IS NOT NULL ORDER BY line LIMIT 1000"
    )
    keys = [d[0] for d in cursor.description]
    errors = [
        RowError(row["line"], _reason(row["error"], row))
        for row in (dict(zip(keys, values, strict=True)) for values in cursor.fetchall())
    ]
    return "clean", rejected, errors, _set_aside_report(con)
