"""What the rules found, in caseworker words: one plain sentence for each rule, table and
amount, naming the person and the facts with their values and the limits they were compared
with ("Jordan's savings of £250 are under the £1,000 limit", "Jordan does not get Universal
Credit"). The engine's trace (expressions, paths, row numbers) stays behind these, for those
who want the working.

A condition is read from its CEL: a yes/no value, a comparison of two values, `!`, `&&`,
`||`, brackets, and (in tables) an input or a choice between two values. Each fact is said as
it is about the person, whatever way round the rule was written: `!eligibility.universal_credit`
and `eligibility.universal_credit` that does not hold both read "Jordan does not get Universal
Credit". Of an `&&` that does not hold, only the facts that failed are said; of an `||` that
holds, only those that held. A condition outside that shape falls back to the words the
person is told. Words come from the definition: a question's `caseworker` words, else its
summary label or label; a constant's or table output's `label`, else words from its id.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from commonweal.catalogue.rule_language import cel_name
from commonweal.core.jinja import date_long, money

if TYPE_CHECKING:
    from commonweal.catalogue.selectors import ServiceDefinition


@dataclass(frozen=True)
class PlainLine:
    """One thing the rules found, as a caseworker reads it."""

    kind: str  # "rule", "table" or "entitlement"
    text: str
    # What it decided: "ineligible", "refer", or None (a condition met, or an amount).
    decides: str | None = None


# Reading a condition.


class _CannotSay(Exception):
    """The condition is not one this module can put into words."""


class _NoValue(Exception):
    """A value the condition reads is missing."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


# Anything that stops a condition being put into words: the line falls back to plainer words.
_CANNOT_SAY = (_CannotSay, _NoValue, TypeError, ValueError, KeyError, IndexError, AttributeError)


@dataclass(frozen=True)
class _Path:
    path: str


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Not:
    operand: Any


@dataclass(frozen=True)
class _All:
    operands: tuple[Any, ...]


@dataclass(frozen=True)
class _Any:
    operands: tuple[Any, ...]


@dataclass(frozen=True)
class _Compare:
    operator: str
    left: Any
    right: Any


@dataclass(frozen=True)
class _Choice:
    condition: Any
    then: Any
    otherwise: Any


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<timestamp>timestamp\(\s*(?P<quote>["'])(?P<stamp>[^"']*)(?P=quote)\s*\))
    | (?P<string>"[^"\\]*"|'[^'\\]*')
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<op>&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|\?|:)
    )""",
    re.VERBOSE,
)


def _tokens(source: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position, source = 0, source.strip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise _CannotSay(source)
        position = match.end()
        if match.group("timestamp"):
            try:
                stamp = datetime.datetime.fromisoformat(match.group("stamp").replace("Z", ""))
            except ValueError:
                raise _CannotSay(source) from None
            found.append(("value", stamp.date()))
        elif match.group("string"):
            found.append(("value", match.group("string")[1:-1]))
        elif match.group("number"):
            number = match.group("number")
            found.append(("value", float(number) if "." in number else int(number)))
        elif match.group("name"):
            name = match.group("name")
            if name in ("true", "false"):
                found.append(("value", name == "true"))
            else:
                found.append(("path", name))
        else:
            found.append(("op", match.group("op")))
    return found


class _Parser:
    def __init__(self, source: str):
        self.tokens = _tokens(source)
        self.position = 0

    def parse(self) -> Any:
        node = self.choice()
        if self.position != len(self.tokens):
            raise _CannotSay("more after the end")
        return node

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.position += 1
            return True
        return False

    def choice(self) -> Any:
        condition = self.either()
        if not self.take("?"):
            return condition
        then = self.either()
        if not self.take(":"):
            raise _CannotSay("a choice without ':'")
        return _Choice(condition, then, self.either())

    def either(self) -> Any:
        operands = [self.both()]
        while self.take("||"):
            operands.append(self.both())
        return operands[0] if len(operands) == 1 else _Any(tuple(operands))

    def both(self) -> Any:
        operands = [self.negation()]
        while self.take("&&"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else _All(tuple(operands))

    def negation(self) -> Any:
        if self.take("!"):
            return _Not(self.negation())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.atom()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", "<", "<=", ">", ">="):
            self.position += 1
            return _Compare(token[1], left, self.atom())
        return left

    def atom(self) -> Any:
        token = self.peek()
        if token is None:
            raise _CannotSay("the condition ends too soon")
        if self.take("("):
            node = self.choice()
            if not self.take(")"):
                raise _CannotSay("a bracket is not closed")
            return node
        self.position += 1
        if token[0] == "path":
            return _Path(token[1])
        if token[0] == "value":
            return _Literal(token[1])
        raise _CannotSay(f"'{token[1]}' where a value should be")


def _parsed(source: str) -> Any:
    return _Parser(source).parse()


# What each value is called, and how it is shown.


@dataclass(frozen=True)
class _Fact:
    kind: str | None  # money, number, date, yes_no, radios, text...
    # The words for the value: its label (without an article when it is the person's).
    label: dict[str, str]
    # Whether it is the person's (an answer, their age) or the service's (a constant).
    persons: bool = True
    plural: bool = False
    # A yes/no answer's facts, with {name}.
    yes: dict[str, str] | None = None
    no: dict[str, str] | None = None
    # The question as the person was asked it (for a yes/no answer without facts).
    question: dict[str, str] | None = None
    options: dict[str, dict[str, str]] | None = None


def _both(text: Any) -> dict[str, str]:
    return {"en": text.en, "cy": text.cy}


def _lower_first(text: str) -> str:
    """A label as it reads mid-sentence ("Savings" -> "savings"; "NI number" stays)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _id_words(*ids: str) -> str:
    return " ".join(identifier.replace("-", " ").replace("_", " ") for identifier in ids)


def _id_label(*ids: str) -> dict[str, str]:
    """Words for a value the definition gives no label, from its ids ("the smallest loan")."""
    label = _("the %(words)s") % {"words": _id_words(*ids)}
    return {"en": label, "cy": label}


def _facts(definition: ServiceDefinition) -> dict[str, _Fact]:
    facts: dict[str, _Fact] = {}
    questions: list[tuple[str, Any]] = [
        ("answers", question) for question in definition.questions()
    ]
    questions += [
        ("eligibility", question)
        for question in (definition.eligibility.questions if definition.eligibility else [])
    ]
    for namespace, question in questions:
        words = question.caseworker
        summary = getattr(question, "summary_label", None)
        if words is not None and words.label is not None:
            label = _both(words.label)
        elif summary is not None:
            label = {code: _lower_first(text) for code, text in _both(summary).items()}
        else:
            label = {
                code: _("answer to “%(question)s”") % {"question": question.label.text(code)}
                for code in ("en", "cy")
            }
        facts[f"{namespace}.{cel_name(question.id)}"] = _Fact(
            kind=question.type,
            label=label,
            plural=bool(words and words.plural),
            yes=_both(words.yes) if words and words.yes else None,
            no=_both(words.no) if words and words.no else None,
            question=_both(question.label),
            options={option.value: _both(option.label) for option in question.options or []},
        )
    for constant in definition.constants:
        facts[f"constants.{cel_name(constant.id)}"] = _Fact(
            kind=constant.type,
            label=_both(constant.label) if constant.label else _id_label(constant.id),
            persons=False,
        )
    for table in definition.decision_tables:
        for name, kind in table.outputs.items():
            given = table.labels.get(name)
            facts[f"tables.{cel_name(table.id)}.{cel_name(name)}"] = _Fact(
                kind=kind,
                label=_both(given) if given else _id_label(table.id, name),
                persons=False,
            )
    return facts


_BUILT_IN = {
    # Translated when used (the words are the interface's).
    "derived.age": ("number", "age", True),
    "entitlement": ("money", "the amount worked out", False),
}


def _fact(facts: dict[str, _Fact], path: str, code: str) -> _Fact:
    if path in facts:
        return facts[path]
    if path in _BUILT_IN:
        kind, words, persons = _BUILT_IN[path]
        return _Fact(kind=kind, label={code: _(words)}, persons=persons)
    raise _CannotSay(f"nothing is known about {path}")


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError as error:
            raise _CannotSay(f"{value!r} is not a date") from error
    raise _CannotSay(f"{value!r} is not a date")


def _shown(value: Any, kind: str | None, fact: _Fact | None, code: str) -> str:
    """A value as people read it, in the active language."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if kind == "money" and isinstance(value, int | float):
        return money(Decimal(int(value)) / 100)
    if kind == "date" or isinstance(value, datetime.date):
        return date_long(_as_date(value))
    if fact is not None and fact.options:
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(
            fact.options[item][code] if item in fact.options else str(item) for item in chosen
        )
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


# Putting a condition into words.


@dataclass
class _Reader:
    facts: dict[str, _Fact]
    values: dict[str, Any]
    # In a table's row: its inputs, by name, as parsed expressions.
    inputs: dict[str, Any]
    name: str
    code: str

    def resolve(self, node: Any) -> Any:
        """A node with table inputs and choices replaced by what they read."""
        if isinstance(node, _Path) and node.path.startswith("inputs."):
            source = self.inputs.get(node.path.split(".", 1)[1])
            if source is None:
                raise _CannotSay(node.path)
            return self.resolve(source)
        if isinstance(node, _Choice):
            chosen = self.value(node.condition)
            return self.resolve(node.then if chosen is True else node.otherwise)
        return node

    def value(self, node: Any) -> Any:
        node = self.resolve(node)
        if isinstance(node, _Literal):
            return node.value
        if isinstance(node, _Path):
            if node.path not in self.values:
                raise _NoValue(node.path)
            return self.values[node.path]
        return self.explain(node)[0]

    def kind(self, node: Any) -> str | None:
        node = self.resolve(node)
        if isinstance(node, _Path):
            return _fact(self.facts, node.path, self.code).kind
        return None

    def explain(self, node: Any) -> tuple[bool, list[str]]:
        """Whether the condition holds, and the facts that made it so, each said as it is."""
        node = self.resolve(node)
        if isinstance(node, _Not):
            holds, said = self.explain(node.operand)
            return not holds, said
        if isinstance(node, _All):
            found = [self.explain(operand) for operand in node.operands]
            holds = all(held for held, _said in found)
            # When it fails, only the parts that failed decided it.
            chosen = found if holds else [item for item in found if not item[0]]
            return holds, [fact for _held, said in chosen for fact in said]
        if isinstance(node, _Any):
            found = [self.explain(operand) for operand in node.operands]
            holds = any(held for held, _said in found)
            # When it holds, only the parts that held decided it.
            chosen = [item for item in found if item[0]] if holds else found
            return holds, [fact for _held, said in chosen for fact in said]
        if isinstance(node, _Path):
            value = self.value(node)
            if not isinstance(value, bool):
                raise _CannotSay(f"{node.path} is not yes or no")
            return value, [self.yes_no(node.path, value)]
        if isinstance(node, _Literal):
            if not isinstance(node.value, bool):
                raise _CannotSay("a value that is not yes or no")
            return node.value, []
        if isinstance(node, _Compare):
            return self.compare(node)
        raise _CannotSay(repr(node))

    def yes_no(self, path: str, value: bool) -> str:
        fact = _fact(self.facts, path, self.code)
        given = fact.yes if value else fact.no
        if given is not None:
            return given[self.code].replace("{name}", self.name)
        answer = _("yes") if value else _("no")
        if fact.persons and fact.question is not None:
            return _("%(name)s answered %(answer)s to “%(question)s”") % {
                "name": self.name,
                "answer": answer,
                "question": fact.question[self.code],
            }
        return _("%(what)s: %(answer)s") % {"what": fact.label[self.code], "answer": answer}

    def compare(self, node: _Compare) -> tuple[bool, list[str]]:
        left, right = self.resolve(node.left), self.resolve(node.right)
        left_value, right_value = self.value(left), self.value(right)
        if isinstance(left, _Literal) and isinstance(right, _Path):
            # Say it about the named value: "500 < savings" is "savings over 500".
            flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(node.operator, node.operator)
            return self.compare(_Compare(flipped, right, left))
        if not isinstance(left, _Path):
            raise _CannotSay("a comparison of something other than a value")
        kind = self.kind(left) or self.kind(right)
        if isinstance(left_value, bool) or isinstance(right_value, bool):
            if node.operator not in ("==", "!="):
                raise _CannotSay("yes or no compared by size")
            holds = (left_value == right_value) == (node.operator == "==")
            return holds, [self.yes_no(left.path, bool(left_value))]
        if kind == "date":
            left_value, right_value = _as_date(left_value), _as_date(right_value)
        holds = _OPERATORS[node.operator](left_value, right_value)
        subject = self.subject(left, left_value, kind)
        limit = self.limit(right, right_value, kind)
        plural = _fact(self.facts, left.path, self.code).plural
        if kind in ("money", "number", "date") or (
            isinstance(left_value, int | float) and isinstance(right_value, int | float)
        ):
            if left_value < right_value:
                relation = "before" if kind == "date" else "under"
            elif left_value > right_value:
                relation = "after" if kind == "date" else "over"
            else:
                relation = "on" if kind == "date" else "equal"
            frame = _relation_frame(relation, plural)
        else:
            fact = _fact(self.facts, left.path, self.code)
            what = (
                _("%(name)s's %(label)s") % {"name": self.name, "label": fact.label[self.code]}
                if fact.persons
                else fact.label[self.code]
            )
            words = {
                "what": what,
                "value": _shown(left_value, kind, fact, self.code),
                "other": _shown(right_value, kind, fact, self.code),
            }
            if left_value == right_value:
                said = _("%(what)s is %(value)s") % words
            else:
                said = _("%(what)s is %(value)s, not %(other)s") % words
            return holds, [_welsh_articles(said, self.code)]
        return holds, [_welsh_articles(frame % {"subject": subject, "limit": limit}, self.code)]

    def subject(self, node: _Path, value: Any, kind: str | None) -> str:
        fact = _fact(self.facts, node.path, self.code)
        shown = _shown(value, kind, fact, self.code)
        if fact.persons:
            return self.persons_fact(fact, shown)
        return _("%(label)s, %(value)s,") % {"label": fact.label[self.code], "value": shown}

    def persons_fact(self, fact: _Fact, shown: str) -> str:
        """A fact about the person, with its value ("Jordan's savings of £250")."""
        return _("%(name)s's %(label)s of %(value)s") % {
            "name": self.name,
            "label": fact.label[self.code],
            "value": shown,
        }

    def limit(self, node: Any, value: Any, kind: str | None) -> str:
        if isinstance(node, _Path):
            fact = _fact(self.facts, node.path, self.code)
            shown = _shown(value, kind, fact, self.code)
            if fact.persons:
                return self.persons_fact(fact, shown)
            return _("%(label)s of %(value)s") % {"label": fact.label[self.code], "value": shown}
        shown = _shown(value, kind, None, self.code)
        if kind == "money":
            return _("the %(value)s limit") % {"value": shown}
        return shown


_OPERATORS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _relation_frame(relation: str, plural: bool) -> str:
    """How the subject stands to the limit, as it is (never as the rule was written)."""
    if relation == "under":
        return (
            _("%(subject)s are under %(limit)s") if plural else _("%(subject)s is under %(limit)s")
        )
    if relation == "over":
        return _("%(subject)s are over %(limit)s") if plural else _("%(subject)s is over %(limit)s")
    if relation == "equal":
        return (
            _("%(subject)s are exactly %(limit)s")
            if plural
            else _("%(subject)s is exactly %(limit)s")
        )
    if relation == "before":
        return _("%(subject)s is before %(limit)s")
    if relation == "after":
        return _("%(subject)s is after %(limit)s")
    return _("%(subject)s is the same as %(limit)s")


def _welsh_articles(text: str, code: str) -> str:
    """Welsh joins the article to the word before it ("i y" is "i'r", "Mae y" "Mae'r")."""
    if code != "cy":
        return text
    return re.sub(r"\b(i|Mae|mae|yw|â|o|a|na) (y|yr) ", r"\1'r ", text)


def _mid(fact: str, name: str) -> str:
    """A fact as it reads inside a sentence: "Neither Jordan..." -> "neither Jordan..."
    (a fact that starts with the person's name, or an abbreviation, stays as it is)."""
    if fact.startswith(name) or len(fact) < 2 or not fact[1].islower():
        return fact
    return fact[0].lower() + fact[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    ended = text.rstrip("”’\"'").endswith((".", "?", "!"))
    return text if ended else text + "."


# Every line of an evaluation.


def _values(inputs: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for namespace, entries in inputs.items():
        if isinstance(entries, dict):
            for name, value in entries.items():
                values[f"{namespace}.{name}"] = value
    for found in results.get("tables", []):
        for name, value in (found.get("outputs") or {}).items():
            values[f"tables.{cel_name(found['id'])}.{cel_name(name)}"] = value
    entitlement = results.get("entitlement")
    if entitlement and entitlement.get("amount") is not None:
        values["entitlement"] = entitlement["amount"]
    return values


def _missing(reader: _Reader, path: str) -> str:
    """A value that was not there, said as what is missing."""
    try:
        fact = _fact(reader.facts, path, reader.code)
    except _CannotSay:
        return _("Some of the answers the rules need are missing, so a person must decide")
    if fact.question is not None:
        return _("There is no answer to “%(question)s”, so a person must decide") % {
            "question": fact.question[reader.code]
        }
    return _("%(what)s could not be worked out, so a person must decide") % {
        "what": fact.label[reader.code]
    }


def plain_lines(
    definition: ServiceDefinition,
    *,
    results: dict[str, Any],
    inputs: dict[str, Any],
    name: str | None,
    language: str,
) -> list[PlainLine]:
    """Every table, the entitlement and every rule of an evaluation (`results` and `inputs`
    as the engine gives and RuleEvaluation keeps them) as sentences in `language` ("en" or
    "cy"), naming the person by `name` (their first name; "the person" when None)."""
    code = "cy" if language == "cy" else "en"
    with translation.override(code):
        return _lines(definition, results, inputs, name, code)


def _lines(
    definition: ServiceDefinition,
    results: dict[str, Any],
    inputs: dict[str, Any],
    name: str | None,
    code: str,
) -> list[PlainLine]:
    facts = _facts(definition)
    reader = _Reader(
        facts=facts,
        values=_values(inputs, results),
        inputs={},
        name=name or _("the person"),
        code=code,
    )
    tables = {table.id: table for table in definition.decision_tables}
    rules = {rule.id: rule for rule in definition.rules}
    lines: list[PlainLine] = []
    for found in results.get("tables", []):
        table = tables.get(found["id"])
        if table is None:
            continue
        # A table without a result sends the case to a person.
        decides = "refer" if found.get("error") or not found.get("row") else None
        lines.append(PlainLine("table", _table_sentence(reader, table, found), decides))
    entitlement = results.get("entitlement")
    if entitlement:
        lines.append(
            PlainLine(
                "entitlement",
                _entitlement_sentence(
                    reader,
                    entitlement,
                    definition.entitlement.cap if definition.entitlement else None,
                ),
                "refer" if entitlement.get("amount") is None else None,
            )
        )
    for found in results.get("rules", []):
        rule = rules.get(found["id"])
        reader.inputs = {}
        text = _rule_sentence(reader, rule.when if rule else found["when"], found)
        lines.append(PlainLine("rule", text, found.get("decides")))
    # What decided the outcome against the person comes first; the rest in reading order.
    return sorted(lines, key=lambda line: line.decides is None)


def _joined(facts: list[str]) -> str:
    return pgettext("facts joined in a sentence", " and ").join(dict.fromkeys(facts))


def _rule_sentence(reader: _Reader, when: str, found: dict[str, Any]) -> str:
    if found.get("error"):
        missing = re.match(r"no value for ([\w.]+)", found["error"])
        if missing:
            return _sentence(_missing(reader, missing.group(1)))
        return _sentence(
            _("This could not be worked out from the answers, so a person must decide")
        )
    try:
        holds, facts = reader.explain(_parsed(when))
        if holds != found["result"] or not facts:
            raise _CannotSay("not as the engine found")
        return " ".join(
            _sentence(fact)
            for fact in dict.fromkeys(_welsh_articles(f, reader.code) for f in facts)
        )
    except _CANNOT_SAY:
        told = (found.get("text") or {}).get(reader.code)
        if told:
            return _sentence(_("As the person is told: %(words)s") % {"words": told})
        return _sentence(
            _("The condition was met") if found["result"] else _("The condition was not met")
        )


def _table_sentence(reader: _Reader, table: Any, found: dict[str, Any]) -> str:
    labels = []
    for name in table.outputs:
        fact = _fact(reader.facts, f"tables.{cel_name(table.id)}.{cel_name(name)}", reader.code)
        labels.append(fact.label[reader.code])
    if found.get("error") or not found.get("row"):
        missing = re.search(r"no value for ([\w.]+)", found.get("error") or "")
        if missing:
            return _sentence(_missing(reader, missing.group(1)))
        return _sentence(
            _("The rules could not work out %(what)s from the answers, so a person must decide")
            % {"what": _joined(labels)}
        )
    outputs = [
        _("%(label)s is %(value)s")
        % {
            "label": label,
            "value": _shown(found["outputs"].get(name), kind, None, reader.code),
        }
        for label, (name, kind) in zip(labels, table.outputs.items(), strict=True)
    ]
    said = _joined(outputs)
    # The row's own condition; under `first`, the rows before it did not hold, and why.
    number = found["row"]
    rows = table.rows[: number - 1] if table.hit_policy == "first" else []
    facts: list[str] = []
    try:
        reader.inputs = {name: _parsed(source) for name, source in table.inputs.items()}
        for earlier in rows:
            if earlier.when is not None:
                holds, said_of_it = reader.explain(_parsed(earlier.when))
                if holds:
                    raise _CannotSay("not as the engine found")
                facts += said_of_it
        row = table.rows[number - 1]
        if row.when is not None:
            holds, said_of_it = reader.explain(_parsed(row.when))
            if not holds:
                raise _CannotSay("not as the engine found")
            facts += said_of_it
    except _CANNOT_SAY:
        facts = []
    finally:
        reader.inputs = {}
    if not facts:
        return _sentence(_welsh_articles(said, reader.code))
    return _sentence(
        _welsh_articles(
            _("%(outputs)s, because %(facts)s")
            % {"outputs": said, "facts": _joined([_mid(fact, reader.name) for fact in facts])},
            reader.code,
        )
    )


def _entitlement_sentence(reader: _Reader, found: dict[str, Any], cap_source: str | None) -> str:
    if found.get("amount") is None:
        return _sentence(_("The amount could not be worked out, so a person must decide"))
    amount = _shown(found["amount"], "money", None, reader.code)
    if found.get("capped"):
        maximum = _shown(found["maximum"], "money", None, reader.code)
        try:
            cap = reader.resolve(_parsed(cap_source or ""))
            if not isinstance(cap, _Path):
                raise _CannotSay("the cap is not one value")
            held_to = reader.limit(cap, reader.value(cap), "money")
        except _CANNOT_SAY:
            return _sentence(
                _("The amount worked out is %(amount)s: the rules allow up to %(maximum)s")
                % {"amount": amount, "maximum": maximum}
            )
        return _sentence(
            _welsh_articles(
                _(
                    "The amount worked out is %(amount)s, held to %(cap)s: the rules allow up "
                    "to %(maximum)s"
                )
                % {"amount": amount, "cap": held_to, "maximum": maximum},
                reader.code,
            )
        )
    return _sentence(_("The amount worked out is %(amount)s") % {"amount": amount})
