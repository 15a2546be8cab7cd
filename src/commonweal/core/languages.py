"""The languages people speak: ISO 639-1 codes, their names, and which way they are written.

The list of codes and the names come from the Unicode CLDR through Babel (a dependency):
every two-letter code CLDR names in English is a language here. British Sign Language has
no ISO 639-1 code; it is `bfi`, its ISO 639-3 code, and only an interpreter's language can
be it (a message cannot be written in it). `both` is the platform's own value for "English
and Welsh, Welsh first", kept on a person's record as before.

The portal's and the workspace's own words stay English and Welsh; these are the person's
language for the messages we send them and the interpreter they need."""

from __future__ import annotations

import functools
import unicodedata

from babel import Locale, UnknownLocaleError

BSL = "bfi"
BOTH = "both"
_OWN_NAMES = {
    BSL: {"en": "British Sign Language", "cy": "Iaith Arwyddion Prydain"},
    BOTH: {"en": "English and Welsh", "cy": "Cymraeg a Saesneg"},
}


@functools.cache
def _names(in_language: str) -> dict[str, str]:
    try:
        names = Locale.parse(in_language).languages
    except (UnknownLocaleError, ValueError):
        names = Locale("en").languages
    return {code: name for code, name in names.items() if len(code) == 2 and code.isalpha()}


@functools.cache
def language_codes() -> frozenset[str]:
    """Every ISO 639-1 code a person's language may be."""
    return frozenset(_names("en"))


def is_language(code: str) -> bool:
    return code in language_codes()


def is_interpreter_language(code: str) -> bool:
    """A language an interpreter can speak: any ISO 639-1 language, or BSL (`bfi`)."""
    return code == BSL or is_language(code)


def language_name(code: str, in_language: str = "en") -> str:
    """The language's name in `in_language` (the reader's: English or Welsh); the code
    itself when it is not a language we know."""
    own = _OWN_NAMES.get(code)
    if own is not None:
        return own.get(in_language, own["en"])
    return _names(in_language).get(code) or _names("en").get(code) or code


def native_name(code: str) -> str:
    """The language's name in itself ("polski", "العربية"), for a person choosing it."""
    if code in _OWN_NAMES:
        return language_name(code)
    return _names(code).get(code) or language_name(code)


@functools.cache
def is_rtl(code: str) -> bool:
    """Whether the language is written right to left (Arabic, Urdu, Persian, Hebrew...)."""
    if code in _OWN_NAMES or not code:
        return False
    try:
        return bool(Locale.parse(code).character_order == "right-to-left")
    except (UnknownLocaleError, ValueError):
        return False


def direction(code: str) -> str:
    """The HTML `dir` value for text in the language: "rtl" or "ltr"."""
    return "rtl" if is_rtl(code) else "ltr"


def language_from_text(text: str, *, interpreter: bool = False) -> str | None:
    """The code for what someone typed: a code ("pl"), or a name in English, in Welsh or in
    the language itself ("Polish", "Pwyleg", "polski"), any case; "BSL" and "British Sign
    Language" for an interpreter. None when it is none of these."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    if interpreter and wanted in ("bsl", BSL, "british sign language", "iaith arwyddion prydain"):
        return BSL
    if is_language(wanted):
        return wanted
    for in_language in ("en", "cy"):
        for code, name in _names(in_language).items():
            if name.casefold() == wanted:
                return code
    # The names in the languages themselves: every locale read once, the first time.
    return _native_index().get(wanted)


@functools.cache
def _native_index() -> dict[str, str]:
    return {native_name(code).casefold(): code for code in sorted(language_codes())}


def text_direction(text: str) -> str:
    """Which way a piece of text runs, from its first strongly directional character (as a
    browser's `dir="auto"` decides): "rtl" for Arabic or Hebrew script, else "ltr"."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
