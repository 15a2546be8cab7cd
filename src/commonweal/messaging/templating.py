"""Message templates with placeholders, written the way GOV.UK Notify writes them.

``((name))`` is replaced by a value; ``((flag??text))`` shows ``text`` only when the value of
``flag`` is truthy. Names may use letters, numbers, spaces, underscores and hyphens, and are
compared ignoring case and surrounding spaces, so ``(( Given_Name ))`` and ``((given_name))``
are the same placeholder. The text of an optional block can't hold placeholders or brackets
(Notify does not nest them). Everything else is literal text; a ``))`` on its own is literal,
but a ``((`` that is never closed is a mistake.

``sms_length`` says how many characters and text-message fragments a message costs, and which
characters made it cost more (GSM 03.38 extension characters count twice; anything outside
GSM, such as the Welsh ŵ, makes the whole message UCS-2).
"""

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _

__all__ = [
    "MissingData",
    "SmsLength",
    "TemplateError",
    "check",
    "flag_names",
    "normalise",
    "placeholders",
    "preview",
    "render",
    "sample_data",
    "sms_length",
]

OPEN = "(("
CLOSE = "))"
OPTIONAL = "??"

_NAME = re.compile(r"[\w \-]+")
_FALSE_WORDS = frozenset({"", "no", "false", "0"})
_SNIPPET = 30


class TemplateError(Exception):
    """The template can't be used; ``problems`` says why, one sentence per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class MissingData(Exception):
    """Some placeholders or flags have no value; ``missing`` names them all."""

    def __init__(self, missing: list[str]):
        self.missing = list(missing)
        super().__init__(
            _("No value for %(names)s") % {"names": ", ".join(_bracket(n) for n in self.missing)}
        )


def normalise(name: str) -> str:
    """The form names are compared in: trimmed, lower case."""
    return str(name).strip().lower()


# Parsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Placeholder:
    name: str  # normalised


@dataclass(frozen=True)
class _Optional:
    flag: str  # normalised
    text: str


_Part = _Text | _Placeholder | _Optional


@dataclass
class _Parsed:
    parts: list[_Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for part in self.parts:
            if isinstance(part, _Placeholder):
                seen.setdefault(part.name)
            elif isinstance(part, _Optional):
                seen.setdefault(part.flag)
        return list(seen)


def _bracket(name: str) -> str:
    return f"{OPEN}{name}{CLOSE}"


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


def _valid_name(name: str) -> bool:
    return bool(name.strip()) and _NAME.fullmatch(name) is not None


def _invalid_name(raw: str) -> str:
    return _(
        "%(placeholder)s is not a valid placeholder: use only letters, numbers, spaces, "
        "underscores and hyphens"
    ) % {"placeholder": _bracket(_snippet(raw))}


def _unclosed(after: str) -> str:
    return _("A (( is never closed with )): “((%(text)s”") % {"text": _snippet(after)}


def _parse(text: str) -> _Parsed:
    parsed = _Parsed()
    literal: list[str] = []

    def flush() -> None:
        if literal:
            parsed.parts.append(_Text("".join(literal)))
            literal.clear()

    position = 0
    while True:
        start = text.find(OPEN, position)
        if start == -1:
            literal.append(text[position:])
            break
        # In "(((name)))" the innermost pair is the placeholder and the outer brackets are text.
        run_end = start
        while run_end < len(text) and text[run_end] == "(":
            run_end += 1
        extra = run_end - start - 2
        if extra >= 2:
            close = text.find(CLOSE, run_end)
            end = len(text) if close == -1 else close + 2
            while end < len(text) and text[end] == ")":
                end += 1
            shown = text[start:end]
            parsed.problems.append(
                _("Too many brackets in “%(text)s”: a placeholder uses exactly two on each side")
                % {"text": _snippet(shown)}
            )
            literal.append(text[position:run_end])
            position = run_end
            continue
        literal.append(text[position : start + extra])
        opening = start + extra
        content_start = opening + 2
        close = text.find(CLOSE, content_start)
        if close == -1:
            parsed.problems.append(_unclosed(text[content_start:]))
            literal.append(OPEN)
            position = content_start
            continue
        content = text[content_start:close]
        inner = content.find(OPEN)
        if inner != -1 and OPTIONAL not in content[:inner]:
            # "((name then ((other))": the first "((" is never closed; carry on from the second.
            parsed.problems.append(_unclosed(content[:inner]))
            literal.append(OPEN + content[:inner])
            position = content_start + inner
            continue
        position = close + 2
        problem = _check_content(content)
        if problem:
            parsed.problems.append(problem)
            literal.append(text[opening:position])
            continue
        flush()
        if OPTIONAL in content:
            flag, _separator, shown = content.partition(OPTIONAL)
            parsed.parts.append(_Optional(normalise(flag), shown))
        else:
            parsed.parts.append(_Placeholder(normalise(content)))
    flush()
    return parsed


def _check_content(content: str) -> str | None:
    """What is wrong with the text between ``((`` and ``))``, if anything."""
    if OPTIONAL not in content:
        if not content.strip():
            return _("%(placeholder)s is empty: put a name between the brackets") % {
                "placeholder": _bracket(content)
            }
        return None if _valid_name(content) else _invalid_name(content)
    flag, _separator, shown = content.partition(OPTIONAL)
    if not flag.strip():
        return _("Optional text %(block)s needs a name before the ??") % {
            "block": _bracket(_snippet(content))
        }
    if not _valid_name(flag):
        return _invalid_name(flag)
    if "(" in shown or ")" in shown:
        return _("Optional text %(block)s can't contain brackets or other placeholders") % {
            "block": _bracket(_snippet(content))
        }
    return None


# Public API ---------------------------------------------------------------------------------


def placeholders(text: str) -> list[str]:
    """Normalised names used as placeholders or flags, in order of first use, once each.

    Pieces of the template with mistakes in them are left out; ``check`` reports them.
    """
    return _parse(text).names()


def flag_names(text: str) -> list[str]:
    """Normalised names used only as optional-text flags (never as plain placeholders)."""
    parsed = _parse(text)
    shown = {part.name for part in parsed.parts if isinstance(part, _Placeholder)}
    return [
        name
        for name in parsed.names()
        if name not in shown
        and any(isinstance(p, _Optional) and p.flag == name for p in parsed.parts)
    ]


def check(text: str, allowed: Iterable[str]) -> None:
    """Raise ``TemplateError`` listing every mistake in ``text`` and every name not in
    ``allowed``."""
    parsed = _parse(text)
    problems = list(parsed.problems)
    allowed_names = list(dict.fromkeys(normalise(name) for name in allowed))
    known = set(allowed_names)
    for name in parsed.names():
        if name in known:
            continue
        if allowed_names:
            problems.append(
                _("Unknown placeholder %(placeholder)s: use one of %(allowed)s")
                % {
                    "placeholder": _bracket(name),
                    "allowed": ", ".join(_bracket(n) for n in allowed_names),
                }
            )
        else:
            problems.append(
                _("Unknown placeholder %(placeholder)s: this message can't use placeholders")
                % {"placeholder": _bracket(name)}
            )
    if problems:
        raise TemplateError(problems)


def _normalised_data(data: Mapping[str, object]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in data.items():
        name = normalise(key)
        if name in result and result[name] is not value and result[name] != value:
            raise ValueError(f"Two different values for {_bracket(name)}")
        result[name] = value
    return result


def _truthy(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS
    if isinstance(value, int | float | Decimal):
        return value != 0
    return bool(value)


def _defuse(text: str) -> str:
    """Break up any ``((`` that values brought into the message, so nothing in the result can
    be read as a placeholder. A valid template's own text never contains ``((``."""
    while OPEN in text:
        text = text.replace(OPEN, "( (")
    return text


def render(text: str, data: Mapping[str, object]) -> str:
    """Fill in ``text`` from ``data`` (keys compared like names; values turned into text with
    ``str``).

    Raises ``TemplateError`` if the template has mistakes and ``MissingData`` naming every
    placeholder without a value (``None`` counts as no value) and every flag without a key.
    """
    parsed = _parse(text)
    if parsed.problems:
        raise TemplateError(parsed.problems)
    values = _normalised_data(data)
    missing: dict[str, None] = {}
    for part in parsed.parts:
        if isinstance(part, _Placeholder) and values.get(part.name) is None:
            missing.setdefault(part.name)
        elif isinstance(part, _Optional) and part.flag not in values:
            missing.setdefault(part.flag)
    if missing:
        raise MissingData(list(missing))
    return _defuse("".join(_render_parts(parsed.parts, values)))


def _render_parts(parts: list[_Part], values: Mapping[str, object]) -> Iterator[str]:
    for part in parts:
        if isinstance(part, _Text):
            yield part.text
        elif isinstance(part, _Placeholder):
            yield str(values[part.name])
        elif _truthy(values[part.flag]):
            yield part.text


_SAMPLES = {
    "name": "Sam Evans",
    "full_name": "Sam Evans",
    "given_name": "Sam",
    "first_name": "Sam",
    "family_name": "Evans",
    "last_name": "Evans",
    "surname": "Evans",
    "reference": "HB-4K7P-2XQM",
    "service": "parking permit",  # a service's plain name, as in "your parking permit application"
    "date": "3 March 2025",
    "due_date": "17 March 2025",
    "url": "https://www.example.gov.uk/check-your-application",
    "link": "https://www.example.gov.uk/check-your-application",
    "organisation": "Example Council",
    "email_address": "sam.evans@example.com",
    "phone_number": "07700 900123",
}


def _sample_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", normalise(name))


def sample_data(names: Iterable[str], *, flags: Iterable[str] = ()) -> dict[str, object]:
    """Readable made-up values for previewing a message, keyed by the names given.

    Common names get realistic values ("Sam Evans" for ``name``); anything else shows its own
    name in square brackets. Names listed in ``flags`` get ``True``, so optional text shows.
    """
    flag_set = {normalise(flag) for flag in flags}
    result: dict[str, object] = {}
    seen: set[str] = set()
    for name in [*names, *flags]:
        key = normalise(name)
        if key in seen:
            continue
        seen.add(key)
        if key in flag_set:
            result[name] = True
        else:
            result[name] = _SAMPLES.get(_sample_key(name), f"[{key}]")
    return result


def preview(text: str) -> str:
    """``text`` filled in with ``sample_data``; raises ``TemplateError`` for mistakes."""
    return render(text, sample_data(placeholders(text), flags=flag_names(text)))


# Text message length ------------------------------------------------------------------------

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE = 160
GSM_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67


@dataclass(frozen=True)
class SmsLength:
    characters: int
    fragments: int
    encoding: Literal["GSM", "UCS-2"]
    costly: list[str]


def _fragments(characters: int, single: int, part: int) -> int:
    if characters == 0:
        return 0
    if characters <= single:
        return 1
    return math.ceil(characters / part)


def sms_length(text: str) -> SmsLength:
    """How long ``text`` is as a text message, and how many fragments it is sent in."""
    costly = list(dict.fromkeys(ch for ch in text if ch not in GSM_BASIC))
    if all(ch in GSM_EXTENSION for ch in costly):
        characters = sum(2 if ch in GSM_EXTENSION else 1 for ch in text)
        return SmsLength(characters, _fragments(characters, GSM_SINGLE, GSM_PART), "GSM", costly)
    characters = len(text.encode("utf-16-le")) // 2
    return SmsLength(characters, _fragments(characters, UCS2_SINGLE, UCS2_PART), "UCS-2", costly)
