"""Every read for personindex that views, the API and other apps need."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from . import scoring
from .models import IdentityChange, IndexPerson, LinkRun, ReviewPair, SourceRecord
from .normalise import RowRefused, normalise

REVIEW_PAGE_SIZE = 20
CANDIDATES_SHOWN = 5


def links_rows() -> Iterator[tuple[str, str, int | None]]:
    """(source, source_id, person_id) for every imported record, streamed in order."""
    return (
        SourceRecord.objects.order_by("source", "source_id")
        .values_list("source", "source_id", "link__person_id")
        .iterator(chunk_size=20_000)
    )


def link_run_latest() -> LinkRun | None:
    return LinkRun.objects.filter(finished_at__isnull=False).order_by("-pk").first()


def index_person_of(*, person_id: int) -> int | None:
    """The index person tied to a platform Person, if the platform's people were imported."""
    return (
        IndexPerson.objects.filter(person_id=person_id, retired_run__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def person_history(*, person_id: int) -> list[IdentityChange]:
    """Every merge, split and move into or out of an index person, oldest first."""
    return list(
        IdentityChange.objects.filter(Q(from_person_id=person_id) | Q(to_person_id=person_id))
        .select_related("run")
        .order_by("run_id", "pk")
    )


@dataclass
class ReviewPage:
    pairs: list[ReviewPair]
    waiting: int
    page: int
    pages: int


def review_queue(*, page: int = 1, page_size: int = REVIEW_PAGE_SIZE) -> ReviewPage:
    """Pairs waiting for a caseworker, the closest calls first: two queries whatever the
    page holds (the count, and the pairs with both records)."""
    pending = ReviewPair.objects.filter(status=ReviewPair.Status.PENDING)
    waiting = pending.count()
    pages = max(1, -(-waiting // page_size))
    page = min(max(1, page), pages)
    pairs = list(
        pending.select_related("record_a", "record_b").order_by("-match_probability", "pk")[
            (page - 1) * page_size : page * page_size
        ]
    )
    return ReviewPage(pairs=pairs, waiting=waiting, page=page, pages=pages)


def review_people(*, pairs: list[ReviewPair]) -> list[int]:
    """The platform's people (`people.Person` ids) the pairs on a review page show: a record
    of the platform's own names its person by its source id; any other record, the person
    its index person is tied to. One query, whatever the page holds; records of people who
    have never applied name no one."""
    from .services import PLATFORM_SOURCE

    records = [record for pair in pairs for record in (pair.record_a, pair.record_b)]
    people = {
        int(record.source_id)
        for record in records
        if record.source == PLATFORM_SOURCE and record.source_id.isdigit()
    }
    others = [record.pk for record in records if record.source != PLATFORM_SOURCE]
    if others:
        people.update(
            person_id
            for person_id in IndexPerson.objects.filter(
                pk__in=SourceRecord.objects.filter(pk__in=others).values("link__person_id"),
                person_id__isnull=False,
            ).values_list("person_id", flat=True)
            if person_id is not None
        )
    return sorted(people)


def score_record(record: Mapping[str, object]) -> list[dict[str, Any]]:
    """The index people a new record may be, best first: for each, the highest match
    probability of any of their records, and which records matched. `record` has the
    standard import fields (any may be missing); it is normalised as an import would be,
    and a field that cannot be read is left out of the comparison."""
    cleaned: dict[str, str | None] = {}
    for name, value in record.items():
        if name in scoring.COMPARED and value not in (None, ""):
            try:
                cleaned.update({name: normalise({name: str(value)})[name]})
            except RowRefused:
                continue
    _run, scored = scoring.score(cleaned)
    people: dict[int | str, dict[str, Any]] = {}
    for candidate in scored:
        key = candidate["person_id"] or f"record-{candidate['record_id']}"
        entry = people.setdefault(
            key,
            {
                "person_id": candidate["person_id"],
                "match_probability": candidate["match_probability"],
                "match_weight": candidate["match_weight"],
                "records": [],
            },
        )
        entry["records"].append(
            {
                "source": candidate["source"],
                "source_id": candidate["source_id"],
                "match_probability": round(candidate["match_probability"], 6),
            }
        )
    return sorted(people.values(), key=lambda p: -p["match_probability"])


def _case_person(case_id: int) -> Mapping[str, Any] | None:
    # The checks registry hands us a case id; the applicant's details are on their Person,
    # kept up to date from each submitted application.
    from commonweal.cases import selectors as cases_selectors

    return cases_selectors.case_person_details(case_id=case_id)


def score_case(case_id: int) -> dict[str, Any]:
    """The person-match check on a new application: is the applicant someone the index
    knows, and is that clear? Green: one clear match, or nobody like them. Amber: a
    possible match the model is unsure of. Red: their details match more than one
    different person, or their NI number belongs to someone who otherwise does not match.
    Not run: the index has not been built, so nothing was looked at. Amber and red mean "a
    person should look", never a refusal."""
    row = _case_person(case_id)
    if row is None:
        raise LookupError(f"no case {case_id}")
    record = {
        "given_name": row["person__given_name"],
        "family_name": row["person__family_name"],
        "date_of_birth": row["person__date_of_birth"] and row["person__date_of_birth"].isoformat(),
        "ni_number": row["person__ni_number"],
        "postcode": row["person__address_postcode"],
        "address_line_1": row["person__address_line_1"],
        "email": row["person__email"],
        "phone": row["person__phone"],
    }
    run = scoring.current_run()
    if run is None:
        # Nothing was looked at: never green, so no one takes the applicant as checked.
        return {
            "status": "not_run",
            "reasons": [
                _("The person index has not been built yet, so the applicant was not matched.")
            ],
            "evidence": {"run": None, "candidates": []},
        }
    matches = score_record(record)
    ni = record["ni_number"] and normalise({"ni_number": record["ni_number"]})["ni_number"]
    strong = [m for m in matches if m["match_probability"] >= run.match_threshold]
    possible = [
        m for m in matches if run.review_threshold <= m["match_probability"] < run.match_threshold
    ]
    evidence: dict[str, Any] = {
        "run": run.pk,
        "candidates": [
            {
                "person_id": m["person_id"],
                "match_probability": round(m["match_probability"], 4),
                "records": m["records"][:CANDIDATES_SHOWN],
            }
            for m in matches[:CANDIDATES_SHOWN]
            if m["match_probability"] >= 0.01
        ],
    }
    ni_elsewhere = []
    if ni:
        matched_ids = {m["person_id"] for m in strong + possible}
        ni_elsewhere = sorted(
            {
                person
                for person in SourceRecord.objects.filter(ni_number=ni).values_list(
                    "link__person_id", flat=True
                )
                if person not in matched_ids
            },
            key=lambda p: (p is None, p),
        )
    if len(strong) > 1:
        # Reasons are whole sentences (no values), so the case page can show them in the
        # reader's language; the people matched are in the evidence.
        status, reasons = (
            "red",
            [_("The applicant's details match more than one person in the person index.")],
        )
        evidence["people_matched"] = len(strong)
    elif ni_elsewhere:
        status, reasons = "red", [
            _("The applicant's National Insurance number is held for someone whose other "
              "details do not match theirs.")
        ]  # fmt: skip
    elif possible:
        status, reasons = "amber", [
            _("The applicant may be someone already in the person index, but the match is "
              "not certain. Check the records before relying on it.")
        ]  # fmt: skip
    elif strong:
        status, reasons = "green", [_("The applicant matches one person in the person index.")]
        evidence["person_id"] = strong[0]["person_id"]
    else:
        status, reasons = "green", [_("Nobody in the person index matches the applicant.")]
    if ni_elsewhere:
        evidence["ni_number_held_by"] = ni_elsewhere
    own = index_person_of(person_id=row["person_id"])
    if own is not None:
        # The applicant's own record is in the index (imported from the platform).
        evidence["applicant_person_id"] = own
    return {"status": status, "reasons": [str(r) for r in reasons], "evidence": evidence}
