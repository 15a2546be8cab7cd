"""Payment file formats: the `payment-formats` registry (`FORMATS`), so a deployment adds
its bank's format without touching the core, from its app's `AppConfig.ready()`:

    @register_format("mybank")
    class MyBank(PaymentFormat):
        extension = "txt"
        def render(self, batch: BatchFile) -> bytes: ...

(in a module `ready()` imports), or `FORMATS.register("mybank", MyBank)` there.

Built in (registered by the payments app's `ready()`): `bacs18` (a BACS Standard 18 style
fixed-width file) and `csv`. A format turns a batch into bytes; the caller writes them and
records their SHA-256 and totals.
"""

from __future__ import annotations

import abc
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass

from commonweal.core.csvfiles import csv_writer
from commonweal.core.registry import Registry


@dataclass(frozen=True)
class Payment:
    reference: str
    payee_name: str
    sort_code: str
    account_number: str
    amount_pence: int


@dataclass(frozen=True)
class Originator:
    """The account the money comes from, and the organisation's Bacs service user number."""

    sort_code: str
    account_number: str
    account_name: str
    service_user_number: str


@dataclass(frozen=True)
class BatchFile:
    batch_id: int
    day: datetime.date  # the day the file is made
    processing_day: datetime.date  # the day the bank is to process it
    originator: Originator
    payments: list[Payment]

    @property
    def total_pence(self) -> int:
        return sum(payment.amount_pence for payment in self.payments)


class PaymentFormat(abc.ABC):
    name = ""
    extension = "txt"
    content_type = "text/plain"

    @abc.abstractmethod
    def render(self, batch: BatchFile) -> bytes:
        """The whole file for the bank, as bytes."""


class UnknownFormat(Exception):
    """No format is registered under that name."""


FORMATS: Registry[type[PaymentFormat]] = Registry(
    "payment-formats", "Payment file formats for the bank, chosen with COMMONWEAL_PAYMENTS_FORMAT"
)


def register_format(name: str):
    """Class decorator: register a format under `name` (and give it that name)."""

    def decorator(cls: type[PaymentFormat]) -> type[PaymentFormat]:
        cls.name = name
        FORMATS.register(name, cls)
        return cls

    return decorator


def get_format(name: str) -> PaymentFormat:
    file_format = FORMATS.find(name)
    if file_format is None:
        raise UnknownFormat(
            f"Unknown payment file format {name!r}; known: {', '.join(format_names())}"
        )
    return file_format()


def format_names() -> list[str]:
    return FORMATS.names()


# BACS Standard 18


_NOT_ALLOWED = re.compile(r"[^A-Z0-9.&/\- ]")


def bacs_text(value: str, length: int) -> str:
    """Upper case, accents taken off (Siân is SIAN), only the characters Bacs accepts
    (others become spaces), cut or padded to the length."""
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", value) if not unicodedata.combining(char)
    )
    return _NOT_ALLOWED.sub(" ", plain.upper())[:length].ljust(length)


def bacs_number(value: int, length: int) -> str:
    text = str(value)
    if value < 0 or len(text) > length:
        raise ValueError(f"{value} does not fit in {length} digits")
    return text.rjust(length, "0")


def bacs_date(day: datetime.date) -> str:
    """Bacs dates are ' YYDDD': a space, the year's last two digits, the day of the year."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


CREDIT = "99"  # bank giro credit
DEBIT_CONTRA = "17"  # the debit from the originating account that balances the credits


class Bacs18(PaymentFormat):
    """A BACS Standard 18 *style* file: labels of 80 characters and data records of 100,
    laid out as the published standard describes (VOL1, HDR1, HDR2, UHL1, the credits, a
    debit contra that balances them, EOF1, EOF2, UTL1), lines ending CRLF.

    It is "style" rather than certified because: the volume serial and file identifiers are
    our own (Bacs-approved software and a bureau assign them), there is one file, one day
    and one contra only, no modulus check of destination accounts is done here, and the file
    is not signed for Bacstel-IP. A bank or bureau will say what it needs beyond this.
    """

    name = "bacs18"
    extension = "txt"
    content_type = "text/plain"

    def render(self, batch: BatchFile) -> bytes:
        origin = batch.originator
        sun = bacs_text(origin.service_user_number, 6)
        serial = bacs_number(batch.batch_id % 1_000_000, 6)
        created = bacs_date(batch.day)
        processing = bacs_date(batch.processing_day)
        file_id = f"A{sun}S  1{sun}"
        labels_hdr = self._headers(file_id, serial, created)
        lines = [
            "VOL1" + serial + " " + " " * 26 + " " * 4 + sun + " " * 4 + " " * 28 + "1",
            *labels_hdr("HDR"),
            "UHL1"
            + processing
            + "999999    "  # receiving party: Bacs
            + "00"  # currency: sterling
            + "000000"
            + "1 DAILY  "  # work code: a single-day file
            + "001"
            + " " * 7
            + " " * 7
            + " " * 26,
        ]
        for payment in batch.payments:
            lines.append(
                self._record(
                    sort_code=payment.sort_code,
                    account_number=payment.account_number,
                    code=CREDIT,
                    origin=origin,
                    amount=payment.amount_pence,
                    user_name=origin.account_name,
                    reference=payment.reference,
                    account_name=payment.payee_name,
                )
            )
        total = batch.total_pence
        lines.append(
            self._record(
                sort_code=origin.sort_code,
                account_number=origin.account_number,
                code=DEBIT_CONTRA,
                origin=origin,
                amount=total,
                user_name="CONTRA",
                reference="CONTRA",
                account_name=origin.account_name,
            )
        )
        lines.extend(labels_hdr("EOF"))
        lines.append(
            "UTL1"
            + bacs_number(total, 13)  # debits: the contra
            + bacs_number(total, 13)  # credits
            + bacs_number(1, 7)
            + bacs_number(len(batch.payments), 7)
            + " " * 8
            + " " * 28
        )
        return ("\r\n".join(lines) + "\r\n").encode("ascii")

    @staticmethod
    def _headers(file_id: str, serial: str, created: str):
        def labels(kind: str) -> list[str]:
            return [
                f"{kind}1"
                + file_id
                + serial  # set identification
                + "0001"  # file section
                + "0001"  # file sequence
                + " " * 4  # generation number
                + " " * 2  # generation version
                + created
                + created  # expiration date: the same day
                + " "
                + "000000"  # block count
                + " " * 13  # system code
                + " " * 7,
                f"{kind}2" + "F" + "02000" + "00100" + " " * 35 + "00" + " " * 28,
            ]

        return labels

    @staticmethod
    def _record(
        *, sort_code, account_number, code, origin, amount, user_name, reference, account_name
    ) -> str:
        return (
            bacs_number(int(sort_code), 6)
            + bacs_number(int(account_number), 8)
            + "0"  # account type
            + code
            + bacs_number(int(origin.sort_code), 6)
            + bacs_number(int(origin.account_number), 8)
            + " " * 4  # free format
            + bacs_number(amount, 11)
            + bacs_text(user_name, 18)
            + bacs_text(reference, 18)
            + bacs_text(account_name, 18)
        )


class Csv(PaymentFormat):
    """A header row, one row per payment, and a last row of totals: `TOTAL`, the number of
    payments and the sum in pence."""

    name = "csv"
    extension = "csv"
    content_type = "text/csv"
    header = ["reference", "payee_name", "sort_code", "account_number", "amount_pence"]

    def render(self, batch: BatchFile) -> bytes:
        out = io.StringIO()
        # Text that a spreadsheet would run as a formula is kept text; amounts stay numbers.
        writer = csv_writer(out)
        writer.writerow(self.header)
        for payment in batch.payments:
            writer.writerow(
                [
                    payment.reference,
                    payment.payee_name,
                    payment.sort_code,
                    payment.account_number,
                    payment.amount_pence,
                ]
            )
        writer.writerow(["TOTAL", len(batch.payments), "", "", batch.total_pence])
        return out.getvalue().encode("utf-8")
