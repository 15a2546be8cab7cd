"""Each question type checks answers on the server with the GOV.UK error messages."""

import datetime
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone

from commonweal.catalogue.answers import answer_type
from commonweal.catalogue.definition import Question
from commonweal.intake.uploads import OversizedUpload


def question(type_, **extra) -> Question:
    return Question.model_validate(
        {"id": "q", "type": type_, "label": {"en": "Label", "cy": "Label"}, **extra}
    )


def parse(q: Question, data=None, files=None):
    post = QueryDict(mutable=True)
    for key, value in (data or {}).items():
        if isinstance(value, list):
            post.setlist(key, value)
        else:
            post[key] = value
    return answer_type(q).parse(q, post, files or {}, "en")


def error_of(q: Question, data=None, files=None) -> str | None:
    parsed = parse(q, data, files)
    return parsed.error.message if parsed.error else None


def test_required_text_uses_the_question_s_own_message():
    q = question("text", errors={"required": {"en": "Enter your name", "cy": "Rhowch eich enw"}})
    assert error_of(q, {"q": "  "}) == "Enter your name"
    assert answer_type(q).parse(q, QueryDict(""), {}, "cy").error.message == "Rhowch eich enw"
    assert parse(q, {"q": "  Sam  "}).value == "Sam"


def test_text_too_long():
    q = question("text", max_length=5)
    assert error_of(q, {"q": "abcdef"}) == "Answer must be 5 characters or less"


@pytest.mark.parametrize(
    ("typed", "message", "fields"),
    [
        ({}, "Enter a date", ["q-day", "q-month", "q-year"]),
        ({"q-day": "1", "q-year": "1990"}, "Date must include a month", ["q-month"]),
        ({"q-year": "1990"}, "Date must include a day and month", ["q-day", "q-month"]),
        ({"q-day": "31", "q-month": "2", "q-year": "1990"}, "Date must be a real date", None),
        ({"q-day": "x", "q-month": "2", "q-year": "1990"}, "Date must be a real date", None),
        ({"q-day": "1", "q-month": "2", "q-year": "90"}, "Year must include 4 numbers", ["q-year"]),
    ],
)
def test_date_errors_follow_the_govuk_pattern(typed, message, fields):
    parsed = parse(question("date"), typed)
    assert parsed.error.message == message
    if fields:
        assert parsed.error.fields == fields


def test_date_in_the_past_or_future():
    past = question("date", date_must_be="past")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    typed = {
        "q-day": str(tomorrow.day),
        "q-month": str(tomorrow.month),
        "q-year": str(tomorrow.year),
    }
    assert error_of(past, typed) == "Date must be in the past"
    assert parse(past, {"q-day": "04", "q-month": "11", "q-year": "1979"}).value == "1979-11-04"
    future = question("date", date_must_be="future")
    assert error_of(future, {"q-day": "1", "q-month": "1", "q-year": "2001"}) == (
        "Date must be in the future"
    )


@pytest.mark.parametrize(
    ("typed", "value", "message"),
    [
        ("ab 12 34 56 c", "AB123456C", None),
        ("AB123456", None, "Enter a National Insurance number in the correct format"),
        ("QQ123456C", None, "Enter a National Insurance number in the correct format"),
        ("GB123456A", None, "Enter a National Insurance number in the correct format"),
        ("AB123456E", None, "Enter a National Insurance number in the correct format"),
    ],
)
def test_national_insurance_number(typed, value, message):
    parsed = parse(question("ni_number"), {"q": typed})
    assert parsed.value == value
    assert (parsed.error.message if parsed.error else None) == message


@pytest.mark.parametrize(
    ("sort_code", "account", "message", "field"),
    [
        ("30-94-30", "00733445", None, None),
        ("", "00733445", "Enter a sort code", "q-sort-code"),
        ("30-94", "00733445", "Enter a valid sort code like 309430", "q-sort-code"),
        ("309430", "12345", "Account number must be between 6 and 8 digits", "q-account-number"),
        ("309430", "12AB5678", "Enter a valid account number like 00733445", "q-account-number"),
        ("309430", "", "Enter an account number", "q-account-number"),
    ],
)
def test_bank_details(sort_code, account, message, field):
    parsed = parse(
        question("bank_details"),
        {"q-name": "S Evans", "q-sort-code": sort_code, "q-account-number": account},
    )
    assert (parsed.error.message if parsed.error else None) == message
    if field:
        assert parsed.error.fields == [field]
    else:
        assert parsed.value == {
            "name": "S Evans",
            "sort_code": "309430",
            "account_number": "00733445",
        }


def test_bank_details_report_every_wrong_part_at_once():
    parsed = parse(
        question("bank_details"),
        {"q-name": "", "q-sort-code": "30-94", "q-account-number": "12345"},
    )
    assert parsed.value is None
    assert [(error.message, error.fields) for error in parsed.errors] == [
        ("Enter the name on the account", ["q-name"]),
        ("Enter a valid sort code like 309430", ["q-sort-code"]),
        ("Account number must be between 6 and 8 digits", ["q-account-number"]),
    ]


def test_bank_details_show_only_the_last_four_digits():
    q = question("bank_details")
    lines = answer_type(q).display(
        q, {"name": "S Evans", "sort_code": "309430", "account_number": "00733445"}, "en"
    )
    assert lines == ["S Evans", "30-94-30", "••••3445"]


def test_address_requires_line_town_and_a_real_postcode():
    q = question("address")
    assert error_of(q, {"q-line-1": "1 High St", "q-town": "Caerphilly"}) == "Enter postcode"
    assert error_of(q, {"q-line-1": "1 High St", "q-town": "X", "q-postcode": "ZZ1"}) == (
        "Enter a real postcode"
    )
    assert error_of(q, {"q-town": "X", "q-postcode": "CF83 1JD"}) == (
        "Enter address line 1, typically the building and street"
    )
    value = parse(
        q, {"q-line-1": "1 High St", "q-town": "Caerphilly", "q-postcode": "cf831jd"}
    ).value
    assert value["postcode"] == "CF83 1JD"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("07700 900982", "+447700900982"),
        ("020 7946 0000", "+442079460000"),
        ("+44 808 157 0192", "+448081570192"),
        ("0300 123 4567", "+443001234567"),
        ("12345", None),
        ("call me", None),
    ],
)
def test_uk_phone(typed, value):
    parsed = parse(question("phone"), {"q": typed})
    assert parsed.value == value
    if value is None:
        assert parsed.error.message.startswith("Enter a telephone number, like")


def test_email():
    q = question("email")
    assert error_of(q, {"q": "not-an-email"}) == (
        "Enter an email address in the correct format, like name@example.com"
    )
    assert parse(q, {"q": "Sam@Example.com"}).value == "sam@example.com"


def test_money_in_pounds_and_pence_within_limits():
    q = question("money", min="100", max="1348")
    assert parse(q, {"q": "£1,200.5"}).value == "1200.50"
    assert error_of(q, {"q": "12.345"}) == "Enter an amount in pounds and pence, like 150 or 150.50"
    assert error_of(q, {"q": "50"}) == "Amount must be between £100 and £1,348"
    assert error_of(q, {"q": "ten"}) == "Enter an amount in pounds and pence, like 150 or 150.50"


def test_number_whole_and_in_range():
    q = question("number", whole_number=True, min="1", max="20")
    assert parse(q, {"q": "3"}).value == "3"
    assert error_of(q, {"q": "2.5"}) == "Enter a whole number, like 3"
    assert error_of(q, {"q": "30"}) == "Enter a number between 1 and 20"


OPTIONS = [
    {"value": "ramp", "label": {"en": "Ramp", "cy": "Ramp"}},
    {"value": "rails", "label": {"en": "Rails", "cy": "Canllawiau"}},
    {
        "value": "none",
        "label": {"en": "None of these", "cy": "Dim un o'r rhain"},
        "exclusive": True,
    },
]


def test_checkboxes_refuse_an_exclusive_option_with_others_and_unknown_values():
    q = question("checkboxes", options=OPTIONS)
    assert parse(q, {"q": ["ramp", "rails"]}).value == ["ramp", "rails"]
    assert "select only “None of these”" in error_of(q, {"q": ["ramp", "none"]})
    assert error_of(q, {"q": ["ramp", "sofa"]}) == "Select from the options given"
    assert error_of(q, {}) == "Select at least one option"


def test_radios_refuse_an_unknown_value():
    q = question("radios", options=OPTIONS[:2])
    assert error_of(q, {"q": "sofa"}) == "Select an option"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_file_type_is_checked_by_content_not_by_name():
    q = question("file")
    disguised = SimpleUploadedFile("photo.pdf", png_bytes(), content_type="application/pdf")
    parsed = parse(q, files={"q": disguised})
    assert parsed.value["content_type"] == "image/png"
    script = SimpleUploadedFile(
        "evidence.pdf", b"#!/bin/sh\necho hi\n", content_type="application/pdf"
    )
    assert error_of(q, files={"q": script}) == "The selected file must be a JPG, PNG or PDF"
    empty = SimpleUploadedFile("empty.png", b"", content_type="image/png")
    assert error_of(q, files={"q": empty}) == "The selected file is empty"
    assert error_of(q) == "Select a file"


def test_file_over_the_limit_is_refused_with_the_limit(settings):
    q = question("file")
    big = OversizedUpload("huge.pdf", settings.COMMONWEAL_UPLOAD_MAX_BYTES + 10)
    assert error_of(q, files={"q": big}) == "The selected file must be smaller than 10MB"
