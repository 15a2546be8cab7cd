"""UK reference formats, working days and application references."""

import datetime
import re

import pytest

from commonweal.core import uk
from commonweal.core.references import ALPHABET, new_reference, normalise_reference
from commonweal.core.working_days import add_working_days, is_working_day


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" cf83  1jd ", "CF83 1JD"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("GIR 0AA", "GIR 0AA"),
        ("CF83 1J", None),
        ("QQ1 1AA", None),  # Q is never the first letter
        ("12345", None),
        ("", None),
    ],
)
def test_postcodes(typed, expected):
    assert uk.normalise_postcode(typed) == expected


def test_working_days_skip_weekends_and_bank_holidays():
    # Christmas 2026: Friday 25 and Monday 28 (Boxing Day substitute) are bank holidays.
    assert not is_working_day(datetime.date(2026, 12, 25))
    assert not is_working_day(datetime.date(2026, 12, 28))
    assert add_working_days(datetime.date(2026, 12, 24), 1) == datetime.date(2026, 12, 29)
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March (England and Wales).
    assert add_working_days(datetime.date(2027, 3, 25), 1) == datetime.date(2027, 3, 30)


def test_scotland_has_its_own_bank_holidays():
    # 2 January is a bank holiday in Scotland, not in England and Wales.
    assert add_working_days(datetime.date(2026, 12, 31), 1, "scotland") == datetime.date(2027, 1, 5)
    assert add_working_days(datetime.date(2026, 12, 31), 1) == datetime.date(2027, 1, 4)


def test_references_are_short_unambiguous_and_round_trip():
    seen = set()
    for _ in range(2000):
        reference = new_reference("BL")
        assert re.fullmatch(r"BL-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", reference)
        assert not set(reference[3:].replace("-", "")) & set("01OIL")
        seen.add(reference)
        assert normalise_reference(reference.lower().replace("-", " ")) == reference
    assert len(seen) == 2000
    assert len(ALPHABET) == 31
    assert normalise_reference("BL-0000-0000") is None
    assert normalise_reference("nonsense") is None
