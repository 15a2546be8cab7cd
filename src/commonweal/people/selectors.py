"""Reads of people's records, shaped as the answers a service's questions expect."""

from .models import Person

# The parts of a person's record a service question can fill in (`person_field`), and the
# question types that can hold each. An answer given in a journey updates the record; a
# value already on the record is offered for confirmation instead of asked again.
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "given_name": ("text",),
    "family_name": ("text",),
    "date_of_birth": ("date",),
    "ni_number": ("ni_number",),
    "address": ("address",),
    "email": ("email",),
    "phone": ("phone",),
    "language": ("radios",),
    "preferred_contact": ("radios",),
    "accessibility_needs": ("long_text", "text"),
}

# Radios that fill `language` or `preferred_contact` must offer exactly these values.
PERSON_FIELD_CHOICES: dict[str, set[str]] = {
    "language": {choice for choice, _label in Person.Language.choices},
    "preferred_contact": {choice for choice, _label in Person.ContactMethod.choices},
}


def person_for_account_get(*, account) -> Person | None:
    return Person.objects.filter(account=account).first()


def person_details(*, person: Person) -> dict:
    """The person's record as answers keyed by person field; empty fields are left out."""
    details = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "ni_number": person.ni_number,
        "address": {
            "line_1": person.address_line_1,
            "line_2": person.address_line_2,
            "town": person.address_town,
            "county": person.address_county,
            "postcode": person.address_postcode,
        }
        if person.address_line_1 and person.address_postcode
        else None,
        "email": person.email,
        "phone": person.phone,
        "language": person.language,
        "preferred_contact": person.preferred_contact,
        "accessibility_needs": person.accessibility_needs,
    }
    return {field: value for field, value in details.items() if value}
