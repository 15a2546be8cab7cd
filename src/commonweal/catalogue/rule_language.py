"""The expression language of rules: CEL (the Common Expression Language, as OpenSPP and
Kubernetes use), through `common-expression-language` (the Python binding of cel-rust).

CEL cannot loop forever, call out, or change anything: an expression reads the values it is
given and returns one. A rule reads an application's answers by question id, with hyphens
written as underscores (`answers.household_size`), the answers to "check if you can apply"
(`eligibility.qualifying_benefit`), a few derived values (`derived.age`), the service's
constants (`constants.savings_limit`), the outputs of decision tables
(`tables.loan_band.maximum`) and, in rules, the entitlement worked out (`entitlement`).
Money is in pence (an int), yes/no answers are booleans, numbers are ints (doubles when the
question allows fractions), dates are timestamps.

This module has no Django in it: the service definition (catalogue) checks expressions with
it when a definition is saved, and the rules engine runs them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import cel
from cel import stdlib as cel_stdlib

# The namespaces an expression may read, and what each holds.
NAMESPACES = ("answers", "eligibility", "derived", "constants", "tables", "inputs")
# Plain names an expression may read (not namespaces).
PLAIN_NAMES = ("entitlement",)
# Extra functions from the package's standard library (cel-go's math and core helpers).
EXTENSIONS = ("core", "math")
# The functions CEL itself has (cel-rust), and those EXTENSIONS add.
BUILTIN_FUNCTIONS = {
    "size",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "timestamp",
    "duration",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "getFullYear",
    "getMonth",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getDayOfYear",
    "dyn",
    "type",
}
EXTENSION_FUNCTIONS = {
    name.rsplit(".", 1)[-1] for library in EXTENSIONS for name in cel_stdlib.EXTENSIONS[library]
}
MACROS = {"all", "exists", "exists_one", "map", "filter"}


def cel_name(identifier: str) -> str:
    """How a definition's id (date-of-birth) is written in an expression (date_of_birth)."""
    return identifier.replace("-", "_")


class ExpressionError(ValueError):
    """An expression that cannot be used, with the reason in words for its author."""


# Reading an expression's references. The package compiles CEL but does not hand out its
# syntax tree, so member access (`answers.savings`) is found from the tokens: string
# literals and comments are skipped, so a question id inside a string is not a reference.

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
        |'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?|0[xX][0-9a-fA-F]+[uU]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def _tokens(source: str) -> list[Token]:
    found = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        if kind != "space":
            found.append(Token(kind, match.group()))
    return found


def _string_value(text: str) -> str | None:
    """The value of a plain string literal (no escapes); None for anything fancier."""
    match = re.fullmatch(r"""(['"])([^'"\\]*)\1""", text)
    return match.group(2) if match else None


@dataclass(frozen=True)
class References:
    # Paths read, like ("answers", "savings") or ("tables", "loan_band", "maximum").
    paths: tuple[tuple[str, ...], ...]
    # Names bound by macros ([..].exists(x, ...)).
    bound: frozenset[str]
    # Namespaces indexed with something other than a plain name (answers[some_variable]).
    dynamic: frozenset[str]
    variables: frozenset[str]
    functions: frozenset[str]


def _references(source: str, program: cel.Program) -> References:
    tokens = _tokens(source)
    bound = set()
    for index, token in enumerate(tokens[:-3]):
        if (
            token.text == "."
            and tokens[index + 1].text in MACROS
            and tokens[index + 2].text == "("
            and tokens[index + 3].kind == "name"
        ):
            bound.add(tokens[index + 3].text)
    paths, dynamic = [], set()
    for index, token in enumerate(tokens):
        if token.kind != "name" or token.text not in (*NAMESPACES, *PLAIN_NAMES):
            continue
        if token.text in bound or (index and tokens[index - 1].text == "."):
            continue
        path = [token.text]
        position = index + 1
        while position < len(tokens):
            here = tokens[position]
            if here.text == "." and position + 1 < len(tokens):
                following = tokens[position + 1]
                is_call = position + 2 < len(tokens) and tokens[position + 2].text == "("
                if following.kind != "name" or is_call:
                    break
                path.append(following.text)
                position += 2
            elif here.text == "[" and position + 2 < len(tokens):
                key = _string_value(tokens[position + 1].text)
                if tokens[position + 1].kind != "string" or key is None:
                    if len(path) == 1:
                        dynamic.add(path[0])
                    break
                if tokens[position + 2].text != "]":
                    dynamic.add(path[0])
                    break
                path.append(key)
                position += 3
            else:
                break
        paths.append(tuple(path))
    references = program.references()
    return References(
        paths=tuple(dict.fromkeys(paths)),
        bound=frozenset(bound),
        dynamic=frozenset(dynamic),
        variables=frozenset(references["variables"]),
        functions=frozenset(
            name
            for name in references["functions"]
            if not (name.startswith(("_", "@", "!")) or name in ("-_",))
        ),
    )


@lru_cache(maxsize=4096)
def compiled(source: str) -> tuple[cel.Program, References]:
    """The compiled expression and what it reads; ExpressionError when it does not parse."""
    if not source or not source.strip():
        raise ExpressionError("the expression is empty")
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as error:
        raise ExpressionError(_syntax_message(str(error))) from None
    return program, _references(source, program)


def _syntax_message(message: str) -> str:
    match = re.search(r"ERROR: <input>:(\d+):(\d+): ([^\n]*)", message)
    if match is None:
        return f"does not parse: {message.splitlines()[0]}"
    line, column, reason = match.groups()
    where = f"column {column}" if line == "1" else f"line {line}, column {column}"
    return f"does not parse ({where}): {reason[0].lower()}{reason[1:]}"


# Checking an expression against what it may read.


@dataclass
class Scope:
    """What an expression may read, each value with two samples (one "high", one "low") used
    to find type problems before anything is saved. Namespaces map names to sample pairs;
    `tables` maps table names to their outputs' sample pairs."""

    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    plain: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    _contexts: dict[int, dict] = field(default_factory=dict, repr=False)

    def changed(self) -> None:
        """Forget the sample contexts after adding to the scope."""
        self._contexts.clear()

    def context(self, which: int) -> cel.Context:
        """The sample values as a CEL context (made once: converting values is the slow
        part of running an expression)."""
        if which not in self._contexts:
            self._contexts[which] = context_for(self._context(which))
        return self._contexts[which]

    def _context(self, which: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for namespace, entries in self.namespaces.items():
            if namespace == "tables":
                values[namespace] = {
                    table: {name: pair[which] for name, pair in outputs.items()}
                    for table, outputs in entries.items()
                }
            else:
                values[namespace] = {name: pair[which] for name, pair in entries.items()}
        for name, pair in self.plain.items():
            values[name] = pair[which]
        return values


_NAMESPACE_WORDS = {
    "answers": "question",
    "eligibility": "eligibility question",
    "derived": "derived value",
    "constants": "constant",
    "inputs": "input of this table",
}

_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def check(source: str, scope: Scope, *, returns: tuple[type, ...] | None = None) -> None:
    """Refuse (ExpressionError) an expression that does not parse, reads something the
    definition does not have, calls an unknown function, or has a type problem on the
    samples; `returns` is the type(s) its value must have."""
    program, references = compiled(source)
    allowed = set(scope.namespaces) | set(scope.plain) | references.bound | {"math"}
    for name in sorted(references.variables - allowed):
        if name in NAMESPACES or name in PLAIN_NAMES:
            raise ExpressionError(f"'{name}' cannot be used here")
        if re.search(rf"[A-Za-z0-9_]\s*-\s*{name}\b", source):
            raise ExpressionError(
                f"reads '{name}', which is not known: write hyphens in ids as underscores"
            )
        raise ExpressionError(
            f"'{name}' is not something a rule can read: use "
            + ", ".join(f"{n}." for n in scope.namespaces)
            + "".join(f", {n}" for n in scope.plain)
        )
    for name in sorted(references.functions - BUILTIN_FUNCTIONS - EXTENSION_FUNCTIONS):
        raise ExpressionError(f"'{name}' is not a function CEL knows")
    for namespace in sorted(references.dynamic):
        raise ExpressionError(f"read {namespace} by name, like {namespace}.some_name")
    for path in references.paths:
        _check_path(path, scope)
    for which in (0, 1):
        value = run_sample(program, scope.context(which))
        if returns is not None and not _is(value, returns):
            wanted = " or ".join(_TYPE_NAMES.get(kind, kind.__name__) for kind in returns)
            raise ExpressionError(f"must give {wanted}, but gives {_describe(value)}")


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number with a fraction (use int(...) for pence)"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return type(value).__name__


def _check_path(path: tuple[str, ...], scope: Scope) -> None:
    namespace = path[0]
    if namespace in scope.plain:
        return
    if namespace not in scope.namespaces:
        raise ExpressionError(f"'{namespace}' cannot be used here")
    entries = scope.namespaces[namespace]
    if len(path) == 1:
        raise ExpressionError(f"name what to read from {namespace}, like {namespace}.some_name")
    name = path[1]
    if namespace == "tables":
        if name not in entries:
            known = ", ".join(sorted(entries)) or "none before this point"
            raise ExpressionError(f"refers to unknown table '{name}' (tables: {known})")
        if len(path) < 3:
            raise ExpressionError(f"name the output of table '{name}' to read")
        if path[2] not in entries[name]:
            raise ExpressionError(f"table '{name}' has no output '{path[2]}'")
        return
    if name not in entries:
        word = _NAMESPACE_WORDS.get(namespace, namespace)
        hint = " (write hyphens in ids as underscores)" if "-" in name else ""
        raise ExpressionError(f"refers to unknown {word} '{name}'{hint}")


def run_sample(program: cel.Program, context: cel.Context) -> Any:
    try:
        return program.execute(context)
    except TypeError as error:
        raise ExpressionError(f"has a type problem: {_first_sentence(str(error))}") from None
    except (ZeroDivisionError, ArithmeticError) as error:
        raise ExpressionError(f"fails on sample values: {error}") from None
    except (KeyError, RuntimeError, ValueError) as error:
        raise ExpressionError(f"cannot be worked out: {_first_sentence(str(error))}") from None


def _first_sentence(message: str) -> str:
    first = message.split(". ")[0].strip()
    if "No such overload" in message:
        return (
            "an operation is used on values of the wrong types (CEL does not mix whole "
            "numbers, fractions and text: convert with int(), double() or string())"
        )
    return first


_FUNCTIONS = {
    name: function
    for library in EXTENSIONS
    for name, function in cel_stdlib.EXTENSIONS[library].items()
}


def context_for(values: dict) -> cel.Context:
    """A CEL context with these values and the extra functions; reuse it for every
    expression that reads the same values."""
    return cel.Context(values, functions=_FUNCTIONS)


# Running an expression.


class Unknown(Exception):
    """The expression could not be worked out from these values (a question not answered,
    a table with no matching row, or a value of the wrong type); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def evaluate(source: str, values: dict, context: cel.Context | None = None) -> Any:
    """The expression's value given `values` (namespace -> name -> value), or Unknown.
    `context` is `values` already made into a CEL context, when the caller has it."""
    program, references = compiled(source)
    try:
        return program.execute(context if context is not None else context_for(values))
    except KeyError:
        missing = [".".join(path) for path in references.paths if lookup(values, path) is MISSING]
        if missing:
            raise Unknown("no value for " + ", ".join(missing)) from None
        raise Unknown("a value it needs is missing") from None
    except TypeError as error:
        raise Unknown(_first_sentence(str(error))) from None
    except (ZeroDivisionError, ArithmeticError, RuntimeError, ValueError) as error:
        raise Unknown(_first_sentence(str(error))) from None


MISSING = object()


def lookup(values: dict, path: tuple[str, ...]) -> Any:
    """The value at a path, or MISSING."""
    current: Any = values
    for step in path:
        if not isinstance(current, dict) or step not in current:
            return MISSING
        current = current[step]
    return current


def references(source: str) -> tuple[tuple[str, ...], ...]:
    return compiled(source)[1].paths


def as_timestamp(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


# Answers as expressions see them, and the samples used to check expressions.

_SAMPLE_ADDRESS = {"line_1": "1 High Street", "town": "Caerphilly", "postcode": "CF83 1AA"}
_SAMPLE_BANK = {"name": "A Person", "sort_code": "309430", "account_number": "00733445"}
_TEXT_TYPES = {"text", "long_text", "email", "phone", "ni_number", "radios", "postcode"}


def answer_value(question_type: str, raw: Any, *, whole_number: bool = False) -> Any:
    """An answer as it is stored (money as "250.00", a date as "1979-11-04", yes/no as a
    boolean or "yes"/"no") turned into the value an expression reads; MISSING when there
    is no answer."""
    from decimal import Decimal, InvalidOperation

    if raw is None or raw == "" or raw == []:
        return MISSING if question_type != "checkboxes" else []
    try:
        if question_type == "money":
            return int((Decimal(str(raw)) * 100).to_integral_value())
        if question_type == "number":
            number = Decimal(str(raw))
            return int(number) if whole_number else float(number)
        if question_type == "date":
            return as_timestamp(datetime.date.fromisoformat(str(raw)))
    except (InvalidOperation, ValueError):
        return MISSING
    if question_type == "yes_no":
        if isinstance(raw, bool):
            return raw
        return {"yes": True, "no": False}.get(str(raw), MISSING)
    if question_type == "checkboxes":
        return [str(item) for item in raw] if isinstance(raw, list) else MISSING
    if isinstance(raw, dict):
        return {key: str(value) for key, value in raw.items() if isinstance(value, str | int)}
    return str(raw)


def sample_pair(
    question_type: str, *, options: list[str] | None = None, whole_number: bool = False
) -> tuple[Any, Any]:
    """Two values of the type an expression reads for this kind of question."""
    options = options or []
    if question_type == "money":
        return (500_000, 0)
    if question_type == "number":
        return (50, 0) if whole_number else (50.5, 0.0)
    if question_type == "date":
        return (as_timestamp(datetime.date(1950, 1, 1)), as_timestamp(datetime.date(2010, 6, 1)))
    if question_type == "yes_no":
        return (True, False)
    if question_type == "radios":
        return (options[0], options[-1]) if options else ("a", "b")
    if question_type == "checkboxes":
        return (list(options), [])
    if question_type == "address":
        return (dict(_SAMPLE_ADDRESS), dict(_SAMPLE_ADDRESS))
    if question_type == "bank_details":
        return (dict(_SAMPLE_BANK), dict(_SAMPLE_BANK))
    if question_type == "file":
        return ({"name": "evidence.pdf"}, {"name": "evidence.pdf"})
    return ("text", "")


def age_on(born: datetime.datetime | datetime.date, today: datetime.date) -> int:
    born = born.date() if isinstance(born, datetime.datetime) else born
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
