"""The service designer's forms: reading posted fields into a definition's data (texts in
English and Welsh side by side, a question of any type, options, stages, reasons), and the
catalogue's refusals into GOV.UK error summaries. No page logic here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonweal.catalogue import services as catalogue_services

# Question types, in the order the form offers them, with their names for service owners.
QUESTION_TYPES = [
    ("text", gettext_lazy("Text (one line)")),
    ("long_text", gettext_lazy("Text (several lines)")),
    ("number", gettext_lazy("Number")),
    ("money", gettext_lazy("Amount of money")),
    ("date", gettext_lazy("Date")),
    ("yes_no", gettext_lazy("Yes or no")),
    ("radios", gettext_lazy("One choice (radios)")),
    ("checkboxes", gettext_lazy("Several choices (checkboxes)")),
    ("address", gettext_lazy("Address")),
    ("email", gettext_lazy("Email address")),
    ("phone", gettext_lazy("Phone number")),
    ("ni_number", gettext_lazy("National Insurance number")),
    ("bank_details", gettext_lazy("Bank details")),
    ("file", gettext_lazy("File upload")),
]
ELIGIBILITY_TYPES = [
    ("yes_no", gettext_lazy("Yes or no")),
    ("radios", gettext_lazy("One choice")),
    ("postcode", gettext_lazy("Postcode")),
]
OUTCOMES = ("approved", "refused", "withdrawn")
# Blank option rows offered below the existing ones (more appear after each save).
SPARE_OPTION_ROWS = 2


class Form:
    """Posted values read one at a time, collecting errors by field id."""

    def __init__(self, post: Any):
        self.post = post
        self.errors: dict[str, str] = {}

    def text(self, name: str) -> str:
        return str(self.post.get(name, "")).strip()

    def identifier(self, name: str, label: str) -> str:
        value = self.text(name)
        if not value:
            self.errors[name] = _("Enter the %(label)s") % {"label": label}
        return value

    def pair(self, name: str, label: str, *, required: bool = True) -> dict[str, str] | None:
        """A text in English and Welsh: both, or (when optional) neither."""
        english, welsh = self.text(f"{name}-en"), self.text(f"{name}-cy")
        if not english and not welsh and not required:
            return None
        if not english:
            self.errors[f"{name}-en"] = _("Enter the English for %(label)s") % {"label": label}
        if not welsh:
            self.errors[f"{name}-cy"] = _("Enter the Welsh for %(label)s") % {"label": label}
        return {"en": english, "cy": welsh}

    def whole_number(self, name: str, label: str, *, required: bool = False) -> int | None:
        value = self.text(name)
        if not value:
            if required:
                self.errors[name] = _("Enter the %(label)s") % {"label": label}
            return None
        if not value.isdigit() or len(value) > 6:
            self.errors[name] = _("%(label)s must be a whole number, like 10") % {"label": label}
            return None
        return int(value)

    def decimal(self, name: str, label: str) -> str | None:
        value = self.text(name)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or len(value) > 20:
            self.errors[name] = _("%(label)s must be a number, like 250 or 12.50") % {
                "label": label
            }
            return None
        return str(number)

    def checked(self, name: str) -> bool:
        return self.post.get(name) in ("1", "on", "true", "yes")

    def options(self) -> list[dict[str, Any]]:
        """The option rows: value, English and Welsh label, and (checkboxes) exclusive."""
        found = []
        for index in range(100):
            if f"option-{index}-value" not in self.post:
                break
            value = self.text(f"option-{index}-value")
            english = self.text(f"option-{index}-en")
            welsh = self.text(f"option-{index}-cy")
            if not (value or english or welsh):
                continue
            if not value:
                self.errors[f"option-{index}-value"] = _("Enter the option's value")
            label = self.pair(f"option-{index}", _("the option"))
            option: dict[str, Any] = {"value": value, "label": label}
            if self.checked(f"option-{index}-exclusive"):
                option["exclusive"] = True
            found.append(option)
        return found


def _keep_option_hints(options: list[dict[str, Any]], existing: dict[str, Any] | None) -> list:
    """The form does not show options' hints: each option keeps the hint it had."""
    hints = {
        option.get("value"): option["hint"]
        for option in (existing or {}).get("options") or []
        if option.get("hint")
    }
    for option in options:
        if option["value"] in hints:
            option["hint"] = hints[option["value"]]
    return options


def question_from_post(post: Any, existing: dict[str, Any] | None) -> tuple[dict, dict]:
    """A page question's data from its form, keeping the fields the form does not show
    (the caseworker's words); and the errors by field id."""
    form = Form(post)
    kind = form.text("type")
    if kind not in dict(QUESTION_TYPES):
        form.errors["type"] = _("Choose the kind of answer")
    question: dict[str, Any] = {
        key: value for key, value in (existing or {}).items() if key in ("caseworker",)
    }
    question["id"] = form.identifier("id", _("question id"))
    question["type"] = kind
    question["label"] = form.pair("label", _("the question"))
    optional = {
        "hint": form.pair("hint", _("the hint"), required=False),
        "summary_label": form.pair("summary_label", _("the short label"), required=False),
    }
    question.update({key: value for key, value in optional.items() if value is not None})
    required_error = form.pair("error_required", _("the error message"), required=False)
    if required_error is not None:
        question["errors"] = {"required": required_error}
    if not form.checked("required"):
        question["required"] = False
    if kind in ("radios", "checkboxes"):
        question["options"] = _keep_option_hints(form.options(), existing)
    limits = {
        "max_length": form.whole_number("max_length", _("Most characters")),
        "min": form.decimal("min", _("Smallest")),
        "max": form.decimal("max", _("Largest")),
    }
    question.update({key: value for key, value in limits.items() if value is not None})
    for flag in ("whole_number", "lookup"):
        if form.checked(flag):
            question[flag] = True
    if form.text("date_must_be") in ("past", "future"):
        question["date_must_be"] = form.text("date_must_be")
    if form.text("person_field"):
        question["person_field"] = form.text("person_field")
    return question, form.errors


def eligibility_question_from_post(post: Any, existing: dict[str, Any] | None) -> tuple[dict, dict]:
    form = Form(post)
    kind = form.text("type")
    if kind not in dict(ELIGIBILITY_TYPES):
        form.errors["type"] = _("Choose the kind of answer")
    question: dict[str, Any] = {
        key: value for key, value in (existing or {}).items() if key in ("caseworker", "errors")
    }
    question["id"] = form.identifier("id", _("question id"))
    question["type"] = kind
    question["label"] = form.pair("label", _("the question"))
    hint = form.pair("hint", _("the hint"), required=False)
    if hint is not None:
        question["hint"] = hint
    if kind == "radios":
        question["options"] = _keep_option_hints(form.options(), existing)
    if kind == "postcode":
        areas = form.text("postcode_areas").upper().replace(",", " ").split()
        question["postcode_areas"] = areas
        question["outside_outcome"] = form.text("outside_outcome")
    else:
        answers = form.text("not_eligible_answers").replace(",", " ").split()
        outcome = form.text("not_eligible_outcome")
        # The form changes the first rule; any others stay as they were.
        others = list((existing or {}).get("not_eligible_when") or [])[1:]
        if answers or outcome:
            question["not_eligible_when"] = [{"answer": answers, "outcome": outcome}, *others]
        elif others:
            question["not_eligible_when"] = others
    return question, form.errors


def stage_from_post(post: Any) -> tuple[dict, dict]:
    form = Form(post)
    stage: dict[str, Any] = {
        "id": form.identifier("id", _("stage id")),
        "title": form.pair("title", _("the stage's name")),
        "description": form.pair("description", _("what happens next")),
    }
    for flag in ("waiting_for_person", "final", "review"):
        if form.checked(flag):
            stage[flag] = True
    following = form.text("next").replace(",", " ").split()
    if following:
        stage["next"] = following
    outcomes = [outcome for outcome in OUTCOMES if form.checked(f"outcome-{outcome}")]
    if outcomes:
        stage["outcomes"] = outcomes
    return stage, form.errors


def reason_from_post(post: Any) -> tuple[dict, dict]:
    form = Form(post)
    outcome = form.text("outcome")
    if outcome not in OUTCOMES:
        form.errors["outcome"] = _("Choose the decision this reason is for")
    reason = {
        "id": form.identifier("id", _("reason id")),
        "outcome": outcome,
        "text": form.pair("text", _("the reason")),
    }
    return reason, form.errors


CONDITION_TESTS = [
    ("equals", gettext_lazy("is")),
    ("not_equals", gettext_lazy("is not")),
    ("one_of", gettext_lazy("is one of (separated by spaces)")),
    ("includes", gettext_lazy("includes (checkboxes)")),
    ("greater_than", gettext_lazy("is more than")),
    ("less_than", gettext_lazy("is less than")),
    ("answered", gettext_lazy("is answered")),
]


def condition_from_post(post: Any, question_types: dict[str, str]) -> tuple[str, dict]:
    """One test of one earlier answer, from the simple form, as the YAML the condition box
    holds (yes or no answers compared with true or false)."""
    form = Form(post)
    question = form.text("when-question")
    test = form.text("when-test")
    value = form.text("when-value")
    if question not in question_types:
        form.errors["when-question"] = _("Choose the question the page depends on")
    if test not in dict(CONDITION_TESTS):
        form.errors["when-test"] = _("Choose the test")
    elif test != "answered" and not value:
        form.errors["when-value"] = _("Enter the answer to compare with")
    if form.errors:
        return "", form.errors
    compared: Any = value
    if test == "answered":
        compared = True
    elif test == "one_of":
        compared = value.split()
    elif question_types[question] == "yes_no" and value.lower() in ("yes", "no", "true", "false"):
        compared = value.lower() in ("yes", "true")
    elif test in ("greater_than", "less_than"):
        compared = form.decimal("when-value", _("The answer to compare with"))
        if compared is None:
            return "", form.errors
        compared = float(compared) if "." in compared else int(compared)
    return yaml.safe_dump({"question": question, test: compared}, allow_unicode=True), {}


def error_list(errors: dict[str, str]) -> list[dict[str, str]]:
    return [{"text": text, "href": f"#{field}"} for field, text in errors.items()]


def refusal_list(error: catalogue_services.DefinitionError, href: str = "#main-content") -> list:
    """The catalogue's problems as an error summary: each with its line when it has one."""
    items = []
    for problem in error.problems:
        text = problem.message
        if problem.line:
            text = _("Line %(line)s: %(message)s") % {"line": problem.line, "message": text}
        if problem.where:
            text = f"{text} ({problem.where})"
        items.append({"text": text, "href": href})
    return items


def option_rows(options: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The option rows a form shows: the existing ones and a few blank ones."""
    rows = list(options or [])
    return rows + [{} for _index in range(SPARE_OPTION_ROWS)]
