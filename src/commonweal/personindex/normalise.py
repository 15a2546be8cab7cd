"""Reading person records from other systems' files and putting each field in one form, so
the linkage compares like with like. A row that cannot be read is refused with its line and
the reason; the rest of the file is imported."""

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

from .fields import PERSON_FIELDS

FIELDS = ("source_id", *PERSON_FIELDS)
# Normalised record as written to the table: the fields above, then extra attributes (JSON).
RECORD_COLUMNS = (*FIELDS, "extra")

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
        raise RowRefused(_("postcode %(value)s is not a UK postcode") % {"value": value})
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
        raise RowRefused(
            _("date_of_birth %(value)s is not a date in the form YYYY-MM-DD") % {"value": value}
        ) from None
    if value > _today() or when.year < 1880:
        raise RowRefused(_("date_of_birth %(value)s is not a possible date") % {"value": value})
    return value


def ni_number(value: str) -> str | None:
    value = value.replace(" ", "").upper()
    if not value:
        return None
    if not _NI.fullmatch(value):
        raise RowRefused(
            _("ni_number %(value)s is not a National Insurance number") % {"value": value}
        )
    return value[:8]  # the suffix letter is not part of the person's number


def email(value: str) -> str | None:
    value = value.strip().lower()
    if not value:
        return None
    if not _EMAIL.fullmatch(value):
        raise RowRefused(_("email %(value)s is not an email address") % {"value": value})
    return value


def phone(value: str) -> str | None:
    digits = value if value.isdigit() else _NOT_DIGIT.sub("", value)
    if not digits:
        return None
    if value.strip().startswith("+44") or (digits.startswith("44") and len(digits) == 12):
        digits = "0" + digits[2:]
    if not 10 <= len(digits) <= 11:
        raise RowRefused(_("phone %(value)s is not a UK phone number") % {"value": value.strip()})
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


class RecordReader:
    """Rows of a CSV or Parquet file as normalised tuples (RECORD_COLUMNS), with the rows
    refused collected in `errors`. For Parquet, the "line" is the row number plus one, as
    the line would be in the same data written as CSV with a header."""

    def __init__(self, path: Path, file_format: str | None = None):
        self.path = Path(path)
        self.format = (file_format or self.path.suffix.lstrip(".")).lower()
        if self.format not in ("csv", "parquet"):
            raise FileRefused(_("%(name)s is not a CSV or Parquet file") % {"name": self.path.name})
        self.errors: list[RowError] = []
        self.rejected = 0

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

    def rows(self) -> Iterator[tuple]:
        raw = self._csv_rows() if self.format == "csv" else self._parquet_rows()
        positions, extras = next(raw)
        width = max(positions + [i for i, _ in extras]) + 1
        seen: set[str] = set()
        normalisers = [NORMALISERS[field] for field in FIELDS[1:]]
        for line, cells in raw:
            if len(cells) < width:
                self._refuse(line, _("the row has %(n)s fields, not %(m)s") % {
                    "n": len(cells), "m": width,
                })  # fmt: skip
                continue
            source_id = (cells[positions[0]] or "").strip()
            if not source_id:
                self._refuse(line, _("source_id is empty"))
                continue
            if len(source_id) > 100:
                self._refuse(line, _("source_id is longer than 100 characters"))
                continue
            if source_id in seen:
                self._refuse(
                    line, _("source_id %(value)s appears twice in the file") % {"value": source_id}
                )
                continue
            try:
                values = [
                    normalise_field(cells[position] or "")
                    for normalise_field, position in zip(normalisers, positions[1:], strict=True)
                ]
            except RowRefused as refused:
                self._refuse(line, str(refused))
                continue
            seen.add(source_id)
            extra = {column: cells[i] for i, column in extras if cells[i] not in (None, "")}
            yield (source_id, *values, _encode(extra) if extra else "{}")

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
    return f"""
    WITH raw AS (
        SELECT line, trim(coalesce(source_id, '')) AS sid,
            coalesce(given_name, '') AS g, coalesce(family_name, '') AS f,
            trim(coalesce(date_of_birth, '')) AS d,
            upper(replace(coalesce(postcode, ''), ' ', '')) AS p,
            coalesce(address_line_1, '') AS a, coalesce(town, '') AS t,
            upper(replace(coalesce(ni_number, ''), ' ', '')) AS n,
            lower(trim(coalesce(email, ''))) AS e,
            coalesce(phone, '') AS ph, regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS pd,
            {extra_sql} AS extra
        FROM input
    ), checked AS (
        SELECT *,
            CASE
                WHEN d <> '' AND (NOT regexp_full_match(d, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
                                  OR try_strptime(d, '%Y-%m-%d') IS NULL) THEN 'dob'
                WHEN d <> '' AND (d > strftime(current_date, '%Y-%m-%d') OR d < '1880')
                    THEN 'dob_range'
                WHEN p <> ''
                    AND NOT regexp_full_match(p, '[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}')
                    THEN 'postcode'
                WHEN n <> '' AND NOT regexp_full_match(
                    n, '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{{6}}[A-D]?') THEN 'ni'
                WHEN e <> '' AND NOT regexp_full_match(e, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')
                    THEN 'email'
                WHEN pd <> '' AND NOT (length(CASE WHEN starts_with(trim(ph), '+44')
                        OR (starts_with(pd, '44') AND length(pd) = 12)
                        THEN '0' || pd[3:] ELSE pd END) BETWEEN 10 AND 11) THEN 'phone'
            END AS field_error
        FROM raw
    ), first_valid AS (
        SELECT sid, min(line) AS first_line FROM checked
        WHERE sid <> '' AND length(sid) <= 100 AND field_error IS NULL GROUP BY sid
    )
    SELECT c.line,
        CASE
            WHEN c.sid = '' THEN 'empty'
            WHEN length(c.sid) > 100 THEN 'long'
            WHEN fv.first_line < c.line THEN 'dup'
            ELSE c.field_error
        END AS error,
        c.sid AS source_id,
        {_NAME_SQL.format(v="c.g")} AS given_name,
        {_NAME_SQL.format(v="c.f")} AS family_name,
        nullif(c.d, '') AS date_of_birth,
        CASE WHEN c.p = '' THEN NULL ELSE left(c.p, length(c.p) - 3) || ' ' || right(c.p, 3) END
            AS postcode,
        {_TEXT_SQL.format(v="c.a")} AS address_line_1,
        {_TEXT_SQL.format(v="c.t")} AS town,
        nullif(left(c.n, 8), '') AS ni_number,
        nullif(c.e, '') AS email,
        CASE WHEN c.pd = '' THEN NULL
             WHEN starts_with(trim(c.ph), '+44') OR (starts_with(c.pd, '44') AND length(c.pd) = 12)
             THEN '0' || c.pd[3:] ELSE c.pd END AS phone,
        c.extra,
        c.d AS raw_dob, c.p AS raw_postcode, c.n AS raw_ni, c.e AS raw_email,
        trim(c.ph) AS raw_phone
    FROM checked c LEFT JOIN first_valid fv ON fv.sid = c.sid
    """


def _reason(error: str, row: dict) -> str:
    reasons = {
        "empty": lambda: _("source_id is empty"),
        "long": lambda: _("source_id is longer than 100 characters"),
        "dup": lambda: (
            _("source_id %(value)s appears twice in the file") % {"value": row["source_id"]}
        ),
        "dob": lambda: (
            _("date_of_birth %(value)s is not a date in the form YYYY-MM-DD")
            % {"value": row["raw_dob"]}
        ),
        "dob_range": lambda: (
            _("date_of_birth %(value)s is not a possible date") % {"value": row["raw_dob"]}
        ),
        "postcode": lambda: (
            _("postcode %(value)s is not a UK postcode") % {"value": row["raw_postcode"]}
        ),
        "ni": lambda: (
            _("ni_number %(value)s is not a National Insurance number") % {"value": row["raw_ni"]}
        ),
        "email": lambda: _("email %(value)s is not an email address") % {"value": row["raw_email"]},
        "phone": lambda: (
            _("phone %(value)s is not a UK phone number") % {"value": row["raw_phone"]}
        ),
    }
    return reasons[error]()


def fast_read(path: Path, file_format: str, con) -> tuple[str, int, list[RowError]] | None:
    """Read and normalise the whole file in DuckDB into the table `clean`
    (RECORD_COLUMNS). Returns (table, rows refused, the first thousand reasons), or None
    when the file needs reading row by row."""
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
    cursor = con.execute(
        "SELECT line, error, source_id, raw_dob, raw_postcode, raw_ni, raw_email, raw_phone "
        "FROM checked_rows WHERE error IS NOT NULL ORDER BY line LIMIT 1000"
    )
    keys = [d[0] for d in cursor.description]
    errors = [
        RowError(row["line"], _reason(row["error"], row))
        for row in (dict(zip(keys, values, strict=True)) for values in cursor.fetchall())
    ]
    return "clean", rejected, errors
