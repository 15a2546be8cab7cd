"""Letters for print and post: real PDFs from WeasyPrint, read back with pypdf."""

import csv
import datetime
import io
import zipfile

import pypdf
import pytest

from commonweal.messaging.letters import (
    MANIFEST_COLUMNS,
    LetterContent,
    build_print_batch,
    format_date,
    pdf_page_count,
    render_letter_html,
    render_letter_pdf,
)

MM = 72 / 25.4  # points in a millimetre
A4 = (595.28, 841.89)

ORGANISATION = {
    "name": "Denbighshire County Council",
    "name_cy": "Cyngor Sir Ddinbych",
    "address_lines": ["PO Box 62", "Ruthin", "LL15 9AZ"],
    "phone": "01824 706000",
    "email": "letters@example.gov.uk",
    "website": "www.example.gov.uk",
}
ADDRESS = ["Ms Sam Evans", "Flat 3", "12 High Street", "Ruthin", "Denbighshire", "LL15 1AB"]
BODY_EN = """Dear Ms Evans,

We have received your application for a blue badge. Please do not write <b>x</b> on the form.

What happens next:
- we check your details
* we may ask for more evidence

Yours sincerely,
Blue Badge Team"""
BODY_CY = """Annwyl Ms Evans,

Rydym wedi derbyn eich cais am fathodyn glas.

- rydym yn gwirio eich manylion"""


def letter(**changes) -> LetterContent:
    values = {
        "address_lines": list(ADDRESS),
        "date": datetime.date(2026, 5, 3),
        "reference": "BL-7KQ4-M2XD",
        "subject": {"en": "Your blue badge application", "cy": "Eich cais am fathodyn glas"},
        "body": {"en": BODY_EN, "cy": BODY_CY},
        "languages": ["en"],
        "large_print": False,
        "organisation": dict(ORGANISATION),
    }
    values.update(changes)
    return LetterContent(**values)


def _multiply(m, n):
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    )


def text_runs(page) -> list[dict]:
    """Each piece of text on the page: where its baseline starts, in millimetres from the
    top-left corner of the sheet, and the size it is printed at, in points."""
    height = float(page.mediabox.height)
    runs = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        matrix = _multiply(tm, cm)
        runs.append(
            {
                "text": text.strip(),
                "x": matrix[4] / MM,
                "y": (height - matrix[5]) / MM,
                "size": font_size * abs(matrix[3]),
            }
        )

    page.extract_text(visitor_text=visit)
    return runs


def find_run(runs, text):
    matches = [run for run in runs if text in run["text"]]
    assert matches, f"{text!r} is not on the page: {[run['text'] for run in runs]}"
    return matches[0]


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def all_text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return render_letter_pdf(letter())


# The window of a DL or C5 envelope as the letter sits in it: the address starts 20 mm from
# the left and between 40 and 60 mm from the top, and fits in 90 mm x 35 mm.
WINDOW_LEFT, WINDOW_RIGHT = 17, 20 + 90
WINDOW_TOP, WINDOW_BOTTOM = 40, 50 + 35 + 3


def test_the_page_is_a4_portrait(english_pdf):
    reader = read(english_pdf)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)


def test_the_address_sits_in_the_envelope_window(english_pdf):
    runs = text_runs(read(english_pdf).pages[0])
    name = find_run(runs, "Ms Sam Evans")
    postcode = find_run(runs, "LL15 1AB")
    for run in (name, postcode, find_run(runs, "12 High Street")):
        assert 17 <= run["x"] <= 23
    # The top of the name's letters is about a font size above its baseline.
    name_top = name["y"] - name["size"] / MM
    assert 40 <= name_top <= 60
    assert name["y"] < postcode["y"] <= WINDOW_BOTTOM
    # Nothing else on the page shows through the window.
    address = set(ADDRESS)
    for run in runs:
        if run["text"] in address:
            continue
        inside = (
            WINDOW_LEFT <= run["x"] <= WINDOW_RIGHT
            and WINDOW_TOP <= run["y"] <= WINDOW_BOTTOM + run["size"] / MM
        )
        assert not inside, f"{run['text']!r} would show in the envelope window"


def test_the_longest_address_fits_in_the_35mm_window():
    lines = ["Ms Sam Evans", "Flat 3", "Block B", "Mill Court", "12 High Street", "Llanrhaeadr"]
    lines += ["Denbighshire", "LL15 1AB"]
    runs = text_runs(read(render_letter_pdf(letter(address_lines=lines))).pages[0])
    name, postcode = find_run(runs, "Ms Sam Evans"), find_run(runs, "LL15 1AB")
    assert 40 <= name["y"] - name["size"] / MM <= 60
    # The postcode's baseline is above the bottom of a window 35 mm high from 50 mm.
    assert postcode["y"] <= 50 + 35
    assert min(run["size"] for run in runs if run["text"] in lines) >= 10


def test_a_long_address_stays_in_the_window_column():
    lines = [
        "Dr Angharad Myfanwy Llewellyn-Pritchard-Vaughan",
        "Apartment 1234, The Old Woollen Mill Buildings",
        "Heol y Frenhines Fictoria",
        "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        "Ynys Môn",
        "LL61 5UJ",
    ]
    for large_print in (False, True):
        pdf = render_letter_pdf(letter(address_lines=lines, large_print=large_print))
        runs = text_runs(read(pdf).pages[0])
        # Every piece of the address, wrapped or not, starts at the window's left edge and
        # comes before anything below it.
        address = [run for run in runs if run["x"] < WINDOW_RIGHT and run["y"] < 130]
        assert all(17 <= run["x"] <= 23 for run in address)
        text = " ".join(run["text"] for run in address)
        for word in ("Angharad", "Woollen", "Llanfairpwll", "gogogoch", "Ynys Môn", "LL61 5UJ"):
            assert word in text
        name_top = address[0]["y"] - address[0]["size"] / MM
        assert 40 <= name_top <= 60


def test_sender_reference_and_body_are_printed(english_pdf):
    text = all_text(read(english_pdf))
    for expected in (
        "Denbighshire County Council",
        "PO Box 62",
        "LL15 9AZ",
        "01824 706000",
        "letters@example.gov.uk",
        "www.example.gov.uk",
        "Our reference: BL-7KQ4-M2XD",
        "3 May 2026",
        "Your blue badge application",
        "Dear Ms Evans,",
        "We have received your application",
        "What happens next:",
        "we check your details",
        "we may ask for more evidence",
        "Blue Badge Team",
        "Page 1 of 1",
    ):
        assert expected in text
    # The sender is top right.
    runs = text_runs(read(english_pdf).pages[0])
    sender = find_run(runs, "Denbighshire County Council")
    assert sender["x"] > 110 and sender["y"] < 30


def test_body_text_is_data_not_markup(english_pdf):
    text = all_text(read(english_pdf))
    assert "<b>x</b>" in text.replace("\n", "")
    html = render_letter_html(letter())
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>" not in html


def test_paragraphs_and_bullets():
    html = render_letter_html(letter())
    assert html.count('<p class="letter-paragraph">') == 4
    assert html.count("<li>") == 2
    assert "<li>we check your details</li>" in html
    assert "Yours sincerely,<br>Blue Badge Team" in html


def test_normal_letters_use_12pt_body_text(english_pdf):
    runs = text_runs(read(english_pdf).pages[0])
    assert find_run(runs, "Dear Ms Evans")["size"] == pytest.approx(12, abs=0.1)


def test_large_print_is_16pt_or_more_everywhere():
    body = "\n\n".join([BODY_EN] * 4)
    pdf = render_letter_pdf(letter(large_print=True, body={"en": body}))
    reader = read(pdf)
    assert len(reader.pages) >= 2
    sizes = []
    for page in reader.pages:
        runs = text_runs(page)
        sizes += [run["size"] for run in runs]
        assert min(run["size"] for run in runs) >= 16 - 0.01, [
            (run["text"], run["size"]) for run in runs if run["size"] < 16
        ]
    runs = text_runs(reader.pages[0])
    assert find_run(runs, "Ms Sam Evans")["size"] >= 16 - 0.01
    assert find_run(runs, "Dear Ms Evans")["size"] >= 16 - 0.01
    assert "Page 2 of" in reader.pages[1].extract_text()
    # The address still starts where the window is.
    name = find_run(runs, "Ms Sam Evans")
    assert 17 <= name["x"] <= 23
    assert 40 <= name["y"] - name["size"] / MM <= 60


@pytest.mark.parametrize("extra_lines", [[], ["Wales"]])
def test_large_print_addresses_of_up_to_seven_lines_fit_the_window(extra_lines):
    lines = [*ADDRESS[:-1], *extra_lines, ADDRESS[-1]]
    pdf = render_letter_pdf(letter(large_print=True, address_lines=lines))
    runs = text_runs(read(pdf).pages[0])
    name, postcode = find_run(runs, "Ms Sam Evans"), find_run(runs, "LL15 1AB")
    assert 40 <= name["y"] - name["size"] / MM <= 60
    assert postcode["y"] <= 50 + 35
    assert min(run["size"] for run in runs if run["text"] in lines) >= 16 - 0.01


def test_bilingual_letters_put_welsh_first():
    pdf = render_letter_pdf(letter(languages=["cy", "en"]))
    text = all_text(read(pdf))
    assert "3 Mai 2026" in text and "3 May 2026" in text
    assert "Ein cyfeirnod: BL-7KQ4-M2XD" in text
    assert text.index("Eich cais am fathodyn glas") < text.index("Your blue badge application")
    assert text.index("Annwyl Ms Evans") < text.index("Dear Ms Evans")
    assert text.index("3 Mai 2026") < text.index("3 May 2026")
    assert "Cyngor Sir Ddinbych" in text and "Denbighshire County Council" in text
    assert "Tudalen 1 o" in text


def test_welsh_letters_are_all_in_welsh():
    pdf = render_letter_pdf(letter(languages=["cy"], body={"cy": "\n\n".join([BODY_CY] * 20)}))
    reader = read(pdf)
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Tudalen 1 o {pages}" in reader.pages[0].extract_text()
    assert f"Tudalen {pages} o {pages}" in reader.pages[-1].extract_text()
    text = all_text(reader)
    assert "Page" not in text
    assert "Cyngor Sir Ddinbych" in text
    assert "Denbighshire County Council" not in text
    assert "Ein cyfeirnod: BL-7KQ4-M2XD" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "3 May 2026"), ("cy", "3 Mai 2026")],
)
def test_dates(language, expected):
    assert format_date(datetime.date(2026, 5, 3), language) == expected
    assert format_date(datetime.date(2026, 12, 25), "cy") == "25 Rhagfyr 2026"
    assert format_date(datetime.date(2026, 7, 1), "cy") == "1 Gorffennaf 2026"


@pytest.mark.parametrize(
    "changes",
    [
        {"languages": ["en", "cy"]},
        {"languages": ["fr"]},
        {"languages": ["cy"], "subject": {"en": "Only English"}},
        {"address_lines": ["Ms Sam Evans", "LL15 1AB"]},
    ],
)
def test_letters_that_cannot_be_sent(changes):
    with pytest.raises(ValueError):
        render_letter_pdf(letter(**changes))


class Unseekable(io.RawIOBase):
    """A pipe-like output: it can only be written to, in order."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)


def test_print_batch_is_a_zip_of_pdfs_and_a_manifest():
    contents = [
        letter(reference="BL-AAAA-0001"),
        letter(reference="BL-AAAA-0002", languages=["cy", "en"]),
        letter(
            reference="BL-AAAA-0003",
            large_print=True,
            body={"en": "\n\n".join([BODY_EN] * 4)},
            address_lines=["Mr Rhys Jones", "1 Stryd Fawr", "Bala", "LL23 7AA"],
        ),
    ]
    pdfs = {f"msg-{n}": render_letter_pdf(content) for n, content in enumerate(contents)}
    out = Unseekable()
    written = []

    def letters():
        for n, content in enumerate(contents):
            # Each PDF is in the zip before the next is asked for.
            assert len(out.buffer) >= sum(len(pdf) for pdf in written)
            metadata = {
                "reference": content.reference,
                "address_lines": content.address_lines,
                "large_print": content.large_print,
                "languages": content.languages,
            }
            written.append(pdfs[f"msg-{n}"])
            yield f"msg-{n}", pdfs[f"msg-{n}"], metadata

    assert build_print_batch(letters(), out) == 3

    archive = zipfile.ZipFile(io.BytesIO(bytes(out.buffer)))
    assert sorted(archive.namelist()) == ["manifest.csv", "msg-0.pdf", "msg-1.pdf", "msg-2.pdf"]
    for name, pdf in pdfs.items():
        assert archive.read(f"{name}.pdf") == pdf
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    assert tuple(rows[0].keys()) == MANIFEST_COLUMNS
    assert list(MANIFEST_COLUMNS) == [
        "file",
        "reference",
        "name",
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "address_line_4",
        "address_line_5",
        "address_line_6",
        "postcode",
        "pages",
        "large_print",
        "languages",
    ]
    assert len(rows) == 3
    for row in rows:
        assert int(row["pages"]) == pdf_page_count(archive.read(row["file"]))
    first, second, third = rows
    assert first["file"] == "msg-0.pdf"
    assert first["reference"] == "BL-AAAA-0001"
    assert first["name"] == "Ms Sam Evans"
    assert [first[f"address_line_{n}"] for n in range(1, 7)] == [
        "Flat 3",
        "12 High Street",
        "Ruthin",
        "Denbighshire",
        "",
        "",
    ]
    assert first["postcode"] == "LL15 1AB"
    assert first["pages"] == "1"
    assert first["large_print"] == "false"
    assert first["languages"] == "en"
    assert second["languages"] == "cy+en"
    assert third["large_print"] == "true"
    assert third["name"] == "Mr Rhys Jones"
    assert third["postcode"] == "LL23 7AA"
    assert int(third["pages"]) >= 2


def test_print_batch_refuses_unsafe_or_repeated_file_names():
    pdf = render_letter_pdf(letter())
    metadata = {"reference": "R", "address_lines": ADDRESS, "large_print": False}
    for ids in (["../evil"], ["a/b"], ["same", "same"]):
        with pytest.raises(ValueError):
            build_print_batch(((i, pdf, metadata) for i in ids), io.BytesIO())


def test_an_empty_batch_has_just_a_header():
    out = io.BytesIO()
    assert build_print_batch(iter(()), out) == 0
    archive = zipfile.ZipFile(out)
    assert archive.namelist() == ["manifest.csv"]
    assert archive.read("manifest.csv").decode().strip() == ",".join(MANIFEST_COLUMNS)
