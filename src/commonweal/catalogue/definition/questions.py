"""The questions a service asks: pages of questions, their options and error texts, and
the conditions that show a page, with the words every part of a definition is made of."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commonweal.people.selectors import PERSON_FIELD_CHOICES, PERSON_FIELDS

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=60)]

# Each has an AnswerType in answers.py and markup in portal/jinja2/portal/journey/questions.html.
QuestionType = Literal[
    "text",
    "long_text",
    "number",
    "money",
    "date",
    "yes_no",
    "radios",
    "checkboxes",
    "address",
    "email",
    "phone",
    "ni_number",
    "bank_details",
    "file",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Words a person reads, in English and Welsh. Both are required."""

    en: Annotated[str, Field(min_length=1)]
    cy: Annotated[str, Field(min_length=1)]

    def text(self, language: str | None) -> str:
        return self.cy if language == "cy" else self.en


CONDITION_TESTS = (
    "equals",
    "not_equals",
    "one_of",
    "includes",
    "greater_than",
    "less_than",
    "answered",
)


class Condition(Strict):
    """When a page is shown: a test of an earlier answer, or all/any/not of conditions."""

    question: Identifier | None = None
    equals: str | bool | None = None
    not_equals: str | bool | None = None
    one_of: list[str] | None = None
    includes: str | None = None
    greater_than: Decimal | None = None
    less_than: Decimal | None = None
    answered: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def one_kind(self) -> Condition:
        tests = [name for name in CONDITION_TESTS if getattr(self, name) is not None]
        combinators = [n for n in ("all", "any", "not_") if getattr(self, n) is not None]
        if self.question is not None:
            if combinators:
                raise ValueError("a condition on a question cannot also have all, any or not")
            if len(tests) != 1:
                raise ValueError(
                    "a condition on a question needs exactly one test: "
                    + ", ".join(CONDITION_TESTS)
                )
        else:
            if tests:
                raise ValueError(f"'{tests[0]}' needs the question it tests")
            if len(combinators) != 1:
                raise ValueError("a condition needs a question, or exactly one of all, any, not")
        return self

    def questions(self) -> set[str]:
        """Every question this condition looks at."""
        if self.question is not None:
            return {self.question}
        found: set[str] = set()
        for child in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            found |= child.questions()
        return found

    def holds(self, answers: dict[str, Any]) -> bool:
        if self.all is not None:
            return all(child.holds(answers) for child in self.all)
        if self.any is not None:
            return any(child.holds(answers) for child in self.any)
        if self.not_ is not None:
            return not self.not_.holds(answers)
        value = answers.get(self.question)
        if self.answered is not None:
            return (value not in (None, "", [], {})) == self.answered
        if value is None:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.not_equals is not None:
            return value != self.not_equals
        if self.one_of is not None:
            return value in self.one_of
        if self.includes is not None:
            return isinstance(value, list) and self.includes in value
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            return False
        if self.greater_than is not None:
            return number > self.greater_than
        return number < self.less_than


_STAFF_PLACEHOLDER = re.compile(r"\{([^}]*)\}")


class StaffWords(Strict):
    """How caseworkers read an answer in the rules' plain sentences (docs/rules.md), when
    the question's own words do not say it well: `label` names the answer after the person
    ("savings": "Jordan's savings of £250"; Welsh "cynilion": "cynilion Jordan"), `plural`
    says the English label takes "are", and a yes/no question's `yes` and `no` are the
    facts its answers state, with {name} ("{name} gets Universal Credit")."""

    label: Text | None = None
    plural: bool = False
    yes: Text | None = None
    no: Text | None = None

    @model_validator(mode="after")
    def facts_name_the_person(self) -> StaffWords:
        if (self.yes is None) != (self.no is None):
            raise ValueError("caseworker: give both yes and no, or neither")
        for fact in (self.yes, self.no):
            for language in ("en", "cy"):
                text = getattr(fact, language) if fact else ""
                unknown = set(_STAFF_PLACEHOLDER.findall(text)) - {"name"}
                if unknown:
                    raise ValueError(
                        f"caseworker: the only placeholder a fact may have is {{name}}, "
                        f"not {{{sorted(unknown)[0]}}}"
                    )
        return self


def staff_words_fit(words: StaffWords | None, question_type: str) -> None:
    """Refuse yes/no facts on a question that is not yes/no."""
    if words is not None and words.yes is not None and question_type != "yes_no":
        raise ValueError("caseworker: yes and no are only for yes_no questions")


class Option(Strict):
    value: Identifier
    label: Text
    hint: Text | None = None
    # For checkboxes: "None of these", which cannot be chosen with anything else.
    exclusive: bool = False


class ErrorTexts(Strict):
    """Question-specific error messages, following the GOV.UK pattern ("Enter your name")."""

    required: Text | None = None


class Question(Strict):
    id: Identifier
    type: QuestionType
    label: Text
    hint: Text | None = None
    required: bool = True
    options: list[Option] | None = None
    person_field: str | None = None
    errors: ErrorTexts | None = None
    # Limits: characters for text, values for numbers and money.
    max_length: Annotated[int, Field(gt=0, le=10_000)] | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    whole_number: bool = False
    # Addresses: offer "find address by postcode" before typing it in.
    lookup: bool = False
    # Dates: "past" (like a date of birth), "future", or any date.
    date_must_be: Literal["past", "future"] | None = None
    # The shorter label used on "Check your answers".
    summary_label: Text | None = None
    # How caseworkers read the answer in the rules' plain sentences (optional).
    caseworker: StaffWords | None = None

    @model_validator(mode="after")
    def consistent(self) -> Question:
        staff_words_fit(self.caseworker, self.type)
        if self.type in ("radios", "checkboxes"):
            if not self.options or len(self.options) < 2:
                raise ValueError(f"a {self.type} question needs at least two options")
            values = [option.value for option in self.options]
            if len(set(values)) != len(values):
                raise ValueError("option values must be different from each other")
        elif self.options is not None:
            raise ValueError(f"a {self.type} question cannot have options")
        if any(option.exclusive for option in self.options or []) and self.type != "checkboxes":
            raise ValueError("only checkboxes can have an exclusive option")
        if self.max_length is not None and self.type not in ("text", "long_text"):
            raise ValueError("max_length is only for text and long_text questions")
        if (self.min is not None or self.max is not None) and self.type not in ("number", "money"):
            raise ValueError("min and max are only for number and money questions")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be more than max")
        if self.whole_number and self.type != "number":
            raise ValueError("whole_number is only for number questions")
        if self.lookup and self.type != "address":
            raise ValueError("lookup is only for address questions")
        if self.date_must_be is not None and self.type != "date":
            raise ValueError("date_must_be is only for date questions")
        if self.person_field is not None:
            if self.person_field not in PERSON_FIELDS:
                raise ValueError(
                    f"unknown person_field '{self.person_field}'; "
                    f"use one of {', '.join(PERSON_FIELDS)}"
                )
            if self.type not in PERSON_FIELDS[self.person_field]:
                raise ValueError(
                    f"person_field '{self.person_field}' needs a question of type "
                    + " or ".join(PERSON_FIELDS[self.person_field])
                )
            allowed = PERSON_FIELD_CHOICES.get(self.person_field)
            if allowed is not None and not {o.value for o in self.options or []} <= allowed:
                raise ValueError(
                    f"person_field '{self.person_field}' can only offer the options "
                    + ", ".join(sorted(allowed))
                )
        return self

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options or [] if option.value == value), None)


class Page(Strict):
    """One thing per page: usually one question; related parts (a name) may share a page."""

    id: Identifier
    title: Text | None = None
    questions: Annotated[list[Question], Field(min_length=1)]
    show_if: Condition | None = None

    @model_validator(mode="after")
    def titled_when_several(self) -> Page:
        if len(self.questions) > 1 and self.title is None:
            raise ValueError("a page with more than one question needs a title")
        if len(self.questions) > 1 and any(q.lookup or q.type == "file" for q in self.questions):
            raise ValueError("an address look-up or a file upload must be alone on its page")
        return self

    @property
    def lookup_question(self) -> Question | None:
        """The address question to look up by postcode, when this page is one."""
        first = self.questions[0]
        return first if first.lookup else None
