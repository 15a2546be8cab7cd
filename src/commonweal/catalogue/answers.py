"""Answer types: how each question type reads what a person typed, checks it and shows it.

Every type validates on the server with the GOV.UK Design System's error messages, keeps
what was typed for showing the page again, and turns a valid answer into a plain JSON value
(so a submitted application is a snapshot that needs no code to read).

A deployment can add a type by registering an `AnswerType` in `ANSWER_TYPES`.
"""

from __future__ import annotations

import datetime
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from commonweal.core import uk
from commonweal.core.text import CONTROL, LONE_SURROGATE

from .definition import Question


@dataclass
class FieldError:
    """One problem with an answer: the message, and the input(s) it is about."""

    message: str
    fields: list[str]  # input ids; the first is where the error summary links to


@dataclass
class Parsed:
    value: Any = None  # the normalised answer; None when nothing was given
    raw: dict[str, Any] = field(default_factory=dict)  # what was typed, to show again
    error: FieldError | None = None
    # Problems with other inputs of the same answer (bank details: the sort code and the
    # account number), so every one is shown at once, not one per try.
    more_errors: list[FieldError] = field(default_factory=list)

    @property
    def errors(self) -> list[FieldError]:
        return [self.error, *self.more_errors] if self.error is not None else []


def _required_message(question: Question, language: str, default: str) -> str:
    if question.errors and question.errors.required:
        return question.errors.required.text(language)
    return default


def _unanswered(question: Question, raw: dict, language: str, default: str, fields, empty=None):
    """Nothing given: an error if the question must be answered (in the question's own words
    when it has them), otherwise the type's empty answer."""
    if not question.required:
        return Parsed(empty, raw)
    return Parsed(None, raw, FieldError(_required_message(question, language, default), fields))


def _text(data, name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


class WrongAnswerShape(ValueError):
    """An answer sent as JSON that is not the JSON type its question takes; the message says
    which (for the API's field error)."""


def _json_string(value: Any, what: str = "Answer") -> str:
    if not isinstance(value, str):
        raise WrongAnswerShape(f"{what} must be a string")
    return value


def _json_parts(value: Any, parts: tuple[str, ...]) -> dict[str, str]:
    """An object of strings with only the named parts (an address, bank details)."""
    if not isinstance(value, dict):
        raise WrongAnswerShape(f"Answer must be an object with {', '.join(parts)}")
    unknown = sorted(set(value) - set(parts))
    if unknown:
        raise WrongAnswerShape(f"Answer has parts this question does not: {', '.join(unknown)}")
    return {part: _json_string(value.get(part, ""), part) for part in parts}


class AnswerType(ABC):
    name = ""

    def input_names(self, question: Question) -> list[str]:
        return [question.id]

    @abstractmethod
    def parse(self, question: Question, data, files, language: str) -> Parsed:
        """Read this question's inputs from the posted `data` and `files`."""

    def raw_from_value(self, question: Question, value: Any) -> dict[str, Any]:
        """The inputs' contents for an answer already given (editing it again)."""
        return {question.id: "" if value is None else str(value)}

    def raw_from_json(self, question: Question, value: Any) -> dict[str, Any]:
        """The inputs as the page would post them, from an answer sent as JSON (the API).
        Refuses (WrongAnswerShape) a value of the wrong JSON type: a text answer must be a
        string, never a number, a list or an object."""
        if value is None:
            return {}
        return {question.id: _json_string(value)}

    def display(self, question: Question, value: Any, language: str) -> list[str]:
        """Lines to show on "Check your answers" and to staff."""
        return [] if value in (None, "") else [str(value)]


class AnswerRefused(ValueError):
    """What an answer type's `normalise` raises when the answer is not valid: the message,
    and the inputs it is about (left out: every input of the answer). `more` are problems
    with other inputs of the same answer, so every one is shown at once."""

    def __init__(
        self, message: str, fields: list[str] | None = None, more: list[FieldError] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.more = more or []


class InputAnswer(AnswerType):
    """The steps every answer typed into inputs shares: read what was typed (trimmed) and
    keep it to show again; nothing typed is the question's `required` words (or the type's
    `unanswered` message), or the type's `empty` answer when the question is optional; then
    the type's `normalise` turns it into the plain value kept, or refuses it with
    AnswerRefused.

    An answer of one input (`parts` left empty) is normalised from its text; one of several
    (an address, bank details, a date) from a dict of its parts, whose inputs are named
    `<question id>-<part>`."""

    parts: tuple[str, ...] = ()
    empty: Any = None  # the answer to an optional question left blank

    @abstractmethod
    def unanswered(self) -> str:
        """The message when nothing was given and the question has no words of its own."""

    @abstractmethod
    def normalise(self, question: Question, typed, language: str) -> Any:
        """The value kept for what was typed (a string, or a dict of the parts), or
        AnswerRefused."""

    def _name(self, question: Question, part: str) -> str:
        return f"{question.id}-{part.replace('_', '-')}"

    def input_names(self, question):
        if not self.parts:
            return [question.id]
        return [self._name(question, part) for part in self.parts]

    def unanswered_fields(self, question: Question) -> list[str]:
        """The input the error summary links to when nothing was given."""
        return self.input_names(question)[:1]

    def raw_from_value(self, question, value):
        if not self.parts:
            return super().raw_from_value(question, value)
        value = value or {}
        return {self._name(question, part): value.get(part, "") for part in self.parts}

    def raw_from_json(self, question, value):
        if not self.parts or value is None:
            return super().raw_from_json(question, value)
        return self.raw_from_value(question, _json_parts(value, self.parts))

    def parse(self, question, data, files, language):
        names = self.input_names(question)
        raw = {name: _text(data, name) for name in names}
        if not any(raw.values()):
            return _unanswered(
                question,
                raw,
                language,
                self.unanswered(),
                self.unanswered_fields(question),
                empty=self.empty,
            )
        typed = dict(zip(self.parts, raw.values(), strict=True)) if self.parts else raw[question.id]
        try:
            value = self.normalise(question, typed, language)
        except AnswerRefused as refused:
            error = FieldError(refused.message, refused.fields or names)
            return Parsed(None, raw, error, refused.more)
        return Parsed(value, raw)


class TextAnswer(InputAnswer):
    name = "text"
    default_max_length = 500
    empty = ""

    def unanswered(self):
        return _("Enter your answer")

    def normalise(self, question, typed, language):
        limit = question.max_length or self.default_max_length
        if len(typed) > limit:
            raise AnswerRefused(_("Answer must be %(limit)s characters or less") % {"limit": limit})
        return typed


class LongTextAnswer(TextAnswer):
    name = "long_text"
    default_max_length = 5000


def _decimal(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").replace(" ", "")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _json_number(question: Question, value: Any) -> dict[str, Any]:
    """A number question takes a JSON number or a string (as typed); never true or false."""
    if value is None:
        return {}
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise WrongAnswerShape("Answer must be a number or a string")
    return {question.id: value if isinstance(value, str) else str(value)}


class NumberAnswer(InputAnswer):
    name = "number"

    def raw_from_json(self, question, value):
        return _json_number(question, value)

    def unanswered(self):
        return _("Enter a number")

    def normalise(self, question, typed, language):
        number = _decimal(typed)
        if number is None:
            raise AnswerRefused(_("Enter a number, like 3"))
        if question.whole_number and number != number.to_integral_value():
            raise AnswerRefused(_("Enter a whole number, like 3"))
        error = _range_error(question, number, str)
        if error:
            raise AnswerRefused(error)
        return str(int(number)) if number == number.to_integral_value() else str(number)


def _range_error(question: Question, number: Decimal, show) -> str | None:
    low, high = question.min, question.max
    if low is not None and high is not None and not low <= number <= high:
        return _("Enter a number between %(min)s and %(max)s") % {
            "min": show(low),
            "max": show(high),
        }
    if low is not None and number < low:
        return _("Enter a number that is %(min)s or more") % {"min": show(low)}
    if high is not None and number > high:
        return _("Enter a number that is %(max)s or less") % {"max": show(high)}
    return None


def _pounds(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


class MoneyAnswer(InputAnswer):
    name = "money"

    def raw_from_json(self, question, value):
        return _json_number(question, value)

    def unanswered(self):
        return _("Enter an amount")

    def normalise(self, question, typed, language):
        amount = _decimal(typed.lstrip("£").strip())
        if amount is None or amount.as_tuple().exponent < -2:
            raise AnswerRefused(_("Enter an amount in pounds and pence, like 150 or 150.50"))
        if amount < 0:
            raise AnswerRefused(_("Amount must be £0 or more"))
        low, high = question.min, question.max
        if low is not None and high is not None and not low <= amount <= high:
            raise AnswerRefused(
                _("Amount must be between %(min)s and %(max)s")
                % {"min": _pounds(low), "max": _pounds(high)}
            )
        if low is not None and amount < low:
            raise AnswerRefused(_("Amount must be %(min)s or more") % {"min": _pounds(low)})
        if high is not None and amount > high:
            raise AnswerRefused(_("Amount must be %(max)s or less") % {"max": _pounds(high)})
        return f"{amount:.2f}"

    def display(self, question, value, language):
        return [] if value in (None, "") else [_pounds(Decimal(value))]


class DateAnswer(InputAnswer):
    name = "date"
    parts = ("day", "month", "year")

    def raw_from_json(self, question, value):
        if value is None:
            return {}
        try:
            return self.raw_from_value(question, _json_string(value))
        except ValueError:
            raise WrongAnswerShape("Answer must be a date written YYYY-MM-DD") from None

    def raw_from_value(self, question, value):
        if not value:
            return {}
        day = datetime.date.fromisoformat(value)
        return {
            f"{question.id}-day": str(day.day),
            f"{question.id}-month": str(day.month),
            f"{question.id}-year": str(day.year),
        }

    def unanswered(self):
        return _("Enter a date")

    def unanswered_fields(self, question):
        return self.input_names(question)

    def normalise(self, question, typed, language):
        missing = [part for part in self.parts if not typed[part]]
        if missing:
            messages = {
                ("day",): _("Date must include a day"),
                ("month",): _("Date must include a month"),
                ("year",): _("Date must include a year"),
                ("day", "month"): _("Date must include a day and month"),
                ("day", "year"): _("Date must include a day and year"),
                ("month", "year"): _("Date must include a month and year"),
            }
            fields = [f"{question.id}-{part}" for part in missing]
            raise AnswerRefused(messages[tuple(missing)], fields)
        if not all(typed[part].isdigit() for part in self.parts):
            raise AnswerRefused(_("Date must be a real date"))
        if len(typed["year"]) != 4:
            raise AnswerRefused(_("Year must include 4 numbers"), [f"{question.id}-year"])
        try:
            day = datetime.date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
        except (ValueError, OverflowError):
            raise AnswerRefused(_("Date must be a real date")) from None
        today = timezone.localdate()
        if question.date_must_be == "past" and day >= today:
            raise AnswerRefused(_("Date must be in the past"))
        if question.date_must_be == "future" and day <= today:
            raise AnswerRefused(_("Date must be in the future"))
        if day.year < 1900:
            raise AnswerRefused(_("Date must be after 1 January 1900"))
        return day.isoformat()

    def display(self, question, value, language):
        if not value:
            return []
        with translation.override(language):
            return [formats.date_format(datetime.date.fromisoformat(value), "j F Y")]


class YesNoAnswer(InputAnswer):
    name = "yes_no"

    def raw_from_value(self, question, value):
        return {question.id: {True: "yes", False: "no"}.get(value, "")}

    def raw_from_json(self, question, value):
        if value is not None and not isinstance(value, bool):
            raise WrongAnswerShape("Answer must be true or false")
        return self.raw_from_value(question, value)

    def unanswered(self):
        return _("Select yes or no")

    def normalise(self, question, typed, language):
        if typed not in ("yes", "no"):
            raise AnswerRefused(_required_message(question, language, self.unanswered()))
        return typed == "yes"

    def display(self, question, value, language):
        if value is None:
            return []
        with translation.override(language):
            return [_("Yes") if value else _("No")]


class RadiosAnswer(InputAnswer):
    name = "radios"

    def unanswered(self):
        return _("Select an option")

    def normalise(self, question, typed, language):
        if question.option(typed) is None:
            raise AnswerRefused(_required_message(question, language, self.unanswered()))
        return typed

    def display(self, question, value, language):
        option = question.option(value) if value else None
        return [option.label.text(language)] if option else []


class CheckboxesAnswer(AnswerType):
    name = "checkboxes"

    def raw_from_value(self, question, value):
        return {question.id: list(value or [])}

    def raw_from_json(self, question, value):
        if value is None:
            return {}
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise WrongAnswerShape("Answer must be a list of option values (strings)")
        return {question.id: value}

    def parse(self, question, data, files, language):
        chosen = (
            data.getlist(question.id) if hasattr(data, "getlist") else data.get(question.id, [])
        )
        chosen = [value for value in chosen if isinstance(value, str)]
        raw = {question.id: chosen}
        valid = [option.value for option in question.options if option.value in chosen]
        if len(valid) != len(set(chosen)):
            return Parsed(None, raw, FieldError(_("Select from the options given"), [question.id]))
        if not valid:
            default = _("Select at least one option")
            return _unanswered(question, raw, language, default, [question.id], empty=[])
        exclusive = [o for o in question.options if o.exclusive and o.value in valid]
        if exclusive and len(valid) > 1:
            message = _("Select the options that apply, or select only “%(option)s”") % {
                "option": exclusive[0].label.text(language)
            }
            return Parsed(None, raw, FieldError(message, [question.id]))
        return Parsed(valid, raw)

    def display(self, question, value, language):
        return [
            option.label.text(language)
            for option in question.options
            if option.value in (value or [])
        ]


class AddressAnswer(InputAnswer):
    name = "address"
    parts = ("line_1", "line_2", "town", "county", "postcode")
    limits = {"line_1": 200, "line_2": 200, "town": 100, "county": 100, "postcode": 10}

    def unanswered(self):
        return _("Enter address line 1, typically the building and street")

    def normalise(self, question, typed, language):
        for part in self.parts:
            if len(typed[part]) > self.limits[part]:
                message = _("Address line must be %(limit)s characters or less") % {
                    "limit": self.limits[part]
                }
                raise AnswerRefused(message, [self._name(question, part)])
        if not typed["line_1"]:
            raise AnswerRefused(self.unanswered(), [self._name(question, "line_1")])
        if not typed["town"]:
            raise AnswerRefused(_("Enter town or city"), [self._name(question, "town")])
        if not typed["postcode"]:
            raise AnswerRefused(_("Enter postcode"), [self._name(question, "postcode")])
        postcode = uk.normalise_postcode(typed["postcode"])
        if postcode is None:
            raise AnswerRefused(_("Enter a real postcode"), [self._name(question, "postcode")])
        return {**typed, "postcode": postcode}

    def display(self, question, value, language):
        if not value:
            return []
        return [value[part] for part in self.parts if value.get(part)]


class EmailAnswer(InputAnswer):
    name = "email"

    def unanswered(self):
        return _("Enter an email address")

    def normalise(self, question, typed, language):
        try:
            validate_email(typed)
        except ValidationError:
            raise AnswerRefused(
                _("Enter an email address in the correct format, like name@example.com")
            ) from None
        return typed.lower()


class PhoneAnswer(InputAnswer):
    name = "phone"

    def raw_from_value(self, question, value):
        return {question.id: uk.format_phone(value) if value else ""}

    def unanswered(self):
        return _("Enter a telephone number")

    def normalise(self, question, typed, language):
        number = uk.normalise_uk_phone(typed)
        if number is None:
            raise AnswerRefused(
                _("Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")
            )
        return number

    def display(self, question, value, language):
        return [uk.format_phone(value)] if value else []


class NiNumberAnswer(InputAnswer):
    name = "ni_number"

    def raw_from_value(self, question, value):
        return {question.id: uk.format_ni_number(value) if value else ""}

    def unanswered(self):
        return _("Enter a National Insurance number")

    def normalise(self, question, typed, language):
        number = uk.normalise_ni_number(typed)
        if number is None:
            raise AnswerRefused(_("Enter a National Insurance number in the correct format"))
        return number

    def display(self, question, value, language):
        return [uk.format_ni_number(value)] if value else []


class BankDetailsAnswer(InputAnswer):
    name = "bank_details"
    parts = ("name", "sort_code", "account_number")

    def unanswered(self):
        return _("Enter the name on the account")

    def normalise(self, question, typed, language):
        # Each part is checked on its own, so every problem is shown at once.
        errors = [
            FieldError(message, [self._name(question, part)])
            for part, message in (
                ("name", self._name_problem(typed["name"])),
                ("sort_code", self._sort_code_problem(typed["sort_code"])),
                ("account_number", self._account_number_problem(typed["account_number"])),
            )
            if message
        ]
        if errors:
            raise AnswerRefused(errors[0].message, errors[0].fields, errors[1:])
        return {
            "name": typed["name"],
            "sort_code": uk.normalise_sort_code(typed["sort_code"]),
            "account_number": uk.normalise_account_number(typed["account_number"]),
        }

    @staticmethod
    def _name_problem(name: str) -> str:
        if not name:
            return _("Enter the name on the account")
        if len(name) > 100:
            return _("Name on the account must be 100 characters or less")
        return ""

    @staticmethod
    def _sort_code_problem(sort_code: str) -> str:
        if not sort_code:
            return _("Enter a sort code")
        if uk.normalise_sort_code(sort_code) is None:
            return _("Enter a valid sort code like 309430")
        return ""

    @staticmethod
    def _account_number_problem(account_number: str) -> str:
        if not account_number:
            return _("Enter an account number")
        digits = re.sub(r"[\s-]+", "", account_number)
        if digits.isdigit() and not 6 <= len(digits) <= 8:
            return _("Account number must be between 6 and 8 digits")
        if uk.normalise_account_number(account_number) is None:
            return _("Enter a valid account number like 00733445")
        return ""

    def display(self, question, value, language):
        if not value:
            return []
        return [
            value["name"],
            uk.format_sort_code(value["sort_code"]),
            # Only the last four digits are shown back, as banks do.
            "••••" + value["account_number"][-4:],
        ]


# What a person may upload, recognised by the file's content, never by its name.
ALLOWED_UPLOAD_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}


def check_upload(upload) -> tuple[str | None, str | None]:
    """A file's real type, judged by its content (not its name), or why it is refused."""
    limit = settings.COMMONWEAL_UPLOAD_MAX_BYTES
    if upload.size == 0:
        return None, _("The selected file is empty")
    if upload.size > limit:
        return None, _("The selected file must be smaller than %(size)sMB") % {
            "size": limit // (1024 * 1024)
        }
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    if kind is None or kind.mime not in ALLOWED_UPLOAD_TYPES:
        return None, _("The selected file must be a JPG, PNG or PDF")
    return kind.mime, None


class FileAnswer(AnswerType):
    """An uploaded file. Parsing checks it; the intake app stores it and keeps a reference."""

    name = "file"

    def raw_from_value(self, question, value):
        return {question.id: value or None}

    def parse(self, question, data, files, language):
        upload = files.get(question.id) if files else None
        if upload is None or not getattr(upload, "name", ""):
            return _unanswered(question, {}, language, _("Select a file"), [question.id])
        content_type, error = check_upload(upload)
        if error:
            return Parsed(None, {}, FieldError(error, [question.id]))
        return Parsed({"file": upload, "content_type": content_type}, {})

    def display(self, question, value, language):
        return [value["name"]] if value else []


ANSWER_TYPES: dict[str, AnswerType] = {
    answer_type.name: answer_type
    for answer_type in (
        TextAnswer(),
        LongTextAnswer(),
        NumberAnswer(),
        MoneyAnswer(),
        DateAnswer(),
        YesNoAnswer(),
        RadiosAnswer(),
        CheckboxesAnswer(),
        AddressAnswer(),
        EmailAnswer(),
        PhoneAnswer(),
        NiNumberAnswer(),
        BankDetailsAnswer(),
        FileAnswer(),
    )
}


def answer_type(question: Question) -> AnswerType:
    return ANSWER_TYPES[question.type]


def _typed_values(data, name: str) -> list:
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name)
    return value if isinstance(value, list) else [value]


def _unprintable(value) -> bool:
    return isinstance(value, str) and bool(CONTROL.search(value) or LONE_SURROGATE.search(value))


def _printable(value):
    return CONTROL.sub("", LONE_SURROGATE.sub("", value)) if isinstance(value, str) else value


def parse_answer(question: Question, data, files, language: str) -> Parsed:
    """One question's answer as every page and the API read it: the type's own checks, and
    before them a refusal of characters no answer may hold (a NUL or another control
    character that cannot be typed or printed, a lone surrogate), so none reaches the
    database, a letter or a file."""
    answer = answer_type(question)
    parsed = answer.parse(question, data, files, language)
    bad = [
        name
        for name in answer.input_names(question)
        if any(_unprintable(value) for value in _typed_values(data, name))
    ]
    if not bad:
        return parsed
    # What was typed is shown again without the characters that cannot be shown.
    shown = {
        name: [_printable(item) for item in value] if isinstance(value, list) else _printable(value)
        for name, value in parsed.raw.items()
    }
    message = _("Answer must not include hidden characters, like a null character")
    return Parsed(None, shown, FieldError(message, bad))
