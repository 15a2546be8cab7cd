"""Address look-up by postcode, behind a small registry of providers.

The demo uses a local CSV of addresses by postcode. A deployment can register its own
provider (OS Places, a council's gazetteer) with `register_address_provider` and choose it
with COMMONWEAL_ADDRESS_PROVIDER.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .uk import normalise_postcode


@dataclass(frozen=True)
class Address:
    id: str  # stable within the provider, e.g. a UPRN
    line_1: str
    line_2: str
    town: str
    county: str
    postcode: str

    def as_answer(self) -> dict:
        return {
            "line_1": self.line_1,
            "line_2": self.line_2,
            "town": self.town,
            "county": self.county,
            "postcode": self.postcode,
        }

    def one_line(self) -> str:
        parts = (self.line_1, self.line_2, self.town, self.postcode)
        return ", ".join(part for part in parts if part)


class AddressProvider(Protocol):
    def find(self, postcode: str) -> list[Address]:
        """Addresses at a normalised postcode ('CF83 1JD'), in a sensible order."""


class LocalFileAddressProvider:
    """Addresses from a CSV file with the columns id, line_1, line_2, town, county, postcode."""

    def __init__(self, path: Path):
        self.by_postcode: dict[str, list[Address]] = {}
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                postcode = normalise_postcode(row["postcode"])
                if postcode is None:
                    continue
                address = Address(
                    id=row["id"],
                    line_1=row["line_1"],
                    line_2=row.get("line_2", ""),
                    town=row["town"],
                    county=row.get("county", ""),
                    postcode=postcode,
                )
                self.by_postcode.setdefault(postcode, []).append(address)

    def find(self, postcode: str) -> list[Address]:
        return list(self.by_postcode.get(postcode, []))


_PROVIDERS: dict[str, Callable[[], AddressProvider]] = {
    "local-file": lambda: LocalFileAddressProvider(Path(settings.COMMONWEAL_ADDRESS_FILE)),
}


def register_address_provider(name: str, factory: Callable[[], AddressProvider]) -> None:
    _PROVIDERS[name] = factory
    address_provider.cache_clear()


@cache
def address_provider() -> AddressProvider:
    return _PROVIDERS[settings.COMMONWEAL_ADDRESS_PROVIDER]()


def find_addresses(postcode: str) -> list[Address]:
    return address_provider().find(postcode)
