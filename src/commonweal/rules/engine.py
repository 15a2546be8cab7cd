"""Running a service version's rules against an application's answers.

Order: derived values, then the decision tables (each may read the ones before it), then the
entitlement, then the rules (which may read `entitlement`). Every rule, row and amount is
recorded with the values it read and its words for the person, in English and Welsh, so the
result explains itself. Nothing here writes to the database: `services.rules_evaluate`
stores what this returns.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from commonweal.catalogue import rule_language as language
from commonweal.catalogue.rule_language import MISSING, Unknown, cel_name, lookup
from commonweal.core.jinja import date_long, money

ELIGIBLE, INELIGIBLE, REFER = "eligible", "ineligible", "refer"
LANGUAGES = ("en", "cy")


def ruleset_hash(definition) -> str:
    """A fingerprint of everything that decides the result, so two evaluations can be told
    apart when a draft's rules changed under the same version number."""
    parts = definition.model_dump(
        mode="json",
        include={"constants", "decision_tables", "entitlement", "rules", "eligibility", "pages"},
    )
    _without_staff_words(parts)
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _without_staff_words(parts: dict) -> None:
    """Leave out the words only caseworkers read (a question's `caseworker`, a constant's
    `label`, a table's `labels`): they decide nothing, and a definition that adds them keeps
    its fingerprint."""
    for constant in parts.get("constants") or []:
        constant.pop("label", None)
    for table in parts.get("decision_tables") or []:
        table.pop("labels", None)
    questions = [q for page in parts.get("pages") or [] for q in page.get("questions") or []]
    questions += (parts.get("eligibility") or {}).get("questions") or []
    for question in questions:
        question.pop("caseworker", None)


def has_rules(definition) -> bool:
    return bool(definition.rules or definition.entitlement or definition.decision_tables)


# What the expressions read, from the stored answers.


def inputs_for(definition, *, answers: dict, eligibility_answers: dict, today: datetime.date):
    """The values expressions read (namespace -> name -> value), from answers as stored."""
    read_answers = {}
    for question in definition.questions():
        value = language.answer_value(
            question.type, answers.get(question.id), whole_number=question.whole_number
        )
        if value is not MISSING:
            read_answers[cel_name(question.id)] = value
    read_eligibility = {}
    for question in definition.eligibility.questions if definition.eligibility else []:
        value = language.answer_value(question.type, eligibility_answers.get(question.id))
        if value is not MISSING:
            read_eligibility[cel_name(question.id)] = value
    derived = {}
    birth = definition.date_of_birth_question()
    if birth is not None and cel_name(birth.id) in read_answers:
        derived["age"] = language.age_on(read_answers[cel_name(birth.id)], today)
    return {
        "answers": read_answers,
        "eligibility": read_eligibility,
        "derived": derived,
        "constants": {cel_name(c.id): c.value for c in definition.constants},
        "tables": {},
    }


def _json(value: Any) -> Any:
    """A value as JSON can keep it (timestamps as dates)."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


# Showing values in words.


def _types(definition) -> dict[str, tuple]:
    """How to show each value, by path: (kind, question or None)."""
    types: dict[str, tuple] = {}
    for question in definition.questions():
        types[f"answers.{cel_name(question.id)}"] = (question.type, question)
    for question in definition.eligibility.questions if definition.eligibility else []:
        types[f"eligibility.{cel_name(question.id)}"] = (question.type, None)
    types["derived.age"] = ("number", None)
    for constant in definition.constants:
        types[f"constants.{cel_name(constant.id)}"] = (constant.type, None)
    for table in definition.decision_tables:
        for name, kind in table.outputs.items():
            types[f"tables.{cel_name(table.id)}.{cel_name(name)}"] = (kind, None)
    types["entitlement"] = ("money", None)
    return types


def show(value: Any, kind: str | None, question=None, language_code: str = "en") -> str:
    """A value as a person reads it, in `language_code`."""
    if value is MISSING or value is None:
        return _("not known")
    with translation.override(language_code):
        if kind == "money" and isinstance(value, int | float) and not isinstance(value, bool):
            return money(Decimal(int(value)) / 100)
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, datetime.datetime):
            return date_long(value.date())
        if question is not None and question.type in ("radios", "checkboxes"):
            chosen = value if isinstance(value, list) else [value]
            labels = []
            for item in chosen:
                option = question.option(item)
                labels.append(option.label.text(language_code) if option else str(item))
            return ", ".join(labels)
        if isinstance(value, dict):
            return ", ".join(str(item) for item in value.values() if item)
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if isinstance(value, float) and value == int(value):
            return str(int(value))
        return str(value)


class _Words:
    """Fills a text's {placeholders} from the values, in each language."""

    def __init__(self, definition, values: dict):
        self.definition = definition
        self.values = values
        self.types = _types(definition)

    def resolve(self, name: str, local: dict[str, tuple]) -> tuple[Any, str | None, Any]:
        name = cel_name(name)
        if name in local:
            return local[name]
        if "." in name:
            path = tuple(name.split("."))
            kind, question = self.types.get(name, (None, None))
            return lookup(self.values, path), kind, question
        for namespace in ("answers", "eligibility", "derived", "constants"):
            value = lookup(self.values, (namespace, name))
            if value is not MISSING:
                kind, question = self.types.get(f"{namespace}.{name}", (None, None))
                return value, kind, question
        return MISSING, None, None

    def fill(self, text, local: dict[str, tuple] | None = None) -> dict[str, str] | None:
        if text is None:
            return None
        from commonweal.catalogue.definition import PLACEHOLDER

        local = local or {}
        filled = {}
        for code in LANGUAGES:

            def replace(match, code=code):
                value, kind, question = self.resolve(match.group(1), local)
                return show(value, kind, question, code)

            filled[code] = PLACEHOLDER.sub(replace, text.text(code))
        return filled


def _values_read(source: str, values: dict, types: dict, local_types: dict | None = None) -> dict:
    """What an expression read: each path with its value and how it reads."""
    read = {}
    for path in language.references(source):
        key = ".".join(path[:3] if path[0] == "tables" else path[:2])
        value = lookup(values, tuple(key.split(".")))
        kind, question = (local_types or {}).get(key) or types.get(key, (None, None))
        read[key] = {
            "value": None if value is MISSING else _json(value),
            "shown": {code: show(value, kind, question, code) for code in LANGUAGES},
        }
    return read


# The evaluation.


def evaluate(definition, *, answers: dict, eligibility_answers: dict, today: datetime.date) -> dict:
    """Everything the rules found, as JSON: the outcome (eligible, ineligible or refer),
    the entitlement in pence, each table's row, each rule's result, the values each read,
    and the explanation for the person in English and Welsh."""
    values = inputs_for(
        definition, answers=answers, eligibility_answers=eligibility_answers, today=today
    )
    inputs = _json({key: value for key, value in values.items() if key != "tables"})
    words = _Words(definition, values)
    types = words.types
    problems: list[str] = []
    context = language.context_for(values)

    tables = []
    for table in definition.decision_tables:
        found = _run_table(table, values, context, words, types)
        tables.append(found)
        if found["error"]:
            problems.append(found["error"])
        else:
            values["tables"][cel_name(table.id)] = {
                cel_name(name): value for name, value in found["outputs"].items()
            }
            context.add_variable("tables", values["tables"])

    entitlement = None
    if definition.entitlement is not None:
        entitlement = _run_entitlement(definition.entitlement, values, context, words, types)
        if entitlement["amount"] is not None:
            values["entitlement"] = entitlement["amount"]
            context.add_variable("entitlement", entitlement["amount"])
        else:
            problems.append(entitlement["error"])

    rules = []
    for rule in definition.rules:
        found = _run_rule(rule, values, context, words, types)
        rules.append(found)

    decided = [found["decides"] for found in rules]
    if INELIGIBLE in decided:
        outcome = INELIGIBLE
    elif REFER in decided or problems:
        outcome = REFER
    else:
        outcome = ELIGIBLE
    return {
        "outcome": outcome,
        "inputs": inputs,
        "tables": tables,
        "entitlement": entitlement,
        "rules": rules,
        "problems": problems,
        "explanation": _explanation(outcome, rules, tables, entitlement),
    }


# A choice between two values read by name: `answers.has_partner ? answers.savings :
# answers.single_savings`.
_CHOICE = re.compile(r"^[\w.!&|() ]+\?\s*([\w.]+)\s*:\s*([\w.]+)$")


def _input_type(source: str, types: dict) -> tuple | None:
    """How to show a table input's value in words: as what it reads when it is one value
    read by name, or a choice between two of the same kind; otherwise None (shown as is)."""
    source = source.strip()
    paths = [".".join(path) for path in language.references(source)]
    if len(paths) == 1 and source == paths[0]:
        return types.get(paths[0], (None, None))
    choice = _CHOICE.match(source)
    if choice is not None:
        first, second = (types.get(path) for path in choice.groups())
        if first is not None and second is not None and first[0] == second[0]:
            return (first[0], first[1] if first[1] is second[1] else None)
    return None


def _run_table(table, values: dict, context, words: _Words, types: dict) -> dict:
    found = {
        "id": table.id,
        "hit_policy": table.hit_policy,
        "row": None,
        "outputs": {},
        "values": {},
        "error": None,
        "text": None,
    }
    row_values = dict(values)
    input_values, input_types = {}, {}
    for name, source in table.inputs.items():
        found["values"].update(_values_read(source, values, types))
        try:
            input_values[cel_name(name)] = language.evaluate(source, values, context)
        except Unknown as unknown:
            found["error"] = f"table '{table.id}' input '{name}': {unknown.reason}"
            return found
        shown_as = _input_type(source, types)
        if shown_as is not None:
            input_types[cel_name(name)] = shown_as
    row_values["inputs"] = input_values
    row_context = language.context_for(row_values)
    matches = []
    for number, row in enumerate(table.rows, start=1):
        if row.when is None:
            holds = True
        else:
            try:
                holds = language.evaluate(row.when, row_values, row_context) is True
            except Unknown as unknown:
                found["error"] = f"table '{table.id}' row {number}: {unknown.reason}"
                return found
        if holds:
            matches.append((number, row))
            if table.hit_policy == "first":
                break
    if not matches:
        found["error"] = f"table '{table.id}': no row matches"
        return found
    if len(matches) > 1:
        numbers = " and ".join(str(number) for number, _row in matches)
        found["error"] = f"table '{table.id}' is unique, but rows {numbers} all match"
        return found
    number, row = matches[0]
    found["row"] = number
    found["outputs"] = dict(row.then)
    found["outputs_shown"] = {
        name: {code: show(value, table.outputs[name], language_code=code) for code in LANGUAGES}
        for name, value in row.then.items()
    }
    local = {cel_name(name): (row.then[name], kind, None) for name, kind in table.outputs.items()}
    for name, value in input_values.items():
        kind, question = input_types.get(name, (None, None))
        local.setdefault(name, (value, kind, question))
    found["text"] = words.fill(row.text, local)
    return found


def _run_entitlement(entitlement, values: dict, context, words: _Words, types: dict) -> dict:
    found = {
        "amount": None,
        "maximum": None,
        "capped": False,
        "values": _values_read(entitlement.amount, values, types),
        "error": None,
        "text": None,
    }
    try:
        maximum = language.evaluate(entitlement.amount, values, context)
        if not isinstance(maximum, int) or isinstance(maximum, bool):
            raise Unknown("the amount is not a whole number of pence")
        maximum = max(0, maximum)
        amount = maximum
        if entitlement.cap is not None:
            found["values"].update(_values_read(entitlement.cap, values, types))
            cap = language.evaluate(entitlement.cap, values, context)
            if not isinstance(cap, int) or isinstance(cap, bool):
                raise Unknown("the cap is not a whole number of pence")
            if cap < amount:
                amount, found["capped"] = max(0, cap), True
    except Unknown as unknown:
        found["error"] = f"entitlement: {unknown.reason}"
        return found
    found["amount"], found["maximum"] = amount, maximum
    found["text"] = words.fill(
        entitlement.text,
        {"amount": (amount, "money", None), "maximum": (maximum, "money", None)},
    )
    return found


_DECIDES = {
    # effect -> (what it decides when the expression holds, when it does not)
    "eligible": (None, INELIGIBLE),
    "ineligible": (INELIGIBLE, None),
    "refer": (REFER, None),
}


def _run_rule(rule, values: dict, context, words: _Words, types: dict) -> dict:
    found = {
        "id": rule.id,
        "effect": rule.effect,
        "when": rule.when,
        "result": None,
        "decides": None,
        "values": _values_read(rule.when, values, types),
        "error": None,
        "text": None,
    }
    try:
        result = language.evaluate(rule.when, values, context)
        if not isinstance(result, bool):
            raise Unknown("it did not give true or false")
    except Unknown as unknown:
        found["error"] = unknown.reason
        found["decides"] = REFER
        return found
    found["result"] = result
    found["decides"] = _DECIDES[rule.effect][0 if result else 1]
    found["text"] = words.fill(rule.text if result else rule.text_otherwise)
    return found


def _explanation(outcome: str, rules: list, tables: list, entitlement: dict | None) -> dict:
    """The plain-language explanation for the person, in English and Welsh."""
    explanation = {}
    for code in LANGUAGES:
        with translation.override(code):
            if outcome == ELIGIBLE:
                items = [found["text"][code] for found in tables if found["text"]]
                items += [found["text"][code] for found in rules if found["text"]]
                if entitlement and entitlement["text"]:
                    intro = entitlement["text"][code]
                else:
                    intro = _("You meet the conditions because:")
            elif outcome == INELIGIBLE:
                intro = _("You do not meet the conditions because:")
                items = [
                    found["text"][code] if found["text"] else _("a condition was not met")
                    for found in rules
                    if found["decides"] == INELIGIBLE
                ]
            else:
                intro = _("Someone needs to look at your application because:")
                items = []
                for found in rules:
                    if found["decides"] != REFER:
                        continue
                    if found["error"]:
                        items.append(_("we could not check everything from the answers we have"))
                    elif found["text"]:
                        items.append(found["text"][code])
                if not items:
                    items.append(_("we could not check everything from the answers we have"))
                items = list(dict.fromkeys(items))
            lines = [intro, ""] + [f"- {item}" for item in items]
            explanation[code] = "\n".join(lines).strip()
    return explanation
