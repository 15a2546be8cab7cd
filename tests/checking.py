"""What the automated checks need to truly run in a test, as a deployment sets them up: the
banks' modulus table (rows of Pay.UK's, tests/data/) and a built person index."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
HEADER = (
    "source_id,given_name,family_name,date_of_birth,postcode,address_line_1,town,ni_number,"
    "email,phone"
)
# Sort code 30-94-30 with account numbers that pass its modulus check in the table.
VALID_ACCOUNTS = ["28112759", "83604450", "03893015", "28921392", "22260874", "72373348"]


def use_modulus_table(settings) -> None:
    settings.COMMONWEAL_SORT_CODE_FILE = str(DATA / "valacdos-excerpt.txt")
    settings.COMMONWEAL_SORT_CODE_SUBSTITUTIONS_FILE = str(DATA / "scsubtab.txt")


def build_person_index(tmp_path, rows: str = "") -> None:
    """A person index of a few housing records (Sam Evans of the demo answers, a stranger,
    and `rows`), linked with the model trained once for the tests."""
    from commonweal.personindex import services as personindex
    from tests.test_person_index import trained_model

    path = tmp_path / "housing.csv"
    path.write_text(
        f"{HEADER}\n"
        "h1,Sam,Evans,1979-11-04,CF83 1AA,2 High Street,Caerphilly,AB123456C,,\n"
        "h2,Robin,Other,1960-01-01,LL11 1AA,,,,,\n" + rows,
        encoding="utf-8",
    )
    personindex.records_import(source="housing", path=path)
    personindex.index_link(model=trained_model())
