"""Letters for print and post: one letter as an A4 PDF, and many as a print batch.

``render_letter_pdf`` lays a letter out for a DL or C5 windowed envelope (the recipient's
address 20 mm from the left edge and 50 mm from the top, 90 mm wide), with the sender's details
top right, the date and our reference, the subject as a heading and the body. The body is plain
text: blank lines separate paragraphs, and lines starting "- " or "* " are bullet points. It is
data, never markup: ``<b>`` is printed as it is written. A bilingual letter has its Welsh
section first and its English section after it. Large print sets every piece of text, the
address and page numbers included, in 16 pt or more.

``build_print_batch`` streams letters into a zip file for the print supplier: one
``<message id>.pdf`` each, and ``manifest.csv`` describing them.

These are pure functions: no database, no request. What is expensive to set up (the parsed
stylesheets, the font configuration, the template) is made once per process and reused, which
is what makes thousands of letters an hour possible.
"""

import datetime
import functools
import io
import re
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import jinja2
import pypdf

from commonweal.core.csvfiles import csv_dict_writer
from commonweal.core.languages import direction, language_codes, text_direction

__all__ = [
    "MANIFEST_COLUMNS",
    "LetterContent",
    "build_print_batch",
    "format_date",
    "pdf_page_count",
    "render_letter_html",
    "render_letter_pdf",
]

_HERE = Path(__file__).resolve().parent
_TEMPLATE_DIR = _HERE / "jinja2"
_TEMPLATE_NAME = "messaging/letter.html"
_STYLESHEET = _HERE / "static" / "commonweal" / "letter.css"
# Fonts Debian has (DejaVu comes with the base system), then Arial's look-alikes.
_FONTS = '"DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif'

LANGUAGES = ("en", "cy")
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "cy": (
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ),
}
# Words printed on the letter itself, in each language.
WORDS = {
    "en": {
        "reference": "Our reference:",
        "phone": "Phone:",
        "email": "Email:",
        "website": "Website:",
        "page": "Page",
        "of": "of",
    },
    "cy": {
        "reference": "Ein cyfeirnod:",
        "phone": "Ffôn:",
        "email": "E-bost:",
        "website": "Gwefan:",
        "page": "Tudalen",
        "of": "o",
    },
    # The demo's community languages; a letter in any other language has these words in
    # English (its date is written in its own language, by Babel).
    "pl": {
        "reference": "Nasz numer:",
        "phone": "Telefon:",
        "email": "E-mail:",
        "website": "Strona internetowa:",
        "page": "Strona",
        "of": "z",
    },
    "ar": {
        "reference": "رقمنا المرجعي:",
        "phone": "الهاتف:",
        "email": "البريد الإلكتروني:",
        "website": "الموقع الإلكتروني:",
        "page": "صفحة",
        "of": "من",
    },
}


def _words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


# The manifest has room for the recipient's name, six address lines and the postcode, the
# most that Royal Mail's address format and GOV.UK Notify's letters allow.
ADDRESS_LINE_COLUMNS = 6
MANIFEST_COLUMNS = (
    "file",
    "reference",
    "name",
    *(f"address_line_{n}" for n in range(1, ADDRESS_LINE_COLUMNS + 1)),
    "postcode",
    "pages",
    "large_print",
    "languages",
)

_BULLET = re.compile(r"^\s*[-*]\s+")
_BLANK_LINE = re.compile(r"\n\s*\n")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# The shared font configuration isn't made for threads: letters are laid out one at a time in
# each process (layout holds the GIL anyway, so threads would gain nothing). Use processes to
# render in parallel.
_RENDER_LOCK = threading.Lock()


@dataclass
class LetterContent:
    """What one letter says.

    ``address_lines`` starts with the recipient's name and ends with the postcode.
    ``subject`` and ``body`` are keyed by language ("en", "cy", "pl"...); ``languages`` is
    one language (``["en"]``, ``["cy"]``, ``["ar"]``: any ISO 639-1 code) or, for a
    bilingual letter, ``["cy", "en"]`` (Welsh first). ``organisation``
    holds ``name``, ``name_cy``, ``address_lines`` (the return address), ``phone``, ``email``
    and ``website``; any may be missing except ``name``.
    """

    address_lines: list[str]
    date: datetime.date
    reference: str
    subject: dict[str, str]
    body: dict[str, str]
    languages: list[str] = field(default_factory=lambda: ["en"])
    large_print: bool = False
    organisation: dict[str, Any] = field(default_factory=dict)


def format_date(value: datetime.date, language: str) -> str:
    """A date as GOV.UK writes it: "3 May 2026", or in Welsh "3 Mai 2026"; in another
    language, as the Unicode CLDR writes a long date in it ("3 maja 2026")."""
    if language not in MONTHS:
        from babel.dates import format_date as babel_format_date

        return babel_format_date(value, format="long", locale=language)
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def _blocks(text: str) -> list[dict[str, Any]]:
    """Plain text as paragraphs and bullet lists.

    Blank lines separate blocks. Within a block, a run of lines starting "- " or "* " is a
    list and any other run of lines is a paragraph whose line breaks are kept.
    """
    blocks: list[dict[str, Any]] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    for chunk in _BLANK_LINE.split(text):
        run_kind = None
        for raw in chunk.split("\n"):
            line = raw.strip()
            if not line:
                continue
            kind = "list" if _BULLET.match(line) else "paragraph"
            if kind == "list":
                line = _BULLET.sub("", line, count=1)
            if kind != run_kind:
                blocks.append({"kind": kind, "lines": [], "dir": ""})
                run_kind = kind
            blocks[-1]["lines"].append(line)
    # A paragraph in a script written right to left (the help line in an Arabic speaker's
    # English letter) says so; the section's own direction covers the rest.
    for block in blocks:
        block["dir"] = text_direction(" ".join(block["lines"]))
    return blocks


def _check(content: LetterContent) -> list[str]:
    languages = list(content.languages)
    if languages != ["cy", "en"] and not (
        len(languages) == 1 and languages[0] in (*MONTHS, *language_codes())
    ):
        raise ValueError(f'languages must be ["cy", "en"] or one ISO 639-1 code, not {languages!r}')
    for language in languages:
        if not content.subject.get(language, "").strip():
            raise ValueError(f"the letter has no subject in {language!r}")
        if language not in content.body:
            raise ValueError(f"the letter has no body in {language!r}")
    lines = [line.strip() for line in content.address_lines if line and line.strip()]
    if len(lines) < 3:
        raise ValueError("an address needs a name, at least one address line and a postcode")
    return lines


def _sender(organisation: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    name = (organisation.get("name") or "").strip()
    name_cy = (organisation.get("name_cy") or "").strip() or name
    names = [name_cy if language == "cy" else name for language in languages]
    names = [n for i, n in enumerate(names) if n and n not in names[:i]]
    contacts = []
    for key in ("phone", "email", "website"):
        value = (organisation.get(key) or "").strip()
        if value:
            label = " / ".join(_words(language)[key].rstrip(":") for language in languages) + ":"
            contacts.append((label, value))
    return {
        "names": names,
        "address_lines": [
            line.strip() for line in organisation.get("address_lines") or [] if line.strip()
        ],
        "contacts": contacts,
    }


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(_TEMPLATE_NAME)


def render_letter_html(content: LetterContent) -> str:
    """The letter as HTML, as WeasyPrint lays it out (the stylesheet is separate)."""
    address_lines = _check(content)
    languages = list(content.languages)
    sections = [
        {
            "language": language,
            "dir": direction(language),
            "date": format_date(content.date, language),
            "reference_label": _words(language)["reference"],
            "subject": content.subject[language].strip(),
            "blocks": _blocks(content.body[language]),
        }
        for language in languages
    ]
    return _template().render(
        title=" / ".join(section["subject"] for section in sections),
        languages=languages,
        dir=direction(languages[0]),
        large_print=content.large_print,
        address_lines=address_lines,
        sender=_sender(content.organisation, languages),
        reference=content.reference,
        sections=sections,
    )


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def _base_stylesheet():
    import weasyprint

    return weasyprint.CSS(
        string=_STYLESHEET.read_text(encoding="utf-8"), font_config=_font_config()
    )


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.cache
def _page_stylesheet(languages: tuple[str, ...], large_print: bool):
    """Page numbers in the footer, "Page 1 of 2" / "Tudalen 1 o 2", counted by CSS."""
    import weasyprint

    parts = []
    for language in languages:
        words = _words(language)
        parts.append(
            f"{_css_string(words['page'] + ' ')} counter(page) "
            f"{_css_string(' ' + words['of'] + ' ')} counter(pages)"
        )
    content = f" {_css_string(' / ')} ".join(parts)
    size = "16pt" if large_print else "10pt"
    css = (
        f"@page {{ @bottom-center {{ content: {content}; font-family: {_FONTS}; "
        f"font-size: {size}; vertical-align: middle; }} }}"
    )
    return weasyprint.CSS(string=css, font_config=_font_config())


def render_letter_pdf(content: LetterContent) -> bytes:
    """The letter as an A4 PDF, ready to print, fold and post in a windowed envelope."""
    import weasyprint

    html = render_letter_html(content)
    with _RENDER_LOCK:
        stylesheets = [
            _base_stylesheet(),
            _page_stylesheet(tuple(content.languages), bool(content.large_print)),
        ]
        document = weasyprint.HTML(string=html, base_url=str(_HERE)).render(
            stylesheets=stylesheets, font_config=_font_config()
        )
        return document.write_pdf()


def pdf_page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _manifest_row(message_id: str, pdf: bytes, metadata: dict[str, Any]) -> dict[str, str]:
    lines = [line.strip() for line in metadata.get("address_lines") or [] if line and line.strip()]
    name = lines[0] if lines else ""
    postcode = lines[-1] if len(lines) > 1 else ""
    middle = lines[1:-1]
    if len(middle) > ADDRESS_LINE_COLUMNS:
        # Keep every word: the lines that don't fit share the last column.
        middle = [
            *middle[: ADDRESS_LINE_COLUMNS - 1],
            ", ".join(middle[ADDRESS_LINE_COLUMNS - 1 :]),
        ]
    middle += [""] * (ADDRESS_LINE_COLUMNS - len(middle))
    languages = metadata.get("languages") or []
    if isinstance(languages, str):
        languages = [languages]
    return {
        "file": f"{message_id}.pdf",
        "reference": str(metadata.get("reference") or ""),
        "name": name,
        **{f"address_line_{n}": line for n, line in enumerate(middle, start=1)},
        "postcode": postcode,
        "pages": str(pdf_page_count(pdf)),
        "large_print": "true" if metadata.get("large_print") else "false",
        "languages": "+".join(languages),
    }


def build_print_batch(letters: Iterable[tuple[str, bytes, dict[str, Any]]], out: IO[bytes]) -> int:
    """Write a zip for the print supplier to ``out``; return how many letters it holds.

    ``letters`` gives ``(message id, PDF, metadata)`` one at a time, and each PDF is written
    to the zip as it comes, so a generator keeps only one letter in memory. The metadata has
    ``reference``, ``address_lines`` (name first, postcode last), ``large_print`` and
    ``languages``. ``manifest.csv`` comes last, one row per letter, its page counts read from
    the PDFs. ``out`` need not be seekable.
    """
    manifest = io.StringIO()
    # Names and addresses are what people typed: kept from running as spreadsheet formulas.
    writer = csv_dict_writer(manifest, fieldnames=MANIFEST_COLUMNS)
    writer.writeheader()
    seen: set[str] = set()
    count = 0
    # PDFs are compressed already: storing them costs no time and loses next to nothing.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for message_id, pdf, metadata in letters:
            message_id = str(message_id)
            if not _MESSAGE_ID.match(message_id) or message_id in {".", ".."}:
                raise ValueError(f"{message_id!r} can't be used as a file name")
            if message_id in seen:
                raise ValueError(f"{message_id!r} is in the batch twice")
            seen.add(message_id)
            writer.writerow(_manifest_row(message_id, pdf, metadata))
            archive.writestr(f"{message_id}.pdf", pdf)
            count += 1
        archive.writestr(
            zipfile.ZipInfo("manifest.csv", date_time=datetime.datetime.now().timetuple()[:6]),
            manifest.getvalue().encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return count
