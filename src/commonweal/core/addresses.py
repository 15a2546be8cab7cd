"""Address look-up by postcode, behind a small registry of providers.

The demo uses a local CSV of addresses by postcode. A deployment can register its own
provider (OS Places, a council's gazetteer) in the `address-providers` registry
(`ADDRESS_PROVIDERS.register(name, factory)` from its app's `ready()`, or
`register_address_provider`) and choose it with COMMONWEAL_ADDRESS_PROVIDER.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings

from .registry import Registry
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


ADDRESS_PROVIDERS: Registry[Callable[[], AddressProvider]] = Registry(
    "address-providers",
    "Address look-up by postcode, chosen with COMMONWEAL_ADDRESS_PROVIDER: a factory giving "
    "an object with find(postcode) -> [Address]",
)


def local_file_provider() -> LocalFileAddressProvider:
    return LocalFileAddressProvider(Path(settings.COMMONWEAL_ADDRESS_FILE))


def register_address_provider(name: str, factory: Callable[[], AddressProvider]) -> None:
    ADDRESS_PROVIDERS.register(name, factory, replace=True)
    address_provider.cache_clear()


@cache
def address_provider() -> AddressProvider:
    return ADDRESS_PROVIDERS.get(settings.COMMONWEAL_ADDRESS_PROVIDER)()


def find_addresses(postcode: str) -> list[Address]:
    return address_provider().find(postcode)
