"""Reasons a check gives, kept so each reader sees them in their own language.

A check runs in the worker, in English; the caseworker reading its result may read Welsh.
So a check does not hand back finished sentences: it hands back `Message`s, which remember
the words as written in the code (the gettext message id), the singular and plural forms
and the values put into them. The runner stores each reason twice: its English words (in
`CheckResult.reasons`, for logs, exports and anything reading plain text) and the message
(in `CheckResult.reason_messages`), which the case page translates into the reader's
language when it shows it (`shown`).

In a check module:

    from commonweal.checks.reasons import message as _
    from commonweal.checks.reasons import message_plural as ngettext

    _("No bank details were given.")
    ngettext("%(count)s other person", "%(count)s other people", count) % {"count": count}

Written as `_` and `ngettext`, the words are found by Babel like any other interface string
(`make messages-update`). A value may itself be a Message (a register's name, a status), and
is translated with the sentence. A check may still return plain strings: they are shown as
they are, or translated when the whole sentence is a message in the catalogue.

Service content is written in both languages in the definition, not in the catalogue: a
reason made of it is a `Message.in_languages({"en": ..., "cy": ...})`."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext, ngettext

STORED_LANGUAGE = "en"


class Message(str):
    """Words for a person to read: as a string, the English words (as the runner stores
    them); `text(language)` gives them in another (see the module)."""

    singular: str
    plural: str | None
    count: int | None
    params: dict[str, Any]
    languages: dict[str, str] | None

    def __new__(
        cls,
        singular: str = "",
        plural: str | None = None,
        count: int | None = None,
        params: dict[str, Any] | None = None,
        languages: dict[str, str] | None = None,
    ):
        params = params or {}
        if languages is not None:
            words = languages.get(STORED_LANGUAGE) or singular
        else:
            # English chooses the singular for one and the plural otherwise.
            words = singular if plural is None or count == 1 else plural
        if params:
            words = _filled(words, {name: _english(value) for name, value in params.items()})
        self = super().__new__(cls, words)
        self.singular = singular
        self.plural = plural
        self.count = count
        self.params = params
        self.languages = languages
        return self

    @classmethod
    def in_languages(cls, texts: dict[str, str], params: dict[str, Any] | None = None) -> Message:
        """Words written in each language already (service content), English the fallback."""
        return cls(singular=texts.get(STORED_LANGUAGE, ""), params=params, languages=dict(texts))

    def __mod__(self, params: dict[str, Any]) -> Message:
        return Message(
            self.singular, self.plural, self.count, {**self.params, **params}, self.languages
        )

    def __reduce__(self):
        return (Message, (self.singular, self.plural, self.count, self.params, self.languages))

    def text(self, language: str | None = None) -> str:
        """The words in `language` (the active language when None)."""
        if language is not None:
            with translation.override(language):
                return self.text()
        current = (translation.get_language() or STORED_LANGUAGE).split("-")[0]
        if self.languages is not None:
            words = self.languages.get(current) or self.languages.get(STORED_LANGUAGE, "")
        elif current == STORED_LANGUAGE:
            return str.__str__(self)
        elif self.plural is not None:
            words = ngettext(self.singular, self.plural, self.count or 0)
        else:
            words = gettext(self.singular)
        if not self.params:
            return words
        values = {name: _in_active_language(value) for name, value in self.params.items()}
        # A translation that lost a placeholder falls back to the English words.
        return _filled(words, values, otherwise=str.__str__(self))

    def as_data(self) -> dict:
        """The message as JSON, to be shown again later in any language."""
        data: dict[str, Any] = {"message": self.singular}
        if self.languages is not None:
            data["languages"] = self.languages
        if self.plural is not None:
            data["plural"] = self.plural
            data["count"] = self.count
        if self.params:
            data["params"] = {name: _value_data(value) for name, value in self.params.items()}
        return data

    @classmethod
    def from_data(cls, data: dict) -> Message:
        params = {
            name: _value_from_data(value) for name, value in (data.get("params") or {}).items()
        }
        return cls(
            singular=str(data.get("message", "")),
            plural=data.get("plural"),
            count=data.get("count"),
            params=params,
            languages=data.get("languages"),
        )


# A value put into a message may be a Message, or a list of them (shown joined by "; ").
LIST_SEPARATOR = "; "


def _english(value):
    if isinstance(value, Message):
        return str.__str__(value)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_english(item) for item in value)
    return value


def _in_active_language(value):
    if isinstance(value, Message):
        return value.text()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(_in_active_language(item)) for item in value)
    return value


def _value_data(value):
    if isinstance(value, Message):
        return value.as_data()
    if isinstance(value, list | tuple):
        return [_value_data(item) for item in value]
    return _plain(value)


def _value_from_data(value):
    if isinstance(value, dict):
        return Message.from_data(value)
    if isinstance(value, list):
        return [_value_from_data(item) for item in value]
    return value


def _filled(words: str, values: dict, otherwise: str | None = None) -> str:
    try:
        return words % values
    except (KeyError, TypeError, ValueError):
        return words if otherwise is None else otherwise


def _plain(value):
    """A value JSON can hold; anything else (a date, lazy text) as its text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def message(text: str) -> Message:
    """A sentence to translate when it is shown. Used as `_` in check modules."""
    return Message(text)


def message_plural(singular: str, plural: str, count: int) -> Message:
    """A sentence with singular and plural forms, chosen by `count` in the reader's
    language. Used as `ngettext` in check modules."""
    return Message(singular, plural, count)


def stored(reason) -> tuple[str, dict | None]:
    """A reason as the runner keeps it: its English words, and the message to show it in
    another language (None for plain text)."""
    if isinstance(reason, Message):
        return str.__str__(reason), reason.as_data()
    return str(reason), None


def shown(text: str, data: dict | None = None) -> str:
    """A stored reason in the active language: its message translated when there is one;
    otherwise the stored words, translated when they are a whole message of the catalogue
    (results stored before messages were kept, or plain text from a check)."""
    if data:
        try:
            return Message.from_data(data).text()
        except (TypeError, ValueError, AttributeError):
            return text
    return gettext(text) if text else text


def shown_all(texts, messages) -> list[str]:
    """A result's stored reasons (`reasons`, `reason_messages`) in the active language."""
    messages = list(messages or [])
    return [
        shown(text, messages[index] if index < len(messages) else None)
        for index, text in enumerate(texts or [])
    ]


def as_message(text: str, data: dict | None = None) -> Message:
    """A stored reason as a Message again, to put into other words (plain stored text is
    looked up in the catalogue when shown, as `shown` does)."""
    if data:
        try:
            return Message.from_data(data)
        except (TypeError, ValueError, AttributeError):
            pass
    return Message(text)


def english_message(lazy_text) -> Message:
    """A label written with gettext_lazy (a check's label, a status) as a Message: its
    English words are its message id."""
    with translation.override(STORED_LANGUAGE):
        return Message(str(lazy_text))
