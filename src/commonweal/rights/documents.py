"""The download as a document a person can read (HTML, and a PDF made from it by
WeasyPrint, as letters are): every section's data laid out as headings, lists and tables,
whatever its shape, so a section registered by another app needs no template of its own."""

from __future__ import annotations

import datetime
import functools
import re

from django.utils.translation import gettext

from .sections import data_sections

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def label(key: str) -> str:
    """A data key as a heading: "sent_at" reads "Sent at"."""
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def readable(value, language: str = "en") -> str:
    """A single value as a person reads it: dates in words, yes and no, nothing for None."""
    from commonweal.core.jinja import date_long, datetime_long

    if value is None or value == "":
        return "–"
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return datetime_long(datetime.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date_long(datetime.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def document_context(data: dict, *, language: str) -> dict:
    titles = {section.name: section.title for section in data_sections()}
    return {
        "about": data["about"],
        "organisation": data["organisation"],
        "generated_at": readable(data["generated_at"], language),
        "sections": [
            {"name": name, "title": str(titles.get(name, label(name))), "data": value}
            for name, value in data["sections"].items()
        ],
        "label": label,
        "readable": lambda value: readable(value, language),
        "language": language,
    }


@functools.cache
def _font_config():
    # Finding the system's fonts takes a second or two: once per process, as for letters.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf_from_html(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf(font_config=_font_config())
