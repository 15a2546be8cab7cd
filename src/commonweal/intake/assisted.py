"""What an application taken by staff may show of, and change on, a record that already
exists: decided by how the member of staff checked who they are talking to.

- Not checked yet: no record is looked for (an email address is refused); nothing is
  shown; a new record is made from the answers when it is sent.
- Questions only they would know: the record is found by email, access-logged; shown are
  the name and, masked, whether we hold an email address, phone number and postal address;
  nothing is written to the record but new contact details, which wait for a check.
- An identity document seen: the record is found by email, access-logged; everything the
  questions can offer is shown; the answers are written, except new contact details, which
  wait for a check.

New contact details always wait (`people.services.contact_change_request`) for a code
sent to a contact point on the record, or a team leader's approval. See docs/casework.md.

Registrations through the API (`intake.services.application_register`) follow the same
rules: an email address with the identity not checked is refused before anything is
looked up, and a record found by email gets only what the check allows.
"""

from __future__ import annotations

# How the person's identity was checked, as stored on the application and the case: a
# document seen is "document:<kind>".
IDENTITY_DOCUMENTS = ("passport", "driving_licence", "benefit_letter", "other")
IDENTITY_CHECKS = (
    "not_checked",
    "knowledge",
    *(f"document:{kind}" for kind in IDENTITY_DOCUMENTS),
)

NOT_SHOWN = "none"
LIMITED = "limited"
FULL = "full"

# What "questions only they would know" lets a member of staff see of an existing record.
LIMITED_FIELDS = ("given_name", "family_name")
# Person fields written to an existing record when the answers are sent, by check: never
# the contact details (they wait for a check), and nothing on questions alone.
WRITTEN_FIELDS = {
    NOT_SHOWN: (),
    LIMITED: (),
    FULL: (
        "given_name",
        "family_name",
        "date_of_birth",
        "ni_number",
        "language",
        "preferred_contact",
        "accessibility_needs",
    ),
}


def disclosure(identity_check: str) -> str:
    """How much of an existing record the identity check justifies showing."""
    if identity_check.startswith("document"):
        return FULL
    if identity_check == "knowledge":
        return LIMITED
    return NOT_SHOWN


def may_find_record(identity_check: str) -> bool:
    """Whether the check lets an email address find (and so reveal) a record we hold. The
    answer is the same whether or not one exists: without a check nothing is looked up."""
    return disclosure(identity_check) != NOT_SHOWN


def shown_details(details: dict, level: str) -> dict:
    """The record's details (as answers by person field) a member of staff may be offered."""
    if level == FULL:
        return details
    if level == LIMITED:
        return {name: value for name, value in details.items() if name in LIMITED_FIELDS}
    return {}


def mask_email(email: str) -> str:
    """'sam.evans@example.com' -> 's***@e***.com': enough to ask "is it still the one
    starting s?", not enough to write to."""
    local, _at, domain = email.partition("@")
    name, dot, suffix = domain.rpartition(".")
    if not name:
        name, dot, suffix = domain, "", ""
    return f"{local[:1]}***@{name[:1]}***{dot}{suffix}"


def mask_phone(phone: str) -> str:
    """The last three digits only."""
    digits = [character for character in phone if character.isdigit()]
    return "".join(digits[-3:])


def mask_postcode(postcode: str) -> str:
    """The outward code only ('CF83 1JD' -> 'CF83')."""
    return postcode.split(" ")[0] if " " in postcode else postcode[:-3]


def record_hints(person) -> dict:
    """Which contact details the record holds, masked, for the member of staff to ask about
    without reading them out."""
    hints = {}
    if person.email:
        hints["email"] = mask_email(person.email)
    if person.phone:
        hints["phone"] = mask_phone(person.phone)
    if person.address_line_1 and person.address_postcode:
        hints["address"] = mask_postcode(person.address_postcode)
    return hints


def record_banner(draft) -> dict | None:
    """What the banner on every question page says about a record that existed before:
    its name and, for a check on questions alone, which contact details it holds, masked."""
    if not draft.existing_record or draft.person is None:
        return None
    level = disclosure(draft.identity_check)
    return {
        "level": level,
        "name": draft.person.full_name,
        "hints": record_hints(draft.person) if level == LIMITED else {},
    }
