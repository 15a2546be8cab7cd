"""UK reference formats: postcodes, National Insurance numbers, bank details, phone numbers,
amounts of money.

Each `normalise_*` function returns the canonical form of a valid value, or None when the
value is not valid, so callers can tell the person exactly what is wrong.
"""

import re
from decimal import Decimal, InvalidOperation

import phonenumbers

# The format rules the Royal Mail and ONS publish (including GIR 0AA and the letters that
# are never used in each position).
_POSTCODE = re.compile(
    r"^(GIR0AA|"
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str | None:
    """'sw1a1aa ' -> 'SW1A 1AA'; None when it cannot be a UK postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


# HMRC's published rules: two prefix letters (first not D F I Q U V, second not D F I O Q U V,
# and not BG GB KN NK NT TN ZZ), six digits, suffix A to D.
_NI_NUMBER = re.compile(
    r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$"
)


def normalise_ni_number(value: str) -> str | None:
    """'qq 12 34 56 c' -> 'QQ123456C'; None when it is not a valid NI number format."""
    compact = re.sub(r"[\s-]+", "", value or "").upper()
    return compact if _NI_NUMBER.match(compact) else None


def format_ni_number(value: str) -> str:
    """'QQ123456C' -> 'QQ 12 34 56 C', as HMRC prints it."""
    if len(value) != 9:
        return value
    return f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"


def normalise_sort_code(value: str) -> str | None:
    """'30-94-30' or '30 94 30' -> '309430'."""
    compact = re.sub(r"[\s-]+", "", value or "")
    return compact if re.fullmatch(r"[0-9]{6}", compact) else None


def format_sort_code(value: str) -> str:
    return f"{value[:2]}-{value[2:4]}-{value[4:]}" if len(value) == 6 else value


def normalise_account_number(value: str) -> str | None:
    """UK account numbers are 6 to 8 digits; shorter ones are padded to 8 with zeros."""
    compact = re.sub(r"[\s-]+", "", value or "")
    if not re.fullmatch(r"[0-9]{6,8}", compact):
        return None
    return compact.rjust(8, "0")


_OFCOM_DRAMA_PREFIXES = (
    "+441134960",
    "+441144960",
    "+441154960",
    "+441164960",
    "+441174960",
    "+441184960",
    "+441214960",
    "+441314960",
    "+441414960",
    "+441514960",
    "+441614960",
    "+442079460",
    "+442890180",
    "+442920180",
    "+441632960",
    "+447700900",
    "+448081570",
    "+449098790",
    "+443069990",
)


def normalise_uk_phone(value: str) -> str | None:
    """A UK or international number in E.164 form ('+447700900982'), or None if invalid."""
    text = (value or "").strip()
    if not text or not re.fullmatch(r"[0-9+()\-\s.]+", text):
        return None
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number):
        return e164
    # Ofcom keeps some ranges for drama and examples (07700 900 982 is GOV.UK's own example).
    # libphonenumber calls them invalid; we accept them so the examples we show work.
    if phonenumbers.is_possible_number(number) and e164.startswith(_OFCOM_DRAMA_PREFIXES):
        return e164
    return None


def format_phone(e164: str) -> str:
    """'+447700900982' -> '07700 900982' for UK numbers, international format otherwise."""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 44:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def pence_from_pounds(value: str) -> int | None:
    """'£1,250.50', '1250.5' or '1250' -> pence (125050); None when it is not an amount of
    pounds and pence (more than two decimal places, a negative sign, words)."""
    text = re.sub(r"[\s,]+", "", value or "").removeprefix("£")
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", text):
        return None
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation:
        return None


def pounds_from_pence(pence: int) -> str:
    """125050 -> '1250.50', as a currency input is filled in (no pound sign, no commas)."""
    return f"{pence // 100}.{pence % 100:02d}"
