"""UK working days: weekdays that are not bank holidays in the installation's region."""

import datetime
from functools import lru_cache

import holidays
from django.conf import settings

# The three UK bank-holiday calendars, as GOV.UK names them, and the `holidays` package's
# subdivision codes for them.
BANK_HOLIDAY_REGIONS = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}


@lru_cache(maxsize=8)
def _calendar(region: str) -> holidays.HolidayBase:
    # Years are worked out when first asked for, so start-up stays fast.
    return holidays.UnitedKingdom(subdiv=BANK_HOLIDAY_REGIONS[region])


def is_working_day(day: datetime.date, region: str | None = None) -> bool:
    region = region or settings.COMMONWEAL_BANK_HOLIDAY_REGION
    return day.weekday() < 5 and day not in _calendar(region)


def add_working_days(start: datetime.date, days: int, region: str | None = None) -> datetime.date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    return _add_working_days(start, days, region or settings.COMMONWEAL_BANK_HOLIDAY_REGION)


@lru_cache(maxsize=4096)  # every case opened on the same day asks the same question
def _add_working_days(start: datetime.date, days: int, region: str) -> datetime.date:
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, region):
            counted += 1
    return day


def working_days_between(
    start: datetime.date, end: datetime.date, region: str | None = None
) -> int:
    """How many working days fall after `start` up to and including `end`."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, region):
            count += 1
    return count


def bank_holidays(year: int, region: str | None = None) -> list[tuple[datetime.date, str]]:
    """The bank holidays of one year in a region, in date order, with their names."""
    region = region or settings.COMMONWEAL_BANK_HOLIDAY_REGION
    calendar = holidays.UnitedKingdom(subdiv=BANK_HOLIDAY_REGIONS[region], years=year)
    return sorted(calendar.items())
