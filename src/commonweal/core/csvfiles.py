"""The one way to write a CSV file that leaves the platform (payment files, the print
supplier's manifest, the person index's links): every export goes through `csv_writer` or
`csv_dict_writer`, so none can carry a formula into someone's spreadsheet.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some also one that starts
with a tab or a carriage return) as a formula: `=HYPERLINK(...)` in a name becomes a link
that leaks data, `@SUM(1)` runs. As OWASP recommends, such a text cell gets a leading
apostrophe, which spreadsheets show as text and do not run. Numbers (int, float, Decimal)
are written as numbers: an amount stays a number, and a negative one is not a formula.

Files we write only to read back ourselves (the person index's own copies) do not use this:
they must keep every value exactly as it is.
"""

from __future__ import annotations

import csv
import decimal
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value as it should go into a cell: text that a spreadsheet would run as a formula
    gets a leading apostrophe; numbers and empty values are left alone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """`csv.writer` with every cell made spreadsheet-safe."""

    def __init__(self, out: IO[str], *, line_end: str = "\r\n"):
        self._writer = csv.writer(out, lineterminator=line_end)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """`csv.DictWriter` with every cell made spreadsheet-safe (the header is ours)."""

    def __init__(self, out: IO[str], *, fieldnames: Sequence[str], line_end: str = "\r\n"):
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(out, fieldnames=self.fieldnames, lineterminator=line_end)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})


def csv_writer(out: IO[str], *, line_end: str = "\r\n") -> SafeWriter:
    return SafeWriter(out, line_end=line_end)


def csv_dict_writer(
    out: IO[str], *, fieldnames: Sequence[str], line_end: str = "\r\n"
) -> SafeDictWriter:
    return SafeDictWriter(out, fieldnames=fieldnames, line_end=line_end)
