"""What the matching checks compare, read from a case's application: its answers by
question type (so it works whatever a service calls its questions) and the person's record.
Every value is normalised so "ab 12 34 56 c" and "AB123456C" match, then kept as a keyed
hash (`digest`) for the match-key index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.crypto import salted_hmac

from commonweal.catalogue import selectors as catalogue
from commonweal.core import uk


@dataclass
class Facts:
    ni_numbers: set[str] = field(default_factory=set)
    # (sort code, account number) as typed after the form's normalisation.
    bank_accounts: list[tuple[str, str]] = field(default_factory=list)
    # The name on each of those accounts, as typed.
    bank_account_names: list[str] = field(default_factory=list)
    # (given names, family name) of the applicant, from the answers and their record.
    applicant_names: list[tuple[str, str]] = field(default_factory=list)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    # "POSTCODE|FIRST LINE", both upper-cased without punctuation or extra spaces.
    addresses: set[str] = field(default_factory=set)

    def match_values(self) -> list[tuple[str, str]]:
        """(kind, normalised value) for the match-key index."""
        keys = [("ni", value) for value in self.ni_numbers]
        keys += [("bank", f"{sort}{account}") for sort, account in self.valid_bank_accounts()]
        keys += [("phone", value) for value in self.phones]
        keys += [("email", value) for value in self.emails]
        keys += [("address", value) for value in self.addresses]
        return sorted(set(keys))

    def valid_bank_accounts(self) -> list[tuple[str, str]]:
        found = []
        for sort_code, account in self.bank_accounts:
            sort_code, account = uk.normalise_sort_code(sort_code), _account(account)
            if sort_code and account:
                found.append((sort_code, account))
        return found


def _account(value: str) -> str | None:
    digits = re.sub(r"[\s-]+", "", value or "")
    return digits if re.fullmatch(r"[0-9]{8}", digits) else None


def digest(kind: str, value: str) -> str:
    """A keyed hash: equal values match; the table holds no readable NI or bank numbers."""
    return salted_hmac(
        "commonweal.checks.match-key", f"{kind}:{value}", algorithm="sha256"
    ).hexdigest()


def address_key(line_1: str, postcode: str) -> str | None:
    postcode = uk.normalise_postcode(postcode or "")
    line = re.sub(r"[^A-Z0-9]+", " ", (line_1 or "").upper()).strip()
    if not postcode or not line:
        return None
    return f"{postcode}|{line}"


def case_facts(case) -> Facts:
    """The case's application answers and person record, normalised. Needs the case with
    its application, person and version loaded (the runner loads them in one query)."""
    definition = catalogue.definition_for(case.version)
    answers = case.application.answers or {}
    facts = Facts()
    for question in definition.questions():
        value = answers.get(question.id)
        if value in (None, "", {}, []):
            continue
        if question.type == "ni_number":
            number = uk.normalise_ni_number(str(value))
            if number:
                facts.ni_numbers.add(number)
        elif question.type == "bank_details" and isinstance(value, dict):
            facts.bank_accounts.append(
                (str(value.get("sort_code", "")), str(value.get("account_number", "")))
            )
            facts.bank_account_names.append(str(value.get("name", "")).strip())
        elif question.type == "phone":
            number = uk.normalise_uk_phone(str(value))
            if number:
                facts.phones.add(number)
        elif question.type == "email":
            facts.emails.add(str(value).strip().lower())
        elif question.type == "address" and isinstance(value, dict):
            key = address_key(value.get("line_1", ""), value.get("postcode", ""))
            if key:
                facts.addresses.add(key)
    person = case.person
    answered = {
        question.person_field: str(answers.get(question.id) or "").strip()
        for question in definition.questions()
        if question.person_field in ("given_name", "family_name")
    }
    for given, family in (
        (answered.get("given_name", ""), answered.get("family_name", "")),
        (person.given_name, person.family_name),
    ):
        if (given or family) and (given, family) not in facts.applicant_names:
            facts.applicant_names.append((given, family))
    if person.ni_number and not facts.ni_numbers:
        number = uk.normalise_ni_number(person.ni_number)
        if number:
            facts.ni_numbers.add(number)
    if person.email:
        facts.emails.add(person.email.strip().lower())
    if person.phone:
        number = uk.normalise_uk_phone(person.phone)
        if number:
            facts.phones.add(number)
    if not facts.addresses:
        key = address_key(person.address_line_1, person.address_postcode)
        if key:
            facts.addresses.add(key)
    return facts
