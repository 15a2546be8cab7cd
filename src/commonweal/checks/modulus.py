"""UK bank account modulus checking, as Vocalink (now Pay.UK) publishes it in "Validating
account numbers: UK modulus checking" (version 9.00), with its two data files:

- `valacdos.txt`: a row per sort-code range: start, end, method (MOD10, MOD11 or DBLAL),
  fourteen weights for the digits u v w x y z a b c d e f g h (the sort code, then the
  account number) and an optional exception number. A sort code has one or two rows.
- `scsubtab.txt`: sort codes to substitute for exception 5 (original, substitute).

Every exception in the document (1 to 14) is implemented; `tests/test_checks_modulus.py`
runs the document's own 34 test cases. A sort code missing from the table cannot be
checked, and the document says to treat its account numbers as valid: `check` then answers
`None` so the caller can say so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


class ModulusTableError(Exception):
    """The sort-code file cannot be read as a Vocalink table."""


@dataclass(frozen=True)
class Rule:
    start: str
    end: str
    method: str
    weights: tuple[int, ...]
    exception: int | None


@dataclass(frozen=True)
class Table:
    rules: tuple[Rule, ...]
    substitutions: dict[str, str]

    def rules_for(self, sort_code: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.start <= sort_code <= rule.end]


def parse_rules(text: str) -> tuple[Rule, ...]:
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) not in (17, 18):
            raise ModulusTableError(f"line {number}: expected 17 or 18 fields, found {len(parts)}")
        start, end, method = parts[0], parts[1], parts[2].upper()
        if method not in ("MOD10", "MOD11", "DBLAL"):
            raise ModulusTableError(f"line {number}: unknown method {parts[2]!r}")
        try:
            weights = tuple(int(weight) for weight in parts[3:17])
            exception = int(parts[17]) if len(parts) == 18 else None
        except ValueError as error:
            raise ModulusTableError(f"line {number}: {error}") from error
        rules.append(Rule(start, end, method, weights, exception))
    return tuple(rules)


def parse_substitutions(text: str) -> dict[str, str]:
    pairs = (line.split() for line in text.splitlines())
    return {parts[0]: parts[1] for parts in pairs if len(parts) >= 2}


@lru_cache(maxsize=4)
def _load(path: str, substitutions_path: str | None, stamp: tuple) -> Table:
    rules = parse_rules(Path(path).read_text(encoding="latin-1"))
    substitutions = {}
    if substitutions_path and Path(substitutions_path).exists():
        substitutions = parse_substitutions(Path(substitutions_path).read_text(encoding="latin-1"))
    return Table(rules=rules, substitutions=substitutions)


def load_table(path: str, substitutions_path: str | None = None) -> Table:
    """The table in `path` (read once, and again when the file changes). Without a
    substitutions path, `scsubtab.txt` beside the table is used when it is there."""
    if substitutions_path is None:
        beside = Path(path).with_name("scsubtab.txt")
        substitutions_path = str(beside) if beside.exists() else None
    try:
        stamp = (os.stat(path).st_mtime_ns,)
        if substitutions_path and os.path.exists(substitutions_path):
            stamp += (os.stat(substitutions_path).st_mtime_ns,)
        return _load(path, substitutions_path, stamp)
    except OSError as error:
        raise ModulusTableError(f"cannot read {path}: {error.strerror}") from error


def _total(method: str, digits: list[int], weights: tuple[int, ...]) -> int:
    if method == "DBLAL":
        # Double alternate: add the digits of each product, not the products.
        return sum(sum(int(c) for c in str(d * w)) for d, w in zip(digits, weights, strict=True))
    return sum(d * w for d, w in zip(digits, weights, strict=True))


def _one(rule: Rule, sort_code: str, account: str, weights: tuple[int, ...] | None = None) -> bool:
    digits = [int(c) for c in sort_code + account]
    weights = weights or rule.weights
    a, b, g, h = digits[6], digits[7], digits[12], digits[13]
    exception = rule.exception
    if exception == 7 and g == 9:
        weights = (0,) * 8 + weights[8:]
    if exception == 10 and (a, b) in ((0, 9), (9, 9)) and g == 9:
        weights = (0,) * 8 + weights[8:]
    total = _total(rule.method, digits, weights)
    if exception == 1:
        total += 27
    if exception == 4:
        return total % 11 == g * 10 + h
    if exception == 5:
        if rule.method == "DBLAL":
            remainder = total % 10
            return h == 0 if remainder == 0 else 10 - remainder == h
        remainder = total % 11
        if remainder == 0:
            return g == 0
        if remainder == 1:
            return False
        return 11 - remainder == g
    modulus = 10 if rule.method in ("MOD10", "DBLAL") else 11
    return total % modulus == 0


def _exception_2_weights(account: str, rule: Rule) -> tuple[int, ...]:
    a, g = account[0], account[6]
    if a == "0":
        return rule.weights
    if g == "9":
        return (0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1)
    return (0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1)


def _first(rule: Rule, sort_code: str, account: str) -> bool:
    if rule.exception == 2:
        return _one(rule, sort_code, account, _exception_2_weights(account, rule))
    passed = _one(rule, sort_code, account)
    if not passed and rule.exception == 14:
        # Coutts: an account ending 0, 1 or 9 may be checked again without its last digit.
        if account[7] not in "019":
            return False
        return _one(rule, sort_code, "0" + account[:7])
    return passed


def check(table: Table, sort_code: str, account: str) -> bool | None:
    """Whether the account number passes the modulus check for the sort code; None when
    the sort code is not in the table (it cannot be checked, and counts as valid)."""
    if len(sort_code) != 6 or len(account) != 8 or not (sort_code + account).isdigit():
        return False
    rules = table.rules_for(sort_code)
    if not rules:
        return None
    exceptions = {rule.exception for rule in rules}
    if 6 in exceptions and account[0] in "45678" and account[6] == account[7]:
        # A foreign currency account: it cannot be checked and is valid.
        return True
    if 8 in exceptions:
        sort_code = "090126"
    if 5 in exceptions:
        sort_code = table.substitutions.get(sort_code, sort_code)
    first = rules[0]
    passed = _first(first, sort_code, account)
    if len(rules) == 1:
        return passed
    second = rules[1]
    if first.exception == 2 and second.exception == 9:
        # Lloyds euro accounts: when the first check fails, try again as sort code 309634.
        return passed or _one(second, "309634", account)
    if first.exception in (10, 12) or second.exception in (11, 13):
        # Either check passing is enough.
        return passed or _one(second, sort_code, account)
    if second.exception == 3 and account[2] in "69":
        return passed
    return passed and _one(second, sort_code, account)
