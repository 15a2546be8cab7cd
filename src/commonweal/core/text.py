"""Characters that no stored text may hold, found before anything is written.

- A lone surrogate (`"\\ud800"` in JSON) is not a character at all: it cannot be encoded as
  UTF-8, so the database, a page or a file would fail on it. Form posts and query strings
  cannot carry one (Django decodes them with replacement characters); JSON can.
- NUL (U+0000) ends a string in C: PostgreSQL refuses it in text and in JSON.
- Other control characters (U+0001 to U+001F except tab, line feed and carriage return)
  cannot be typed and cannot be printed; answers refuse them too.
"""

from __future__ import annotations

import json
import re
from typing import Any

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
NUL = "\x00"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class UnreadableText(ValueError):
    """Text holding a lone surrogate or a NUL; `field` is where, as a dotted path."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field or 'body'}: {problem}")
        self.field = field
        self.problem = problem

    @property
    def message(self) -> str:
        if self.problem == "surrogate":
            return "Contains a lone surrogate (\\ud800 to \\udfff), which is not a character"
        return "Contains a NUL character (\\u0000)"


def text_problem(text: str) -> str | None:
    """'surrogate', 'nul' or None."""
    if LONE_SURROGATE.search(text):
        return "surrogate"
    if NUL in text:
        return "nul"
    return None


def has_control_characters(text: str) -> bool:
    """NUL or another control character that cannot be typed or printed (not tab, line feed
    or carriage return)."""
    return bool(CONTROL.search(text))


def check_text_tree(value: Any, field: str = "") -> None:
    """Raise UnreadableText for the first string (or key) in a decoded JSON value that holds
    a lone surrogate or a NUL."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise UnreadableText(field, problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            problem = text_problem(name)
            if problem:
                # Say where without repeating the unreadable key itself.
                raise UnreadableText(field, problem)
            check_text_tree(item, f"{field}.{name}" if field else name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_text_tree(item, f"{field}.{index}" if field else str(index))


def json_loads_text(data: str | bytes) -> Any:
    """`json.loads`, refusing (UnreadableText, a ValueError) any string that holds a lone
    surrogate or a NUL."""
    value = json.loads(data)
    check_text_tree(value)
    return value
