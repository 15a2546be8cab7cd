"""UK reference data the journeys use, offered to integrators so their forms agree with ours:
postcode checking, bank holidays and working days, and address look-up by postcode.

Postcodes and bank holidays are public facts and need no key; address look-up goes to the
installation's provider (a paid service in production), so it needs a key.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from ninja import Router, Schema, Status
from pydantic import Field

from commonweal.core import addresses, uk, working_days

from .auth import ApiKeyAuth
from .errors import Errors, problems

router = Router(tags=["reference data"])

REGIONS = "england-and-wales, scotland or northern-ireland"


class PostcodeOut(Schema):
    postcode: str = Field(description="The postcode as Royal Mail writes it, e.g. SW1A 1AA")
    outward: str
    inward: str


class BankHoliday(Schema):
    date: datetime.date
    name: str


class BankHolidaysOut(Schema):
    region: str
    year: int
    bank_holidays: list[BankHoliday]


class WorkingDaysOut(Schema):
    region: str
    start: datetime.date
    working_days: int
    date: datetime.date = Field(description="The day that many working days after start")


class AddressOut(Schema):
    id: str
    line_1: str
    line_2: str
    town: str
    county: str
    postcode: str


class AddressesOut(Schema):
    postcode: str
    addresses: list[AddressOut]


def _region_or_error(region: str):
    if region not in working_days.BANK_HOLIDAY_REGIONS:
        return None, ("region", "invalid", f"Give a region: {REGIONS}")
    return region, None


def _postcode_or_error(value: str):
    postcode = uk.normalise_postcode(value)
    if postcode is None:
        return None, ("postcode", "invalid", "Enter a real UK postcode, like SW1A 1AA")
    return postcode, None


@router.get(
    "/postcodes/{postcode}/",
    auth=None,
    response={200: PostcodeOut, 400: Errors},
)
def check_postcode(request, postcode: str):
    """Whether a postcode is a real UK postcode format, and its normal written form
    ('sw1a1aa' gives 'SW1A 1AA')."""
    normal, problem = _postcode_or_error(postcode)
    if problem:
        return Status(400, problems(problem))
    outward, inward = normal.split(" ")
    return {"postcode": normal, "outward": outward, "inward": inward}


@router.get(
    "/bank-holidays/",
    auth=None,
    response={200: BankHolidaysOut, 400: Errors},
)
def list_bank_holidays(request, year: int, region: str = ""):
    """The bank holidays of a year (1995 to 2100) in a region; the installation's
    region when none is given."""
    region, problem = _region_or_error(region or _default_region())
    if problem:
        return Status(400, problems(problem))
    if not 1995 <= year <= 2100:
        return Status(400, problems(("year", "invalid", "Give a year from 1995 to 2100")))
    days = working_days.bank_holidays(year, region)
    return {
        "region": region,
        "year": year,
        "bank_holidays": [{"date": day, "name": name} for day, name in days],
    }


@router.get(
    "/working-days/",
    auth=None,
    response={200: WorkingDaysOut, 400: Errors},
)
def add_working_days(request, start: datetime.date, days: int, region: str = ""):
    """The date a number of working days (0 to 365) after a start date, skipping
    weekends and bank holidays: how case due dates are worked out."""
    region, problem = _region_or_error(region or _default_region())
    if problem:
        return Status(400, problems(problem))
    if not 0 <= days <= 365:
        return Status(400, problems(("days", "invalid", "Give a number from 0 to 365")))
    if not 1995 <= start.year <= 2100:
        return Status(400, problems(("start", "invalid", "Give a date from 1995 to 2100")))
    return {
        "region": region,
        "start": start,
        "working_days": days,
        "date": working_days.add_working_days(start, days, region),
    }


@router.get(
    "/addresses/",
    auth=ApiKeyAuth(),
    response={200: AddressesOut, 400: Errors, 401: Errors, 429: Errors},
)
def find_addresses(request, postcode: str):
    """Addresses at a postcode, from the installation's address provider. Needs a key
    (any scope)."""
    normal, problem = _postcode_or_error(postcode)
    if problem:
        return Status(400, problems(problem))
    found = addresses.find_addresses(normal)
    return {
        "postcode": normal,
        "addresses": [{"id": a.id, **a.as_answer()} for a in found],
    }


def _default_region() -> str:
    return settings.COMMONWEAL_BANK_HOLIDAY_REGION
