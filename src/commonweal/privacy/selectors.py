"""Every read for privacy that views, the API and other apps need: who has seen a person's
data, break-glass reads for team leaders, holds, and the check of the hash chain."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import chain
from .models import AccessHold, AccessRecord, OrganisationPolicy, Purpose, Seal

# Most recent reads shown to a person; older ones are in the download of their data.
PERSON_ACCESS_LIMIT = 1000


def role_label(role: str) -> str:
    return {
        "caseworker": _("Caseworker"),
        "team_leader": _("Team leader"),
        "service_owner": _("Service owner"),
        "administrator": _("Administrator"),
        "provider_staff": _("Member of staff"),
        "integration": _("A connected computer system"),
        "superuser": _("System administrator"),
    }.get(role, _("Member of staff"))


# Who has seen my data


@dataclass
class AccessLine:
    day: datetime.date
    who: str
    times: int


@dataclass
class PurposeGroup:
    purpose: str
    label: str
    lines: list[AccessLine] = field(default_factory=list)


@dataclass
class OrganisationGroup:
    name: str
    purposes: list[PurposeGroup] = field(default_factory=list)


@dataclass
class PersonAccesses:
    organisations: list[OrganisationGroup]
    total: int
    lifted_holds: list[AccessHold]
    more: bool


def _held(person_id: int) -> Exists:
    """A hold not yet lifted that covers the record's time."""
    return Exists(
        AccessHold.objects.filter(
            person_id=person_id,
            lifted_at__isnull=True,
            held_from__lte=OuterRef("accessed_at"),
        ).filter(Q(held_until__isnull=True) | Q(held_until__gte=OuterRef("accessed_at")))
    )


def accesses_for_person(*, person_id: int, language: str = "en") -> PersonAccesses:
    """Reads of a person's data, newest first, grouped by organisation and purpose, one
    line per member of staff (name or role, as their organisation's policy says) and day.
    Reads under a hold are left out until it is lifted. Three queries."""
    records = list(
        AccessRecord.objects.filter(person_id=person_id)
        .exclude(_held(person_id))
        .select_related("organisation")
        .only(
            "accessed_at",
            "actor_name",
            "role",
            "purpose",
            "organisation__name",
            "organisation__name_cy",
        )
        .order_by("-accessed_at", "-id")[: PERSON_ACCESS_LIMIT + 1]
    )
    more = len(records) > PERSON_ACCESS_LIMIT
    records = records[:PERSON_ACCESS_LIMIT]
    by_name = set(
        OrganisationPolicy.objects.filter(
            organisation_id__in={r.organisation_id for r in records},
            show_staff_as=OrganisationPolicy.ShowStaffAs.NAME,
        ).values_list("organisation_id", flat=True)
    )
    labels = dict(Purpose.choices)
    organisations: dict[int | str | None, OrganisationGroup] = {}
    purposes: dict[tuple[int | str | None, str], PurposeGroup] = {}
    lines: dict[tuple[int | str | None, str, str, datetime.date], AccessLine] = {}
    for record in records:
        organisation = record.organisation
        group_key: int | str | None = record.organisation_id
        if organisation is None and record.role == "superuser":
            # The system's administrators work for whoever runs it, not one organisation.
            group_key = "system"
            name = _("Administrators of this system")
        elif organisation is None:
            name = _("Unknown organisation")
        else:
            name = (language == "cy" and organisation.name_cy) or organisation.name
        group = organisations.get(group_key)
        if group is None:
            group = organisations[group_key] = OrganisationGroup(name)
        key = (group_key, record.purpose)
        purpose = purposes.get(key)
        if purpose is None:
            purpose = purposes[key] = PurposeGroup(
                record.purpose, str(labels.get(record.purpose, record.purpose))
            )
            group.purposes.append(purpose)
        who = role_label(record.role)
        if record.organisation_id in by_name and record.role != "integration":
            who = f"{record.actor_name} ({who})"
        day = timezone.localtime(record.accessed_at).date()
        line_key = (*key, who, day)
        line = lines.get(line_key)
        if line is None:
            line = lines[line_key] = AccessLine(day, who, 0)
            purpose.lines.append(line)
        line.times += 1
    return PersonAccesses(
        organisations=list(organisations.values()),
        total=len(records),
        lifted_holds=list(
            AccessHold.objects.filter(person_id=person_id, lifted_at__isnull=False).order_by(
                "-placed_at"
            )
        ),
        more=more,
    )


# For team leaders


def break_glass_reads(*, user_ids: Iterable[int], limit: int = 200) -> list[AccessRecord]:
    """Reads outside their own work by these members of staff, newest first."""
    return list(
        AccessRecord.objects.filter(flagged=True, actor_id__in=list(user_ids))
        .select_related("case", "organisation")
        .order_by("-accessed_at", "-id")[:limit]
    )


def holds_placed_by(*, user_ids: Iterable[int], limit: int = 200) -> list[AccessHold]:
    return list(
        AccessHold.objects.filter(placed_by_id__in=list(user_ids))
        .select_related("person", "placed_by", "lifted_by")
        .order_by("lifted_at", "-placed_at")[:limit]
    )


def hold_get(*, hold_id: int, user_ids: Iterable[int]) -> AccessHold | None:
    return AccessHold.objects.filter(pk=hold_id, placed_by_id__in=list(user_ids)).first()


# The chain


@dataclass
class Verification:
    intact: bool
    records: int
    seals: int
    unsealed: int
    head: str
    problem: str = ""
    record_id: int | None = None
    seal_number: int | None = None


class _Broken(Exception):
    def __init__(
        self, problem: str, record_id: int | None = None, seal_number: int | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.record_id = record_id
        self.seal_number = seal_number


def access_log_verify() -> Verification:
    """Recompute the whole chain and compare it with the seals; name the first broken
    link: a changed record, a deleted one, one inserted among sealed ones, or an altered,
    removed or inserted seal. Reads records and seals in id order, a chunk at a time."""
    records = (
        AccessRecord.objects.order_by("id").values(*chain.RECORD_FIELDS).iterator(chunk_size=2000)
    )
    pending = next(records, None)
    counted = sealed_count = 0
    previous_chain = previous_seal = chain.GENESIS
    last_id = 0
    try:
        for seal in Seal.objects.order_by("number").iterator(chunk_size=20):
            number = sealed_count + 1
            if seal.number != number:
                raise _Broken(
                    f"seal {number} is missing (seal {seal.number} follows seal {sealed_count})",
                    seal_number=number,
                )
            entries = _seal_entries(seal, previous_seal=previous_seal, last_id=last_id)
            for record_id, digest in entries:
                if pending is not None and pending["id"] < record_id:
                    raise _Broken(
                        f"record {pending['id']} was inserted: it is in no seal, among "
                        f"records sealed in seal {number}",
                        record_id=pending["id"],
                        seal_number=number,
                    )
                if pending is None or pending["id"] > record_id:
                    raise _Broken(
                        f"record {record_id} was deleted: seal {number} holds it",
                        record_id=record_id,
                        seal_number=number,
                    )
                if chain.chained(previous_chain, pending) != digest:
                    raise _Broken(
                        f"record {record_id} was changed after seal {number} sealed it",
                        record_id=record_id,
                        seal_number=number,
                    )
                previous_chain = digest.hex()
                counted += 1
                pending = next(records, None)
            previous_seal = seal.seal_hash
            last_id = seal.last_record_id
            sealed_count += 1
        if pending is not None and pending["id"] <= last_id:
            raise _Broken(
                f"record {pending['id']} was inserted: it is in no seal, among sealed records",
                record_id=pending["id"],
            )
    except _Broken as broken:
        return Verification(
            intact=False,
            records=counted,
            seals=sealed_count,
            unsealed=0,
            head=previous_seal,
            problem=broken.problem,
            record_id=broken.record_id,
            seal_number=broken.seal_number,
        )
    unsealed = 0
    while pending is not None:
        unsealed += 1
        pending = next(records, None)
    return Verification(
        intact=True,
        records=counted,
        seals=sealed_count,
        unsealed=unsealed,
        head=previous_seal,
    )


def _seal_entries(seal: Seal, *, previous_seal: str, last_id: int) -> list[tuple[int, bytes]]:
    """The (record id, digest) entries a seal holds, once the seal itself is checked: its
    hash matches its content, it follows the seal before, and its list of records is whole
    and comes after the records sealed before it."""
    fields: dict[str, Any] = {
        "number": seal.number,
        "previous_seal_hash": seal.previous_seal_hash,
        "first_record_id": seal.first_record_id,
        "last_record_id": seal.last_record_id,
        "record_count": seal.record_count,
        "digests": bytes(seal.digests),
        "last_hash": seal.last_hash,
        "sealed_at": seal.sealed_at,
    }
    if chain.seal_hash(**fields) != seal.seal_hash:
        raise _Broken(
            f"seal {seal.number} was altered: its hash does not match its content",
            seal_number=seal.number,
        )
    if seal.previous_seal_hash != previous_seal:
        raise _Broken(
            f"seal {seal.number} does not follow seal {seal.number - 1}: a seal was replaced",
            seal_number=seal.number,
        )
    entries = chain.unpack(bytes(seal.digests))
    ids = [record_id for record_id, _digest in entries or []]
    if (
        not entries
        or len(entries) != seal.record_count
        or ids != sorted(set(ids))
        or ids[0] != seal.first_record_id
        or ids[-1] != seal.last_record_id
        or ids[0] <= last_id
        or entries[-1][1].hex() != seal.last_hash
    ):
        raise _Broken(
            f"seal {seal.number} was altered: its list of records is not whole",
            seal_number=seal.number,
        )
    return entries


def accesses_for_export(*, person_id: int, language: str = "en") -> list[dict[str, Any]]:
    """Who has seen the person's data, as their download holds it: the same lines as the
    "Who has seen your data" page (holds respected)."""
    found = accesses_for_person(person_id=person_id, language=language)
    return [
        {
            "organisation": group.name,
            "purpose": purpose.label,
            "day": line.day.isoformat(),
            "who": line.who,
            "times": line.times,
        }
        for group in found.organisations
        for purpose in group.purposes
        for line in purpose.lines
    ]
