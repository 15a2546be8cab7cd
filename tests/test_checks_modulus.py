"""The modulus check against the test cases published with the Vocalink (Pay.UK)
specification "Validating account numbers: UK modulus checking", version 9.00, using the
rows of the published tables those sort codes need (tests/data)."""

from pathlib import Path

import pytest

from commonweal.checks import modulus

DATA = Path(__file__).parent / "data"

# (number in the document, sort code, account number, valid)
PUBLISHED_CASES = [
    (1, "089999", "66374958", True),
    (2, "107999", "88837491", True),
    (3, "202959", "63748472", True),
    (4, "871427", "46238510", True),
    (5, "872427", "46238510", True),
    (6, "871427", "09123496", True),
    (7, "871427", "99123496", True),
    (8, "820000", "73688637", True),
    (9, "827999", "73988638", True),
    (10, "827101", "28748352", True),
    (11, "134020", "63849203", True),
    (12, "118765", "64371389", True),
    (13, "200915", "41011166", True),
    (14, "938611", "07806039", True),
    (15, "938600", "42368003", True),
    (16, "938063", "55065200", True),
    (17, "772798", "99345694", True),
    (18, "086090", "06774744", True),
    (19, "309070", "02355688", True),
    (20, "309070", "12345668", True),
    (21, "309070", "12345677", True),
    (22, "309070", "99345694", True),
    (23, "938063", "15764273", False),
    (24, "938063", "15764264", False),
    (25, "938063", "15763217", False),
    (26, "118765", "64371388", False),
    (27, "203099", "66831036", False),
    (28, "203099", "58716970", False),
    (29, "089999", "66374959", False),
    (30, "107999", "88837493", False),
    (31, "074456", "12345112", True),
    (32, "070116", "34012583", True),
    (33, "074456", "11104102", True),
    (34, "180002", "00000190", True),
]


@pytest.fixture(scope="module")
def table():
    return modulus.load_table(str(DATA / "valacdos-excerpt.txt"))


@pytest.mark.parametrize(("number", "sort_code", "account", "valid"), PUBLISHED_CASES)
def test_published_test_cases(table, number, sort_code, account, valid):
    assert modulus.check(table, sort_code, account) is valid, f"test case {number}"


def test_substitution_table_is_needed_for_exception_5(table):
    without = modulus.Table(rules=table.rules, substitutions={})
    assert modulus.check(without, "938600", "42368003") is False


def test_sort_code_missing_from_the_table_cannot_be_checked(table):
    assert modulus.check(table, "400000", "12345678") is None


def test_malformed_numbers_fail(table):
    assert modulus.check(table, "08999", "66374958") is False
    assert modulus.check(table, "089999", "6637495") is False


def test_a_broken_table_is_refused(tmp_path):
    bad = tmp_path / "valacdos.txt"
    bad.write_text("089000 089999 MOD12 0 0 0 0 0 0 7 1 3 7 1 3 7 1\n")
    with pytest.raises(modulus.ModulusTableError, match="line 1: unknown method"):
        modulus.load_table(str(bad))
    with pytest.raises(modulus.ModulusTableError, match="cannot read"):
        modulus.load_table(str(tmp_path / "missing.txt"))
