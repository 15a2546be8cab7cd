"""Rules as data: constants, decision tables, the entitlement and eligibility rules, written
in CEL (see commonweal/catalogue/rule_language.py and docs/rules.md), and the automation policy; and
the check of a whole definition's expressions and placeholders."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from .. import rule_language as rules_language
from .questions import Identifier, Strict, Text

if TYPE_CHECKING:
    from .service import ServiceDefinition

ValueType = Literal["money", "number", "text", "yes_no"]
_VALUE_PYTHON_TYPES = {"money": (int,), "number": (int, float), "text": (str,), "yes_no": (bool,)}
Expression = Annotated[str, Field(min_length=1, max_length=2000)]


class LocatedError(ValueError):
    """A problem found by a check of the whole definition, with the place it is about
    (a pydantic location below the definition), so the YAML line can be named."""

    def __init__(self, message: str, location: tuple = ()):
        super().__init__(message)
        self.location = location


def _parses(source: str | None) -> str | None:
    """Refuse, at its own place in the definition, an expression that does not parse."""
    if source is not None:
        try:
            rules_language.compiled(source)
        except rules_language.ExpressionError as error:
            raise ValueError(f"the expression {error}") from None
    return source


def _value_fits(value: Any, value_type: str) -> bool:
    if isinstance(value, bool):
        return value_type == "yes_no"
    return isinstance(value, _VALUE_PYTHON_TYPES[value_type])


class Constant(Strict):
    """A fixed value rules read as constants.<id> (money in pence)."""

    id: Identifier
    type: ValueType = "number"
    value: bool | int | float | str
    # What caseworkers call it in the rules' plain sentences, with its article ("the
    # smallest loan", "y benthyciad lleiaf"); words from the id when left out.
    label: Text | None = None

    @model_validator(mode="after")
    def value_has_type(self) -> Constant:
        if not _value_fits(self.value, self.type):
            raise ValueError(
                f"constant '{self.id}' is {self.type}"
                + (", in pence (a whole number)" if self.type == "money" else "")
                + f", but its value is {self.value!r}"
            )
        return self


class TableRow(Strict):
    """One row of a decision table: when its condition holds, its outputs apply. A row
    without a condition always holds (put it last, as the default)."""

    when: Expression | None = None
    then: dict[str, bool | int | float | str]
    # Said to the person when this row applies, with {placeholders}.
    text: Text | None = None

    _when_parses = field_validator("when")(_parses)


class DecisionTable(Strict):
    """Inputs, rows of conditions and outputs. Hit policy `first`: the first row that holds
    gives the outputs; `unique`: exactly one row may hold (two that hold is a fault in the
    table, and the case goes to a person)."""

    id: Identifier
    hit_policy: Literal["first", "unique"] = "first"
    # Named expressions the rows read as inputs.<id>.
    inputs: dict[Identifier, Expression] = {}
    outputs: Annotated[dict[Identifier, ValueType], Field(min_length=1)]
    rows: Annotated[list[TableRow], Field(min_length=1)]
    # What caseworkers call each output in the rules' plain sentences, with its article
    # ("the most they can borrow"); words from the table's and output's ids when left out.
    labels: dict[Identifier, Text] = {}

    @field_validator("inputs")
    @classmethod
    def inputs_parse(cls, inputs: dict[str, str]) -> dict[str, str]:
        for name, source in inputs.items():
            try:
                rules_language.compiled(source)
            except rules_language.ExpressionError as error:
                raise ValueError(f"input '{name}': the expression {error}") from None
        return inputs

    @model_validator(mode="after")
    def rows_give_outputs(self) -> DecisionTable:
        for name in self.labels:
            if name not in self.outputs:
                raise ValueError(f"table '{self.id}' labels '{name}', which is not an output")
        for number, row in enumerate(self.rows, start=1):
            if set(row.then) != set(self.outputs):
                raise ValueError(
                    f"table '{self.id}' row {number} must give exactly the outputs "
                    + ", ".join(self.outputs)
                )
            for name, value in row.then.items():
                if not _value_fits(value, self.outputs[name]):
                    raise ValueError(
                        f"table '{self.id}' row {number}: output '{name}' is "
                        f"{self.outputs[name]}, but the row gives {value!r}"
                    )
        return self


class Entitlement(Strict):
    """What the person can get, in pence: the amount expression, never below nothing, and
    never more than the cap expression when there is one (for example what they asked for)."""

    amount: Expression
    cap: Expression | None = None
    # Said to the person, with {amount} (what they get) and {maximum} (before the cap).
    text: Text

    _parse = field_validator("amount", "cap")(_parses)


class Rule(Strict):
    """An eligibility rule. `eligible`: a condition that must hold; `ineligible`: when it
    holds the person cannot get this; `refer`: when it holds a person must look at it."""

    id: Identifier
    effect: Literal["eligible", "ineligible", "refer"]
    when: Expression
    # Said to the person when the expression holds; `text_otherwise` when it does not.
    text: Text
    text_otherwise: Text | None = None
    # The decision reason (an `approved` or `refused` one) that says this rule's reason to
    # the person, for the caseworker to give. A `refer` rule must name one: the case comes
    # to a person because of it, so they must be able to decide because of it.
    reason: Identifier | None = None

    _when_parses = field_validator("when")(_parses)


class Automation(Strict):
    """Straight-through processing. `automatic`: when every check is green and the rules
    say eligible, the policy approves the case itself; `one_click`: a caseworker approves
    as the rules suggest with one button. Nothing is ever refused automatically."""

    mode: Literal["off", "one_click", "automatic"] = "off"
    when: Literal["all_checks_green_and_eligible"] = "all_checks_green_and_eligible"
    version: Annotated[int, Field(ge=1)] = 1
    # The approval reason recorded with the decision (an `approved` decision reason).
    approve_reason: Identifier | None = None


# Checking rules' expressions and placeholders (used by ServiceDefinition).

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_.-]*)\}")


def _checked(where: str, source: str, scope, *, returns: tuple | None = None, at=()) -> None:
    try:
        rules_language.check(source, scope, returns=returns)
    except rules_language.ExpressionError as error:
        raise LocatedError(f"{where}: the expression {error}", at) from None


def _samples(source: str, scope) -> tuple[Any, Any]:
    program, _references = rules_language.compiled(source)
    return tuple(  # type: ignore[return-value]
        rules_language.run_sample(program, scope.context(which)) for which in (0, 1)
    )


def _placeholder_scope(scope, *, entitlement: bool = False, outputs: dict | None = None) -> set:
    names = set()
    for namespace in ("answers", "eligibility", "derived", "constants", "inputs"):
        names |= set(scope.namespaces.get(namespace, {}))
    for table, table_outputs in scope.namespaces.get("tables", {}).items():
        names |= {f"tables.{table}.{output}" for output in table_outputs}
    for namespace, entries in scope.namespaces.items():
        if namespace != "tables":
            names |= {f"{namespace}.{name}" for name in entries}
    if entitlement:
        names |= {"amount", "maximum"}
    names |= {rules_language.cel_name(name) for name in outputs or {}}
    return names


def _check_placeholders(where: str, text: Text, known: set, at=()) -> None:
    for language in ("en", "cy"):
        for name in PLACEHOLDER.findall(getattr(text, language)):
            if rules_language.cel_name(name) not in known:
                raise LocatedError(
                    f"{where}: the text has an unknown placeholder {{{name}}}", (*at, language)
                )


def check_rules(definition: ServiceDefinition) -> None:
    """Every expression and placeholder reads only what this definition has, with the
    right types: a rule that refers to an unknown question is refused with its id."""
    for kind, field, items in (
        ("constant", "constants", definition.constants),
        ("decision table", "decision_tables", definition.decision_tables),
        ("rule", "rules", definition.rules),
    ):
        ids = [item.id for item in items]
        repeated = [index for index, item in enumerate(ids) if ids.count(item) > 1]
        if repeated:
            raise LocatedError(
                f"{kind} id '{ids[repeated[-1]]}' is used twice", (field, repeated[-1], "id")
            )
    scope = definition.rules_scope()
    _check_tables(definition, scope)
    if definition.entitlement is not None:
        entitlement = definition.entitlement
        _checked(
            "entitlement amount",
            entitlement.amount,
            scope,
            returns=(int,),
            at=("entitlement", "amount"),
        )
        if entitlement.cap is not None:
            _checked(
                "entitlement cap",
                entitlement.cap,
                scope,
                returns=(int,),
                at=("entitlement", "cap"),
            )
        placeholders = _placeholder_scope(scope, entitlement=True)
        _check_placeholders(
            "entitlement", entitlement.text, placeholders, at=("entitlement", "text")
        )
        scope.plain["entitlement"] = (81_200, 0)
    scope.changed()
    placeholders = _placeholder_scope(scope, entitlement=definition.entitlement is not None)
    for index, rule in enumerate(definition.rules):
        at = ("rules", index)
        _checked(f"rule '{rule.id}'", rule.when, scope, returns=(bool,), at=(*at, "when"))
        for name in ("text", "text_otherwise"):
            text = getattr(rule, name)
            if text is not None:
                _check_placeholders(f"rule '{rule.id}'", text, placeholders, at=(*at, name))
    _check_rule_reasons(definition)
    if (
        definition.automation is not None
        and definition.automation.mode != "off"
        and not definition.rules
    ):
        raise LocatedError(
            "automation needs rules to follow: add rules, or set mode: off",
            ("automation", "mode"),
        )
    if definition.automation is not None and definition.automation.approve_reason is not None:
        reason = definition.decision_reason(definition.automation.approve_reason)
        if reason is None or reason.outcome != "approved":
            raise LocatedError(
                f"automation approve_reason '{definition.automation.approve_reason}' is not an "
                "approved decision reason",
                ("automation", "approve_reason"),
            )
    if (
        definition.offer is not None
        and definition.offer.loan is not None
        and definition.entitlement is None
    ):
        raise LocatedError(
            "a loan offer needs an entitlement: the amount the loan is for",
            ("offer", "loan"),
        )


def _check_tables(definition: ServiceDefinition, scope) -> None:
    """Each decision table's inputs and rows, in order; each table's outputs then join the
    scope the later tables and rules read."""
    tables = scope.namespaces["tables"]
    for index, table in enumerate(definition.decision_tables):
        where = f"decision table '{table.id}'"
        at = ("decision_tables", index)
        for name, source in table.inputs.items():
            _checked(f"{where} input '{name}'", source, scope, at=(*at, "inputs", name))
        # The rows are checked with what each input gives on the samples.
        inputs = {
            rules_language.cel_name(name): _samples(source, scope)
            for name, source in table.inputs.items()
        }
        row_scope = rules_language.Scope(
            namespaces={**scope.namespaces, "inputs": inputs}, plain=scope.plain
        )
        row_placeholders = _placeholder_scope(row_scope, outputs=table.outputs)
        for number, row in enumerate(table.rows, start=1):
            row_at = (*at, "rows", number - 1)
            if row.when is not None:
                _checked(
                    f"{where} row {number}",
                    row.when,
                    row_scope,
                    returns=(bool,),
                    at=(*row_at, "when"),
                )
            if row.text is not None:
                _check_placeholders(
                    f"{where} row {number}", row.text, row_placeholders, at=(*row_at, "text")
                )
        scope.changed()
        tables[rules_language.cel_name(table.id)] = {
            rules_language.cel_name(name): (table.rows[0].then[name], table.rows[-1].then[name])
            for name in table.outputs
        }


def _check_rule_reasons(definition: ServiceDefinition) -> None:
    """Every kind of referral the rules make has a decision reason a caseworker can give:
    a `refer` rule names one, and a rule's reason is an approval or refusal reason."""
    for index, rule in enumerate(definition.rules):
        if rule.reason is None:
            if rule.effect == "refer":
                raise LocatedError(
                    f"rule '{rule.id}' refers cases to a person, so it needs a reason: name "
                    "the decision reason a caseworker gives when they decide because of it "
                    "(reason: <a decision reason id>)",
                    ("rules", index, "effect"),
                )
            continue
        reason = definition.decision_reason(rule.reason)
        if reason is None or reason.outcome == "withdrawn":
            raise LocatedError(
                f"rule '{rule.id}': reason '{rule.reason}' is not an approved or refused "
                "decision reason; the decision reasons are: "
                + ", ".join(r.id for r in definition.decision_reasons if r.outcome != "withdrawn"),
                ("rules", index, "reason"),
            )
