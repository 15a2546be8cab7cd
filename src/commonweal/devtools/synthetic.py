"""A seeded synthetic population with known duplicates, for the benchmark and the tests.

Each person is held by one to four source systems. The first record is clean; each further
one may have a typo in a name, a nickname, the names swapped, a new address, no NI number,
a slip in the date of birth, no email or phone: the ways records of one person differ in
real systems. The truth (which records are the same person) is returned beside the rows.
"""

from __future__ import annotations

import csv
import random
import string
from dataclasses import dataclass
from pathlib import Path

from commonweal.devtools.seed import FAMILY_NAMES, GIVEN_NAMES
from commonweal.personindex.normalise import FIELDS


def _words(text: str) -> list[str]:
    return text.split()


MORE_FAMILY = _words(
    "Abbott Allen Archer Ashby Bailey Barker Barnes Bates Bell Berry Bishop Black Blake Bond "
    "Booth Bradley Brooks Burns Butler Carr Carter Chambers Chapman Clark Cole Cox Crawford "
    "Cross Dawson Day Dean Dixon Doyle Duncan Elliott Ellis Fisher Fleming Fletcher Ford "
    "Foster Fox Francis Fraser Gardner Gibson Gill Gordon Graham Grant Gray Hamilton Harper "
    "Hart Harvey Hayes Henderson Holmes Hopkins Howard Hudson Hunt Hunter Jordan Kay Kennedy "
    "Knight Lane Lawrence Lawson Marshall Martin Mason Matthews Miller Mills Moss Murray "
    "Nicholson Norris Palmer Parker Pearce Pearson Perry Porter Quinn Ramsey Read Reid "
    "Reynolds Richards Riley Rose Russell Ryan Saunders Shepherd Simpson Slater Spencer Stone "
    "Sutton Swift Tucker Walters Warren Watson Webb Wells West Wheeler Whitehead Wilkinson "
    "Willis Woods Wyatt Yates Tudor Glyndwr Cadwaladr Gruffydd Hopkin Llywelyn Maddocks "
    "Mostyn Nash Penry Rowlands Salisbury Trevor Wynne Beynon Bowden Dando Gibbon Jeremy"
)
MORE_GIVEN = _words(
    "Aaron Abigail Adam Aidan Alan Alexander Alice Alison Amy Andrea Angela Anna Anthony "
    "Barbara Ben Beth Brian Bryn Carl Caroline Catherine Charlotte Christine Colin Craig "
    "Dawn Dean Denise Diane Donna Edward Eileen Eleanor Eric Evan Fiona Frances Frank Gail "
    "Gemma Gordon Graham Hayley Heather Ian Jacqueline Jane Janet Jason Jean Jennifer Jill "
    "Joan Jonathan Josephine Joyce Judith Karl Katherine Keith Kelly Kenneth Kim Lisa Louise "
    "Lynne Malcolm Marion Martin Matthew Maureen Melanie Michelle Natalie Neil Nigel Norman "
    "Pamela Philip Rachael Raymond Ronald Rosemary Ruth Sally Sandra Sharon Sheila Simon "
    "Stuart Tanya Teresa Terry Timothy Tracey Trevor Valerie Vanessa Victoria Wendy Yvonne"
)
NICKNAMES = {
    "ROBERT": "BOB", "WILLIAM": "BILL", "RICHARD": "DICK", "MARGARET": "MAGGIE",
    "ELIZABETH": "LIZ", "JAMES": "JIM", "MICHAEL": "MIKE", "CHRISTOPHER": "CHRIS",
    "KATHERINE": "KATE", "SAMUEL": "SAM", "DANIEL": "DAN", "THOMAS": "TOM",
    "JOSEPH": "JOE", "ANTHONY": "TONY", "PATRICIA": "PAT", "DAVID": "DAVE",
    "STEPHEN": "STEVE", "REBECCA": "BECKY", "ALEXANDER": "ALEX", "JONATHAN": "JON",
}  # fmt: skip
STREETS = _words(
    "High Church Station Mill Park Chapel School Bridge Castle Queen King Victoria "
    "Alexandra Heol Ffordd Maes Bryn Pen Tan Llys Cwrt Glan Nant Oak Ash Elm Beech Birch "
    "Willow Cedar Meadow River Hill Valley Mountain Forest Green Brook Orchard Garden Windsor "
    "Albert Edward George Richmond Clarence Windmill Quarry Colliery Tram Canal Harbour"
)
STREET_KINDS = ("Street", "Road", "Lane", "Avenue", "Close", "Terrace", "Way", "Crescent")
AREAS = {
    "CF": "CARDIFF", "NP": "NEWPORT", "SA": "SWANSEA", "LL": "LLANDUDNO", "SY": "SHREWSBURY",
    "LD": "LLANDRINDOD WELLS", "BS": "BRISTOL", "B": "BIRMINGHAM", "M": "MANCHESTER",
    "L": "LIVERPOOL", "LS": "LEEDS", "S": "SHEFFIELD", "NE": "NEWCASTLE", "G": "GLASGOW",
    "EH": "EDINBURGH", "BT": "BELFAST", "N": "LONDON", "SE": "LONDON", "E": "LONDON",
}  # fmt: skip
SOURCES = ("council-tax", "housing", "benefits", "schools")
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass
class Population:
    rows: list[dict]  # the standard columns, as a source file has them
    truth: list[int]  # the true person of each row
    people: int
    postcodes: list[tuple[str, str]]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))  # the first letter is rarely mistyped
    kind = rng.random()
    if kind < 0.35:
        return word[:i] + rng.choice(string.ascii_uppercase) + word[i + 1 :]
    if kind < 0.6:
        return word[:i] + word[i + 1 :]
    if kind < 0.85 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(string.ascii_uppercase) + word[i:]


def _dob_slip(dob: str) -> str:
    """The day's digits swapped, or the day one out: a keying slip."""
    day = int(dob[8:])
    swapped = int(dob[9] + dob[8])
    new_day = swapped if 1 <= swapped <= 28 and swapped != day else (day % 28) + 1
    return f"{dob[:8]}{new_day:02d}"


def _postcodes(rng: random.Random, count: int) -> list[tuple[str, str]]:
    areas = list(AREAS)
    codes: dict[str, str] = {}
    while len(codes) < count:
        area = rng.choice(areas)
        code = (
            f"{area}{rng.randint(1, 60)} {rng.randint(0, 9)}"
            f"{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
        )
        codes[code] = AREAS[area]
    return sorted(codes.items())


def _address(rng: random.Random, postcodes) -> tuple[str, str, str]:
    code, town = postcodes[rng.randrange(len(postcodes))]
    line = f"{rng.randint(1, 200)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
    return line, town, code


def population(records: int, seed: int = 1) -> Population:
    """About `records` rows (exactly that many) for people of whom about three in ten
    are held by more than one system."""
    rng = random.Random(seed)  # seeded test data, not secrets  # nosec B311
    given_names = [n.upper() for n in GIVEN_NAMES + MORE_GIVEN]
    family_names = [n.upper().replace("'", "") for n in FAMILY_NAMES + MORE_FAMILY]
    postcodes = _postcodes(rng, max(50, records // 12))
    rows: list[dict] = []
    truth: list[int] = []
    person = 0
    ni_seen: set[str] = set()
    while len(rows) < records:
        person += 1
        given = rng.choice(given_names)
        family = rng.choice(family_names)
        dob = f"{rng.randint(1935, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        while True:
            ni = f"{rng.choice(NI_FIRST)}{rng.choice(NI_SECOND)}{rng.randrange(10**6):06d}"
            if ni not in ni_seen:
                ni_seen.add(ni)
                break
        line, town, code = _address(rng, postcodes)
        email = f"{given.lower()}.{family.lower()}{rng.randint(1, 999)}@example.com"
        phone = f"07700{rng.randrange(10**6):06d}"
        has_email, has_phone = rng.random() < 0.6, rng.random() < 0.5
        copies = 1 + rng.choices((0, 1, 2, 3), weights=(70, 20, 8, 2))[0]
        sources = rng.sample(SOURCES, copies)
        for copy, source in enumerate(sources):
            if len(rows) >= records:
                break
            row = {
                "source": source,
                "source_id": f"{source[:2]}{len(rows) + 1}",
                "given_name": given,
                "family_name": family,
                "date_of_birth": dob,
                "postcode": code,
                "address_line_1": line,
                "town": town,
                "ni_number": ni,
                "email": email if has_email else "",
                "phone": phone if has_phone else "",
            }
            if copy == 0:
                if rng.random() < 0.15:
                    row["ni_number"] = ""
            else:
                row = variant(rng, row, postcodes)
            row["given_name"] = row["given_name"].title()
            row["family_name"] = row["family_name"].title()
            row["town"] = row["town"].title()
            rows.append(row)
            truth.append(person)
    return Population(rows=rows, truth=truth, people=person, postcodes=postcodes)


def variant(rng: random.Random, row: dict, postcodes) -> dict:
    """Another system's record of the same person (fields upper-case, as generated)."""
    row = dict(row)
    g, f = row["given_name"].upper(), row["family_name"].upper()
    if rng.random() < 0.15:
        g = _typo(rng, g)
    if rng.random() < 0.15:
        f = _typo(rng, f)
    if g in NICKNAMES and rng.random() < 0.3:
        g = NICKNAMES[g]
    if rng.random() < 0.05:
        g, f = f, g
    row["given_name"], row["family_name"] = g, f
    if rng.random() < 0.25:
        row["address_line_1"], row["town"], row["postcode"] = _address(rng, postcodes)
    if rng.random() < 0.35:
        row["ni_number"] = ""
    if rng.random() < 0.03:
        row["date_of_birth"] = _dob_slip(row["date_of_birth"])
    if rng.random() < 0.3:
        row["email"] = ""
    if rng.random() < 0.3:
        row["phone"] = ""
    return row


def new_applicants(known: Population, count: int, seed: int = 1) -> list[tuple[dict, int | None]]:
    """New applications to score against the index: half from people it holds (another
    variant of one of their records), half from people it has never seen. Each comes with
    the true person (None for a stranger)."""
    rng = random.Random(seed + 7)  # seeded test data, not secrets  # nosec B311
    strangers = population(count, seed + 1_000_003)
    out = []
    for i in range(count):
        if i % 2 == 0:
            j = rng.randrange(len(known.rows))
            out.append((variant(rng, known.rows[j], known.postcodes), known.truth[j]))
        else:
            out.append((strangers.rows[i], None))
    return out


def write_csv(rows: list[dict], path: Path, extra_columns: tuple[str, ...] = ()) -> Path:
    """The rows as a source system's CSV file: the standard columns (and any extras)."""
    columns = list(FIELDS) + list(extra_columns)
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return Path(path)
