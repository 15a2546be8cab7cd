"""The fields of a person record the index holds, in the one order every part of it uses:
the import, the tables, the linkage model, the scoring of a single record. Nothing here
imports Django or Splink, so a Spark job can read it too."""

# What a source record says about the person, normalised on import (normalise.NORMALISERS).
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "address_line_1",
    "town",
    "ni_number",
    "email",
    "phone",
)

# The fields the linkage model compares: all but the town.
COMPARED = tuple(field for field in PERSON_FIELDS if field != "town")
