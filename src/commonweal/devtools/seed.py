"""Realistic data in bulk for the caseworker workspace and its benchmark (`commonweal seed`).

People, their sign-in accounts, submitted applications and their cases (open and closed,
each with its first event, a decision for every closed case, a few flags) are made with
plain Python from one seeded random generator and written straight to the tables in
batches, one transaction each: with COPY on PostgreSQL, so a million cases take minutes,
and with `bulk_create` on SQLite.

This goes around the services on purpose: they write one case at a time, with its history
and messages. What it writes is what those services would have left behind for a case
that got this far, for test and benchmark databases; it is not a way to change real data.
"""

from __future__ import annotations

import bisect
import datetime
import json
import random
import re
import time
import unicodedata
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from commonweal.accounts.models import User
from commonweal.cases.models import Case, CaseEvent, CaseFlag, Decision
from commonweal.catalogue import selectors as catalogue_selectors
from commonweal.catalogue import services as catalogue_services
from commonweal.catalogue.models import Service
from commonweal.core.references import ALPHABET
from commonweal.core.working_days import add_working_days
from commonweal.devtools import organisations as demo_organisations
from commonweal.intake.models import Application
from commonweal.organisations import selectors as organisations_selectors
from commonweal.organisations import services as organisations_services
from commonweal.organisations.models import Organisation, Role, Team
from commonweal.people.models import Person

DEMO_DIR = Path(catalogue_services.__file__).resolve().parent / "demo"
STAFF_PER_TEAM = 20
LEADERS_PER_TEAM = 2
STAFF_DOMAIN = "seed.example"


def _words(text: str) -> list[str]:
    return text.split()


# Names as they come in a county borough in south Wales: Welsh, English and newer
# communities' names, the common ones first (family names are drawn with falling weights,
# so "Jones" is as common as it is in the valleys).
GIVEN_NAMES = _words(
    "Rhys Dafydd Gareth Owain Ieuan Gethin Huw Aled Emyr Iwan Osian Rhodri Geraint Dylan "
    "Cerys Siân Ffion Carys Megan Bethan Nia Eleri Lowri Gwen Rhian Seren Alys Elin Sioned "
    "Catrin Angharad Mair Llinos Manon Oliver George Harry Jack Jacob Noah Charlie Thomas "
    "James William Samuel Joseph Daniel David Michael Paul Mark Andrew Christopher Stephen "
    "Richard Peter John Robert Kevin Gary Wayne Darren Lee Ryan Liam Callum Olivia Amelia "
    "Isla Ava Emily Sophie Grace Lily Chloe Jessica Sarah Emma Rebecca Hannah Laura Rachel "
    "Claire Karen Susan Helen Margaret Elizabeth Mary Patricia Linda Deborah Julie Joanne "
    "Nicola Kirsty Leanne Jade Zainab Fatima Mohammed Ayesha Priya Arjun Aleksander Zofia "
    "Kacper Chidi Amara Wei Mei Yusuf Maryam Tomasz Oksana"
)
FAMILY_NAMES = _words(
    "Jones Williams Davies Evans Thomas Roberts Lewis Hughes Morgan Griffiths Edwards Owen "
    "Price Jenkins Rees Powell Phillips James Lloyd Morris Parry Pritchard Bowen Howells Pugh "
    "Vaughan Watkins Harris Smith Brown Taylor Wilson Johnson Walker Wright Robinson Thompson "
    "White Green Hall Wood Clarke Jackson Turner Hill Moore Cooper Ward King Baker Bevan "
    "Prosser Llewellyn Meredith Probert Gwilliam Protheroe Harries Patel Khan Ahmed Ali "
    "Hussain Begum Singh Kaur Nowak Kowalski O'Brien O'Neill Murphy Kelly Walsh McDonald "
    "Campbell Stewart Anderson Scott Young Mitchell Bennett Cook Collins Shaw Lee Chen Wong "
    "Nguyen Okafor Mensah Ibrahim Ap-Rhys"
)
FAMILY_WEIGHTS = [1 / (rank + 3) for rank in range(len(FAMILY_NAMES))]

# Postcode districts the demo council covers (with their main town), then its neighbours.
DISTRICTS = [
    ("CF83", "Caerphilly", 24),
    ("CF82", "Ystrad Mynach", 9),
    ("CF81", "Bargoed", 9),
    ("NP11", "Risca", 9),
    ("NP12", "Blackwood", 14),
    ("NP22", "Tredegar", 7),
    ("NP23", "Ebbw Vale", 7),
    ("NP24", "New Tredegar", 5),
    ("CF14", "Cardiff", 8),
    ("NP20", "Newport", 8),
]
STREETS = [
    "High Street",
    "Cardiff Road",
    "Commercial Street",
    "Heol y Castell",
    "Pontygwindy Road",
    "Bedwas Road",
    "Nantgarw Road",
    "Mill Road",
    "Crescent Road",
    "Van Road",
    "Church Street",
    "Station Road",
    "Park Road",
    "Queen Street",
    "King Street",
    "Victoria Road",
    "Bridge Street",
    "Hillside Terrace",
    "Brynhyfryd",
    "Heol Las",
    "Ffordd y Gaer",
    "Lôn Isaf",
    "Maes y Coed",
    "Heol Pant y Celyn",
    "Rhodfa'r Dderwen",
    "Heol Fawr",
    "Gwerthonor Road",
    "Tir-y-berth Lane",
    "Morgan Street",
    "Risca Road",
    "Islwyn Road",
    "Woodland Terrace",
    "Coronation Street",
    "Chapel Street",
    "Penrhiw Road",
    "Llwyn Onn",
]
BUILDINGS = ["Ty Gwyn", "Glan yr Afon", "Castle Court", "Riverside House", "Maes Glas"]
# Unit letters allowed in the inward part of a postcode (no C I K M O V).
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ACCESSIBILITY_NEEDS = [
    "Letters in large print, please.",
    "I am deaf: please contact me by email or text, not by phone.",
    "I use a screen reader, so please send documents I can read on screen.",
    "Please call in the afternoon; I have appointments most mornings.",
    "I would like a British Sign Language interpreter for any calls.",
]
EXPLANATIONS = {
    "approved": ["", "", "We have checked your application and everything is in order."],
    "refused": [
        "",
        "We checked your answers against the rules for this service.",
        "We looked at the evidence you sent and it does not show what the rules need.",
    ],
    "withdrawn": ["", "We closed your application as you asked."],
}
LONG_TEXTS = [
    "I need help with the cost of getting to hospital appointments every week.",
    "My mother cannot get up the stairs any more and has fallen twice this year.",
    "I would use it for a short break and a new washing machine.",
    "I look after my partner at night and cannot work full time.",
    "Getting in and out of the bath is very hard and I am afraid of falling.",
    "A break for a few days and some help with the heating bill.",
]

# HMRC's rules for the two prefix letters (see core/uk.py).
NI_PREFIXES = [
    first + second
    for first in "ABCEGHJKLMNOPRSTWXYZ"
    for second in "ABCEGHJKLMNPRSTWXYZ"
    if first + second not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
]
PHONE_RANGES = ["+447700900", "+447700900", "+447700900", "+442920180", "+441632960"]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


GIVEN_ASCII = {name: _ascii(name) for name in GIVEN_NAMES}
FAMILY_ASCII = {name: _ascii(name) for name in FAMILY_NAMES}


def seed_reference(prefix: str, number: int) -> str:
    """The seeded application number `number` as a reference in the usual format: an "S"
    and seven characters of the reference alphabet (BL-S222-2223), so references sort by
    number and look like any other to the pages that read them."""
    digits = []
    for _position in range(7):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    if number:
        raise ValueError("Seed reference numbers have run out for this service")
    body = "S" + "".join(reversed(digits))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def seed_reference_number(reference: str) -> int | None:
    body = reference.split("-", 1)[-1].replace("-", "")
    if len(body) != 8 or body[0] != "S" or any(c not in ALPHABET for c in body[1:]):
        return None
    number = 0
    for character in body[1:]:
        number = number * len(ALPHABET) + ALPHABET.index(character)
    return number


# Tables


class Table:
    """A model's table as the seed writes it: the columns the seed fills, in order, and a
    fixed value for every other column (the field's default), so a field added to a model
    later does not break seeding unless it needs a value the seed cannot know."""

    def __init__(self, model: type[models.Model], attnames: list[str]):
        meta = model._meta
        self.model = model
        self.attnames = attnames
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = set(attnames) - set(by_attname)
        if unknown:
            raise RuntimeError(f"{meta.label} has no fields {', '.join(sorted(unknown))}")
        self.rest: list[models.Field] = []
        for model_field in meta.concrete_fields:
            if model_field.attname in attnames:
                continue
            if model_field is meta.pk and isinstance(model_field, models.AutoField):
                continue  # the database numbers the rows
            self.rest.append(model_field)
        self.rest_values = [self._default(f) for f in self.rest]
        # JSON is made as text (fast to write with COPY); bulk_create wants it parsed.
        self.json_attnames = {
            name for name in attnames if isinstance(by_attname[name], models.JSONField)
        }
        self.columns = [by_attname[name].column for name in attnames] + [
            f.column for f in self.rest
        ]

    def _default(self, model_field: models.Field):
        if model_field.has_default():
            if model_field.unique:
                raise RuntimeError(f"Seeding cannot fill {model_field} (unique, with a default)")
            return model_field.get_default()
        if isinstance(model_field, models.DateField) and (
            model_field.auto_now or model_field.auto_now_add
        ):
            # DateTimeField is a DateField too.
            if isinstance(model_field, models.DateTimeField):
                return timezone.now()
            return timezone.localdate()
        if model_field.null:
            return None
        if model_field.empty_strings_allowed:
            return ""
        raise RuntimeError(f"Seeding does not know what to put in {model_field}")

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    def write(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self._bulk_create(rows)
        return len(rows)

    def _copy(self, rows: list[tuple]) -> None:
        quote = connection.ops.quote_name
        rest = tuple(
            f.get_db_prep_save(value, connection)
            for f, value in zip(self.rest, self.rest_values, strict=True)
        )
        statement = (
            f"COPY {quote(self.db_table)} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN"
        )
        with connection.cursor() as cursor:
            raw = cursor.connection  # psycopg's own connection, in Django's transaction
            with raw.cursor() as copy_cursor, copy_cursor.copy(statement) as copy:
                write_row = copy.write_row
                if rest:
                    for row in rows:
                        write_row(row + rest)
                else:
                    for row in rows:
                        write_row(row)

    def _bulk_create(self, rows: list[tuple]) -> None:
        model, attnames, json_attnames = self.model, self.attnames, self.json_attnames
        objects = []
        for row in rows:
            values = dict(zip(attnames, row, strict=True))
            for name in json_attnames:
                values[name] = json.loads(values[name])
            objects.append(model(**values))
        model.objects.bulk_create(objects, batch_size=500)


# The columns the seed fills, table by table, in the order its rows give them.
COLUMNS: dict[str, tuple[type[models.Model], list[str]]] = {
    "accounts_user": (
        User,
        [
            "id",
            "password",
            "email",
            "display_name",
            "is_staff",
            "is_active",
            "is_superuser",
            "date_joined",
        ],
    ),
    "people_person": (
        Person,
        [
            "id",
            "public_id",
            "account_id",
            "given_name",
            "family_name",
            "date_of_birth",
            "ni_number",
            "address_line_1",
            "address_line_2",
            "address_town",
            "address_county",
            "address_postcode",
            "email",
            "phone",
            "language",
            "interpreter_needed",
            "interpreter_language",
            "accessibility_needs",
            "preferred_contact",
            "created_at",
            "updated_at",
        ],
    ),
    "intake_application": (
        Application,
        [
            "id",
            "service_id",
            "version_id",
            "account_id",
            "person_id",
            "on_behalf",
            "taken_by_id",
            "status",
            "channel",
            "language",
            "eligibility_answers",
            "answers",
            "completed_pages",
            "confirmed_details",
            "reference",
            "created_at",
            "updated_at",
            "submitted_at",
        ],
    ),
    "cases_case": (
        Case,
        [
            "id",
            "reference",
            "application_id",
            "person_id",
            "service_id",
            "version_id",
            "stage",
            "opened_at",
            "due_date",
            "closed_at",
            "team_id",
            "assigned_to_id",
            "revision",
            "clock_stopped_on",
            "awaiting_reply_since",
            "outcome",
            "channel",
        ],
    ),
    "cases_caseevent": (
        CaseEvent,
        [
            "case_id",
            "kind",
            "created_at",
            "actor_id",
            "on_behalf_of_id",
            "visible_to_person",
            "data",
        ],
    ),
    "cases_decision": (
        Decision,
        ["case_id", "outcome", "reasons", "explanation", "decided_by_id", "decided_at"],
    ),
    "cases_caseflag": (CaseFlag, ["case_id", "code", "created_by_id", "created_at"]),
}


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for a model's table. On PostgreSQL they come from the
    table's own sequence, so rows added later by the application never clash with them."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            # Names from the models' own metadata, quoted: no input reaches this SQL.
            f"SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) "  # noqa: S608  # nosec B608
            f"FROM {connection.ops.quote_name(table)}"
        )
        start = (cursor.fetchone()[0] or 0) + 1
    return list(range(start, start + count))


# Services


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# Where each person field's answer (as JSON text, None when empty) is in the details the
# seeder keeps for each person: (person id, account id, language, postcode as JSON, name on
# the bank account as JSON, then the fields).
PERSON_FIELD_INDEX = {
    name: position
    for position, name in enumerate(
        [
            "given_name",
            "family_name",
            "date_of_birth",
            "ni_number",
            "address",
            "email",
            "phone",
            "language",
            "preferred_contact",
            "accessibility_needs",
        ],
        start=5,
    )
}


def _key(question_id: str) -> str:
    return _encode(question_id) + ":"


@dataclass
class Variant:
    """One way of filling in a service's questions, apart from the person's own details,
    which are filled in for each application. Held as pieces of JSON text, so that an
    application's answers are put together by joining strings."""

    answers: str  # the answers that are not about the person, without the braces
    person_keys: list[tuple[str, int]]  # ('"given-name":', index in Seeder person details)
    bank_keys: list[str]
    eligibility: str  # without the braces
    postcode_keys: list[str]  # eligibility questions answered with the person's postcode
    completed_pages: str
    on_behalf: bool


@dataclass
class ServicePlan:
    service_id: int
    version_id: int
    prefix: str
    weight: float
    target_days: int
    first_stage: str
    open_stages: list[str]
    open_cum_weights: list[float]
    waiting_stages: set[str]
    final_for: dict[str, str]
    reasons: dict[str, list[str]]
    team_id: int | None
    members: list[int]
    variants: list[Variant] = field(default_factory=list)
    next_number: int = 1

    def next_reference(self) -> str:
        reference = seed_reference(self.prefix, self.next_number)
        self.next_number += 1
        return reference


# Shares of applications per demo service; any other service counts as 1.
SERVICE_WEIGHTS = {
    "budgeting-loan": 4,
    "energy-support": 3,
    "carers-grant": 1.5,
    "home-adaptation": 1.5,
}
VARIANTS_PER_SERVICE = 400


def _option_values(question) -> list[str]:
    return [option.value for option in question.options or []]


def _money(rng: random.Random, question) -> str:
    low = float(question.min if question.min is not None else 0)
    if question.max is not None:
        high = float(question.max)
    elif "income" in question.id:
        low, high = max(low, 6000.0), 32000.0
    else:
        high = low + 2500.0
    amount = round(rng.uniform(low, high) / 10) * 10
    return f"{min(max(amount, low), high):.2f}"


def _static_answer(rng: random.Random, question):
    """A plausible answer to a question that is not about the person's own details."""
    kind = question.type
    if kind == "yes_no":
        return rng.random() < 0.6
    if kind == "radios":
        return rng.choice(_option_values(question))
    if kind == "checkboxes":
        options = question.options or []
        ordinary = [o.value for o in options if not o.exclusive]
        exclusive = [o.value for o in options if o.exclusive]
        if not ordinary or (exclusive and rng.random() < 0.1):
            return [rng.choice(exclusive)]
        chosen = set(rng.sample(ordinary, rng.randint(1, min(3, len(ordinary)))))
        return [value for value in ordinary if value in chosen]
    if kind == "number":
        low = int(question.min if question.min is not None else 1)
        high = int(question.max if question.max is not None else low + 10)
        if "hours" in question.id:
            return str(rng.randint(max(low, 20), min(high, 90)))
        return str(rng.randint(low, low + max(1, min((high - low) // 4, 5))))
    if kind == "money":
        return _money(rng, question)
    if kind == "date":
        days = rng.randint(30, 3000)
        day = datetime.date.today() + datetime.timedelta(
            days=days if question.date_must_be == "future" else -days
        )
        return day.isoformat()
    if kind == "long_text":
        return rng.choice(LONG_TEXTS)[: question.max_length or 1000]
    if kind == "text":
        if "name" in question.id:
            return f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"
        return "Neighbour"
    if kind == "email":
        return f"{GIVEN_ASCII[rng.choice(GIVEN_NAMES)]}{rng.randint(1, 999)}@{STAFF_DOMAIN}"
    if kind == "phone":
        return f"{rng.choice(PHONE_RANGES)}{rng.randint(0, 999):03d}"
    if kind == "address":
        district, town, _weight = rng.choice(DISTRICTS)
        inward = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('NPQ')}"
        return {
            "line_1": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            "line_2": "",
            "town": town,
            "county": "",
            "postcode": f"{district} {inward}",
        }
    if kind == "ni_number":
        return f"{rng.choice(NI_PREFIXES)}{rng.randint(0, 999_999):06d}{rng.choice('ABCD')}"
    return None  # files: the seed makes no uploads


def _variant(rng: random.Random, definition) -> Variant:
    answers: dict = {}
    shown: dict = {}  # the answers conditions can see: person fields count as answered
    person_questions, bank_questions, pages = [], [], []
    for page in definition.pages:
        if page.show_if is not None and not page.show_if.holds(shown):
            continue
        pages.append(page.id)
        for question in page.questions:
            if question.person_field:
                person_questions.append((question.id, question.person_field))
                shown[question.id] = "x"
                continue
            if question.type == "bank_details":
                bank_questions.append(question.id)
                shown[question.id] = {"name": "x"}
                continue
            if not question.required and rng.random() < 0.3:
                continue
            value = _static_answer(rng, question)
            if value is not None:
                answers[question.id] = value
                shown[question.id] = value
    eligibility, postcode_questions = {}, []
    for question in definition.eligibility.questions if definition.eligibility else []:
        if question.type == "postcode":
            postcode_questions.append(question.id)
            continue
        allowed = [
            choice for choice, _label in question.choices() if not question.outcome_for(choice)
        ]
        eligibility[question.id] = rng.choice(allowed or [question.choices()[0][0]])
    return Variant(
        answers=_encode(answers)[1:-1],
        person_keys=[(_key(qid), PERSON_FIELD_INDEX[name]) for qid, name in person_questions],
        bank_keys=[_key(qid) for qid in bank_questions],
        eligibility=_encode(eligibility)[1:-1],
        postcode_keys=[_key(qid) for qid in postcode_questions],
        completed_pages=_encode(pages),
        on_behalf=definition.is_on_behalf({**answers, **{key: {} for key in bank_questions}}),
    )


def service_plans(rng: random.Random) -> list[ServicePlan]:
    """What to seed for each published service: its stages, reasons, team and members, and
    a few hundred ways of answering its questions."""
    plans = []
    # A service no team handles yet is worked by the council's staff.
    council_team_ids = list(
        Team.objects.filter(organisation__kind=Organisation.Kind.COUNCIL).values_list(
            "pk", flat=True
        )
    )
    for published in catalogue_selectors.published_services():
        definition = published.definition
        team_id = organisations_selectors.team_for_service(service_id=published.service.pk)
        members = [
            m.user_id
            for m in organisations_selectors.team_members(team_ids=[team_id] if team_id else [])
        ] or [m.user_id for m in organisations_selectors.team_members(team_ids=council_team_ids)]
        open_stages = [stage for stage in definition.stages if not stage.final]
        if not open_stages:
            open_stages = [definition.stages[0]]
        weights = [
            3.0 if stage is definition.stages[0] else 0.3 if stage.review else 2.0
            for stage in open_stages
        ]
        if not members:
            raise RuntimeError(f"Nobody works cases of {published.service.slug}.")
        outcomes = ("approved", "refused", "withdrawn")
        plan = ServicePlan(
            service_id=published.service.pk,
            version_id=published.version.pk,
            prefix=published.service.reference_prefix,
            weight=SERVICE_WEIGHTS.get(published.service.slug, 1),
            target_days=definition.target_working_days,
            first_stage=definition.stages[0].id,
            open_stages=[stage.id for stage in open_stages],
            open_cum_weights=_cumulative(weights),
            waiting_stages={stage.id for stage in open_stages if stage.waiting_for_person},
            final_for={
                outcome: definition.final_stage_for(outcome).id
                for outcome in outcomes
                if any(stage.final for stage in definition.stages)
            },
            reasons={
                outcome: [reason.id for reason in definition.reasons_for(outcome)]
                for outcome in outcomes
            },
            team_id=team_id,
            members=members,
        )
        plan.variants = [_variant(rng, definition) for _ in range(VARIANTS_PER_SERVICE)]
        plan.next_number = _last_seed_number(plan.prefix) + 1
        plans.append(plan)
    return plans


def _last_seed_number(prefix: str) -> int:
    """The highest seed reference number used so far for this prefix: a range on the
    references' unique index, read from the top."""
    latest = (
        Application.objects.filter(reference__gte=f"{prefix}-S", reference__lt=f"{prefix}-T")
        .order_by("-reference")
        .values_list("reference", flat=True)[:20]
    )
    return max((seed_reference_number(reference) or 0 for reference in latest), default=0)


# Set-up: services, organisations, staff


def demo_services_ensure() -> list[str]:
    """Load the demo services when there are none."""
    if Service.objects.exists():
        return []
    loaded = []
    for path in sorted(DEMO_DIR.glob("*.yaml")):
        version = catalogue_services.service_import(yaml_text=path.read_text(encoding="utf-8"))
        loaded.append(version.service.slug)
    return loaded


def staff_ensure() -> int:
    """About twenty staff in each council team, two of them team leaders. Made again with
    the same addresses on every run, so seeding twice does not add staff."""
    teams = demo_organisations.organisations_demo_ensure()
    council_teams = [
        team
        for _slug, team in sorted(teams.items(), key=lambda item: item[1].pk)
        if team.organisation.kind == Organisation.Kind.COUNCIL
    ]
    names = random.Random("staff")  # made-up names for demo data, not secrets  # nosec B311
    created = 0
    number = 0
    for team in council_teams:
        for position in range(STAFF_PER_TEAM):
            number += 1
            name = f"{names.choice(GIVEN_NAMES)} {names.choice(FAMILY_NAMES)}"
            user, was_created = User.objects.get_or_create(
                email=f"caseworker{number}@{STAFF_DOMAIN}",
                defaults={
                    "display_name": name,
                    "is_staff": True,
                    "password": make_password(None),
                },
            )
            created += was_created
            role = Role.TEAM_LEADER if position < LEADERS_PER_TEAM else Role.CASEWORKER
            organisations_services.membership_ensure(user=user, team=team, role=role)
    return created


# Rows


@dataclass
class SeedResult:
    rows: dict[str, int]
    seconds: float
    loaded_services: list[str]
    staff_created: int


@dataclass
class Batch:
    """The rows of one transaction: some people, and some cases (of any of the people made
    so far in the batch or, when it makes none, in the last batch that did)."""

    people: int
    rows: dict[str, list[tuple]]


class Seeder:
    def __init__(
        self,
        *,
        people: int,
        cases: int,
        open_share: float = 0.1,
        seed: int = 1,
        batch_size: int = 50_000,
    ):
        self.people = people
        self.cases = cases
        self.open_share = open_share
        self.seed = seed
        self.batch_size = batch_size
        self.open_total = round(cases * open_share)
        self.postgres = connection.vendor == "postgresql"
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.tables = {name: Table(model, columns) for name, (model, columns) in COLUMNS.items()}
        self.rows = dict.fromkeys(self.tables, 0)
        self.family_cum_weights = _cumulative(FAMILY_WEIGHTS)
        self.district_cum_weights = _cumulative([weight for _d, _t, weight in DISTRICTS])
        self._pool: list[tuple] = []
        self._event_data: dict[tuple, str] = {}
        self._reasons: dict[tuple, str] = {}

    def run(self, progress: Callable[[int, int], None] | None = None) -> SeedResult:
        started = time.monotonic()
        loaded = demo_services_ensure()
        staff_created = staff_ensure()
        self.plans = service_plans(random.Random(f"{self.seed}-services"))  # nosec B311
        if not self.plans:
            raise RuntimeError("There is no published service to seed cases for.")
        self.service_cum_weights = _cumulative([plan.weight for plan in self.plans])
        # A second run goes on from the references already used, with another stream of
        # random numbers, so it adds new people and cases rather than the same again.
        self.rng = random.Random(  # repeatable fake data, never a secret  # nosec B311
            f"{self.seed}-{sum(plan.next_number for plan in self.plans)}"
        )
        self.user_ids = allocate_ids(User, self.people)
        self.person_ids = allocate_ids(Person, self.people)
        self.case_ids = allocate_ids(Case, self.cases)

        count = max(-(-self.cases // self.batch_size), -(-self.people // self.batch_size))
        # Checking each row's foreign keys one by one takes about as long as the rest of
        # the load together; a superuser can skip that and check them all at the end in a
        # few set-wise queries instead.
        self.skip_key_checks = self.postgres and _is_superuser()
        if self.postgres:
            # Make the next batch while the database takes this one: the two share the
            # work about equally, and psycopg lets go of Python while it waits.
            with ThreadPoolExecutor(max_workers=1) as executor:
                upcoming = executor.submit(self._batch, 0, count)
                for number in range(count):
                    batch = upcoming.result()
                    if number + 1 < count:
                        upcoming = executor.submit(self._batch, number + 1, count)
                    self._write(batch, progress)
            if self.skip_key_checks:
                broken = foreign_keys_broken(list(self.tables.values()))
                if broken:
                    raise RuntimeError("Seeded rows point at rows that do not exist: " + broken)
            # VACUUM as well as ANALYZE: it sets the visibility map, so counts over the
            # queue's covering index are index-only scans, as on a database autovacuum
            # has visited. VACUUM cannot run in a transaction.
            with connection.cursor() as cursor:
                for table in self.tables:
                    if connection.in_atomic_block:
                        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                    else:
                        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        else:
            for number in range(count):
                self._write(self._batch(number, count), progress)
        return SeedResult(
            rows=dict(self.rows),
            seconds=time.monotonic() - started,
            loaded_services=loaded,
            staff_created=staff_created,
        )

    def _write(self, batch: Batch, progress) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if self.skip_key_checks:
                cursor.execute("SET LOCAL session_replication_role = replica")
            for name, rows in batch.rows.items():
                self.rows[name] += self.tables[name].write(rows)
                if name == "intake_application" and not self.postgres:
                    _application_times(rows)
            if self.skip_key_checks:
                # Back to normal before the batch ends (it may be inside a transaction
                # that goes on, as in the tests).
                cursor.execute("SET LOCAL session_replication_role = origin")
        if progress:
            progress(len(batch.rows["cases_case"]), batch.people)

    def _batch(self, number: int, count: int) -> Batch:
        """Batch `number` of `count`: its share of the people and of the cases. Touches no
        database, so it can be made while the last batch is written."""
        first_person = -(-self.people * number // count)
        last_person = -(-self.people * (number + 1) // count)
        first_case = self.cases * number // count
        last_case = self.cases * (number + 1) // count
        rows: dict[str, list[tuple]] = {name: [] for name in self.tables}
        people = self._people(first_person, last_person, rows)
        self._pool = people or self._pool
        self._cases(first_case, last_case, self._pool, rows)
        return Batch(people=len(people), rows=rows)

    # People and their accounts

    def _people(self, first: int, last: int, rows: dict[str, list[tuple]]) -> list[tuple]:
        """People `first` to `last`, each with a citizen account; returns what their
        applications need (see PERSON_FIELD_INDEX)."""
        rng = self.rng
        random_ = rng.random
        randint = rng.randint
        choice = rng.choice
        getrandbits = rng.getrandbits
        now = self.now
        today = timezone.localdate(now).toordinal()
        users, people, details = rows["accounts_user"], rows["people_person"], []
        given_names, family_names = GIVEN_NAMES, FAMILY_NAMES
        family_cum, family_total = self.family_cum_weights, self.family_cum_weights[-1]
        district_cum, district_total = self.district_cum_weights, self.district_cum_weights[-1]
        letters, streets = POSTCODE_UNIT_LETTERS, STREETS
        encode = _encode
        for user_id, person_id in zip(
            self.user_ids[first:last], self.person_ids[first:last], strict=True
        ):
            given = choice(given_names)
            family = family_names[bisect.bisect(family_cum, random_() * family_total)]
            email = f"{GIVEN_ASCII[given]}.{FAMILY_ASCII[family]}{person_id}@{STAFF_DOMAIN}"
            district, town, _weight = DISTRICTS[
                bisect.bisect(district_cum, random_() * district_total)
            ]
            sector, first_letter, second_letter = randint(1, 9), randint(0, 19), randint(0, 19)
            postcode = f"{district} {sector}{letters[first_letter]}{letters[second_letter]}"
            # The same postcode is always the same street.
            street = streets[(sector * 400 + first_letter * 20 + second_letter) % len(streets)]
            if random_() < 0.1:
                line_1 = f"Flat {randint(1, 24)}"
                line_2 = f"{choice(BUILDINGS)}, {street}"
            else:
                line_1, line_2 = f"{randint(1, 140)} {street}", ""
            # Adults, more of them of working age than over 80.
            age_days = int(18 * 365.25 + (random_() ** 1.3) * 72 * 365.25)
            date_of_birth = datetime.date.fromordinal(today - age_days)
            ni_number = f"{choice(NI_PREFIXES)}{randint(0, 999_999):06d}{'ABCD'[randint(0, 3)]}"
            phone = f"{choice(PHONE_RANGES)}{randint(0, 999):03d}" if random_() < 0.85 else ""
            # One in five reads Welsh; a few speak Polish or Arabic (the demo's community
            # languages), half of the Polish speakers with an interpreter. The pages they
            # use, and so their applications, are in English.
            roll = random_()
            language = "cy" if roll < 0.2 else "en"
            speaks = "pl" if 0.2 <= roll < 0.23 else "ar" if 0.23 <= roll < 0.25 else language
            interpreter = "pl" if speaks == "pl" and roll < 0.215 else ""
            roll = random_()
            contact = "email" if roll < 0.6 else "phone" if roll < 0.85 and phone else "letter"
            needs = choice(ACCESSIBILITY_NEEDS) if random_() < 0.03 else ""
            users.append((user_id, "!", email, "", False, True, False, now))
            people.append(
                (
                    person_id,
                    uuid.UUID(int=getrandbits(128), version=4),
                    user_id,
                    given,
                    family,
                    date_of_birth,
                    ni_number,
                    line_1,
                    line_2,
                    town,
                    "",
                    postcode,
                    email,
                    phone,
                    speaks,
                    bool(interpreter),
                    interpreter,
                    needs,
                    contact,
                    now,
                    now,
                )
            )
            address = {
                "line_1": line_1,
                "line_2": line_2,
                "town": town,
                "county": "",
                "postcode": postcode,
            }
            details.append(
                (
                    person_id,
                    user_id,
                    language,
                    encode(postcode),
                    encode(f"{given[0]} {family}"),
                    encode(given),
                    encode(family),
                    encode(date_of_birth.isoformat()),
                    encode(ni_number),
                    encode(address),
                    encode(email),
                    encode(phone) if phone else None,
                    encode(language),
                    encode(contact),
                    encode(needs) if needs else None,
                )
            )
        return details

    # Applications and cases

    def _cases(self, first: int, last: int, pool: list[tuple], rows) -> None:
        count = last - first
        if count <= 0:
            return
        rng = self.rng
        random_ = rng.random
        randint = rng.randint
        choice = rng.choice
        uniform = rng.uniform
        getrandbits = rng.getrandbits
        now, zone = self.now, self.zone
        timedelta = datetime.timedelta
        day = 86400.0
        # Exactly round(cases x share) open cases over the whole run, spread over batches.
        opens = (last * self.open_total) // self.cases - (first * self.open_total) // self.cases
        open_positions = set(rng.sample(range(count), opens))
        plans, service_cum = self.plans, self.service_cum_weights
        service_total = service_cum[-1]
        event_data, reasons_json = self._event_data, self._reasons
        applications, cases = rows["intake_application"], rows["cases_case"]
        events, decisions, flags = (
            rows["cases_caseevent"],
            rows["cases_decision"],
            rows["cases_caseflag"],
        )
        for position, case_id in enumerate(self.case_ids[first:last]):
            plan = plans[bisect.bisect(service_cum, random_() * service_total)]
            person = choice(pool)
            person_id = person[0]
            variant = choice(plan.variants)
            parts = [variant.answers] if variant.answers else []
            for key, index in variant.person_keys:
                value = person[index]
                if value is not None:
                    parts.append(key + value)
            for key in variant.bank_keys:
                parts.append(
                    f'{key}{{"name":{person[4]},"sort_code":"{randint(0, 999_999):06d}",'
                    f'"account_number":"{randint(0, 99_999_999):08d}"}}'
                )
            answers = "{" + ",".join(parts) + "}"
            eligibility = [variant.eligibility] if variant.eligibility else []
            eligibility.extend(key + person[3] for key in variant.postcode_keys)
            on_behalf = variant.on_behalf
            account_id = person[1]
            if on_behalf and len(pool) > 1:
                account_id = choice(pool)[1]  # a relative or carer, with their own account
            roll = random_()
            channel = "online" if roll < 0.95 else "phone" if roll < 0.98 else "paper"
            members = plan.members
            taken_by = choice(members) if channel != "online" else None
            reference = plan.next_reference()
            application_id = uuid.UUID(int=getrandbits(128), version=4)

            is_open = position in open_positions
            if is_open:
                # Mostly recent, with a tail of older ones that are now overdue.
                age = min(rng.expovariate(1 / 12.0), 120.0) * day
            else:
                age = uniform(3.0, 730.0) * day
            opened_at = now - timedelta(seconds=age)
            opened_on = opened_at.astimezone(zone).date()
            due_date = add_working_days(opened_on, plan.target_days)
            closed_at = awaiting_reply_since = clock_stopped_on = None
            outcome = ""
            if is_open:
                weights = plan.open_cum_weights
                stage = plan.open_stages[bisect.bisect(weights, random_() * weights[-1])]
                assigned_to = choice(members) if random_() < 0.5 else None
                if random_() < 0.1:
                    awaiting_reply_since = now - timedelta(seconds=uniform(0, min(age, 7 * day)))
                if stage in plan.waiting_stages and random_() < 0.8:
                    stopped = now - timedelta(seconds=uniform(0, age))
                    clock_stopped_on = stopped.astimezone(zone).date()
                if random_() < 0.03:
                    code = choice(FLAG_CODES)
                    flagged_at = opened_at + timedelta(seconds=uniform(0, age))
                    flags.append((case_id, code, choice(members), flagged_at))
            else:
                roll = random_()
                outcome = "approved" if roll < 0.6 else "refused" if roll < 0.9 else "withdrawn"
                stage = plan.final_for.get(outcome, plan.first_stage)
                span = max((due_date - opened_on).days, 1) * day
                closed_at = opened_at + timedelta(
                    seconds=min(uniform(0.2, 1.25) * span, age - 3600.0)
                )
                decided_by = assigned_to = choice(members)
                reasons = plan.reasons[outcome]
                chosen = (choice(reasons),) if reasons else ()
                if outcome == "refused" and len(reasons) > 1 and random_() < 0.2:
                    second = choice(reasons)
                    if second != chosen[0]:
                        chosen += (second,)
                reasons_text = reasons_json.get(chosen)
                if reasons_text is None:
                    reasons_text = reasons_json[chosen] = _encode(list(chosen))
                explanation = choice(EXPLANATIONS[outcome])
                decisions.append(
                    (case_id, outcome, reasons_text, explanation, decided_by, closed_at)
                )
            applications.append(
                (
                    application_id,
                    plan.service_id,
                    plan.version_id,
                    account_id,
                    person_id,
                    on_behalf,
                    taken_by,
                    "submitted",
                    channel,
                    person[2],
                    "{" + ",".join(eligibility) + "}",
                    answers,
                    variant.completed_pages,
                    "[]",
                    reference,
                    opened_at - timedelta(seconds=uniform(300, 5400)),
                    opened_at,
                    opened_at,
                )
            )
            cases.append(
                (
                    case_id,
                    reference,
                    application_id,
                    person_id,
                    plan.service_id,
                    plan.version_id,
                    stage,
                    opened_at,
                    due_date,
                    closed_at,
                    plan.team_id,
                    assigned_to,
                    1,
                    clock_stopped_on,
                    awaiting_reply_since,
                    outcome,
                    channel,
                )
            )
            data_key = (plan.first_stage, channel, on_behalf)
            data = event_data.get(data_key)
            if data is None:
                data = event_data[data_key] = _encode(
                    {"stage": plan.first_stage, "channel": channel, "on_behalf": on_behalf}
                )
            actor = taken_by or account_id
            on_behalf_of = person_id if on_behalf or taken_by else None
            events.append((case_id, "submitted", opened_at, actor, on_behalf_of, True, data))


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def foreign_keys_broken(tables: list[Table]) -> str:
    """The foreign keys of these tables that point at nothing ("table.column, ..."), found
    with one anti-join each rather than a lookup per row."""
    quote = connection.ops.quote_name
    broken = []
    with connection.cursor() as cursor:
        for table in tables:
            for model_field in table.model._meta.concrete_fields:
                if not isinstance(model_field, models.ForeignKey):
                    continue
                parent = model_field.related_model._meta.db_table
                column, target = model_field.column, model_field.target_field.column
                cursor.execute(
                    # Table and column names from the models' metadata, quoted.
                    f"SELECT EXISTS (SELECT 1 FROM {quote(table.db_table)} AS child "  # noqa: S608  # nosec B608
                    f"WHERE child.{quote(column)} IS NOT NULL AND NOT EXISTS ("
                    f"SELECT 1 FROM {quote(parent)} AS parent "
                    f"WHERE parent.{quote(target)} = child.{quote(column)}))"
                )
                if cursor.fetchone()[0]:
                    broken.append(f"{table.db_table}.{column}")
    return ", ".join(broken)


FLAG_CODES = ("urgent", "vulnerable", "vulnerable", "complaint", "safeguarding")


def _cumulative(weights) -> list[float]:
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _application_times(applications: list[tuple]) -> None:
    """bulk_create stamps created_at and updated_at with the time now; give them the time
    the application was sent, as COPY does on PostgreSQL."""
    ids = [row[0] for row in applications]
    for start in range(0, len(ids), 500):
        Application.objects.filter(pk__in=ids[start : start + 500]).update(
            created_at=models.F("submitted_at"), updated_at=models.F("submitted_at")
        )
