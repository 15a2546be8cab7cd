"""Reads of people's records, shaped as the answers a service's questions expect."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from .models import IDENTITY_LEVEL_ORDER, ContactChange
from .models import Person as Person  # for other apps' hints

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User

    from .models import Representative

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


def person_for_account_get(*, account: User) -> Person | None:
    return Person.objects.filter(account=account).first()


def person_details(*, person: Person) -> dict[str, Any]:
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


def representations_for_account(*, account: User) -> list[Representative]:
    """The people this account may act for now, with what each authority covers."""
    from django.utils import timezone

    from .models import Representative

    today = timezone.localdate()
    return list(
        Representative.objects.filter(email=account.email.lower(), revoked_at__isnull=True)
        .exclude(ends_on__lt=today)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "pk")
    )


def representatives_of(*, person: Person) -> list[Representative]:
    """Everyone with authority to act for the person now, and those whose authority ended."""
    from .models import Representative

    return list(Representative.objects.filter(person=person).order_by("revoked_at", "-created_at"))


def representative_relationships() -> list[tuple[str, str]]:
    from .models import Representative

    return [(value, str(label)) for value, label in Representative.Relationship.choices]


def representative_scopes() -> list[tuple[str, str]]:
    from .models import Representative

    return [(value, str(label)) for value, label in Representative.Scope.choices]


def account_ids_of(*, person_ids: Collection[int]) -> QuerySet[Person, int]:
    """The sign-in accounts of these people, as a query of ids (`account_id`)."""
    return Person.objects.filter(pk__in=person_ids, account__isnull=False).values_list(
        "account_id", flat=True
    )


def people() -> QuerySet[Person]:
    """Every person, for a caller to narrow (with the filters its page or endpoint needs)."""
    return Person.objects.all()


def person_ids_for_public_ids(*, public_ids: Collection[str | uuid.UUID]) -> list[int]:
    """The people with these public ids (the ids the API shows)."""
    if not public_ids:
        return []
    return list(Person.objects.filter(public_id__in=list(public_ids)).values_list("pk", flat=True))


def person_get(*, person_id: int) -> Person | None:
    return Person.objects.filter(pk=person_id).first()


def person_by_account_email(*, email: str) -> Person | None:
    """The record of whoever signs in with `email`, if they have one (one query)."""
    return Person.objects.filter(account__email=email.strip().lower()).first()


def person_by_email(*, email: str) -> Person | None:
    return Person.objects.filter(email__iexact=email).order_by("pk").first()


def people_named(*, words: list[str], limit: int) -> QuerySet[Person, int]:
    """Ids of people whose given or family name contains every word (a subquery, not run
    here), at most `limit` of them."""
    from django.db.models import Q

    matching = Q()
    for word in words:
        matching &= Q(family_name__icontains=word) | Q(given_name__icontains=word)
    return Person.objects.filter(matching).values_list("pk", flat=True)[:limit]


def failing_contacts(*, person: Person) -> set[str]:
    """Which of the person's current email ("email"), phone ("phone") and address
    ("address") are known to fail (a bounce, an unknown number, a returned letter)."""
    from .models import ContactPoint

    address = person.postal_address
    current = {"email": person.email, "phone": person.phone, "address": address[:254]}
    failing = ContactPoint.objects.filter(person=person, failing_since__isnull=False).values_list(
        "kind", "value"
    )
    return {kind for kind, value in failing if current.get(kind) == value}


def channels_wanted(*, person: Person) -> list[str]:
    """The person's channels in order: their own list, or else what follows from how they
    said they prefer to be contacted when they applied."""
    if person.channels:
        return list(person.channels)
    return {"letter": ["letter"], "phone": ["sms", "phone"]}.get(
        person.preferred_contact, ["email", "sms"]
    )


def channels_usable(
    *, person: Person, failing: set[str] | frozenset[str] = frozenset()
) -> dict[str, bool]:
    """For each channel, whether we hold what it needs (and, given `failing`, whether that
    is known not to work): an account, an email address, a mobile, a phone, an address."""
    return {
        "portal": bool(person.account_id),
        "email": bool(person.email) and "email" not in failing,
        "sms": bool(person.phone and person.phone.startswith("+447")) and "phone" not in failing,
        "phone": bool(person.phone) and "phone" not in failing,
        "letter": bool(person.address_line_1 and person.address_postcode)
        and "address" not in failing,
    }


def contact_preferences_of(*, person: Person) -> dict[str, Any]:
    """How the person hears from us now, for the form that changes it. Without a list of
    their own, the channels are those we would use from `preferred_contact` and what we
    hold (as messaging routes notices)."""
    has_address = bool(person.address_line_1 and person.address_postcode)
    channels = list(person.channels or [])
    if not channels:
        usable = channels_usable(person=person)
        channels = [channel for channel in channels_wanted(person=person) if usable[channel]]
    return {
        "channels": channels,
        "language": person.language,
        "interpreter_needed": person.interpreter_needed,
        "interpreter_language": person.interpreter_language,
        "accessible_format": person.accessible_format or Person.Format.STANDARD,
        "quiet_hours": (person.quiet_hours_start, person.quiet_hours_end)
        if person.quiet_hours_start is not None
        and person.quiet_hours_end is not None
        and person.quiet_hours_start != person.quiet_hours_end
        else None,
        "do_not_contact": list(person.do_not_contact or []),
        "updates_declined": list(person.updates_declined or []),
        "email": person.email,
        "phone": person.phone,
        "has_address": has_address,
        "has_account": bool(person.account_id),
    }


def failing_contacts_many(*, people: Iterable[Person]) -> dict[int, set[str]]:
    """`failing_contacts` for many people in one query: person id -> failing kinds."""
    from .models import ContactPoint

    by_id = {person.pk: person for person in people}
    result: dict[int, set[str]] = {}
    rows = ContactPoint.objects.filter(
        person_id__in=list(by_id), failing_since__isnull=False
    ).values_list("person_id", "kind", "value")
    for person_id, kind, value in rows:
        person = by_id[person_id]
        current = {
            "email": person.email,
            "phone": person.phone,
            "address": person.postal_address[:254],
        }.get(kind)
        if current == value:
            result.setdefault(person_id, set()).add(kind)
    return result


def identity_level_meets(*, level: str | None, required: str | None) -> bool:
    """Whether a person known at `level` may use something that needs `required`."""
    if not required:
        return True
    return IDENTITY_LEVEL_ORDER.index(level or "none") >= IDENTITY_LEVEL_ORDER.index(required)


def identity_from_staff_check(*, check: str, channel: str) -> tuple[str, str] | None:
    """What a member of staff's check, made when taking an application, tells the person's
    record: (level, source), or None when they did not check. `check` is as the application
    holds it ("knowledge", "document:passport", "not_checked"). A document seen in person
    proves identity; questions only they would know, or a document not seen in person (a
    copy sent with a paper form), count as low."""
    if check == "knowledge":
        return ("low", "staff_questions")
    if check == "document" or check.startswith("document:"):
        return ("high", "in_person") if channel == "in_person" else ("low", "staff_document")
    return None


def identity_described(*, level: str, source: str) -> str:
    """How sure we are of who the person is, in words, from their record's level and where
    it came from: the one description every staff page shows."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    levels = {
        "low": pgettext("identity level", "low"),
        "medium": pgettext("identity level", "medium"),
        "high": pgettext("identity level", "high"),
    }
    if level not in levels:
        return _("not checked")
    sources = {
        "email_code": _("controls their email address"),
        "provider_sign_in": _("signs in with two factors"),
        "online_proof": _("identity proved online"),
        "in_person": _("identity documents seen in person"),
        "staff_questions": _("answered questions only they would know"),
        "staff_document": _("identity document seen, not in person"),
    }
    if source not in sources:
        return levels[level]
    return _("%(level)s: %(how)s") % {"level": levels[level], "how": sources[source]}


def identity_level_of_account(*, account: User) -> str:
    """The identity level of the signed-in person's own record ("none" without one)."""
    found = Person.objects.filter(account=account).values_list("identity_level", flat=True)[:1]
    return found[0] if found else "none"


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def person_for_export(*, person: Person) -> dict[str, Any]:
    """Everything the record holds about the person, for their own download: the record,
    what we know about their addresses and numbers, who can act for them, the history of
    changes and contact details others gave for them. Five queries, whatever their number."""
    from .models import ContactPoint, PersonChange, Representative

    record = {
        "reference": str(person.public_id),
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": _iso(person.date_of_birth),
        "national_insurance_number": person.ni_number,
        "address": [
            line
            for line in (
                person.address_line_1,
                person.address_line_2,
                person.address_town,
                person.address_county,
                person.address_postcode,
            )
            if line
        ],
        "email": person.email,
        "phone": person.phone,
        "language": person.language,
        "accessibility_needs": person.accessibility_needs,
        "preferred_contact": person.preferred_contact,
        "channels": list(person.channels or []),
        "format": person.accessible_format,
        "do_not_contact": list(person.do_not_contact or []),
        "updates_declined": list(person.updates_declined or []),
        "created_at": _iso(person.created_at),
        "updated_at": _iso(person.updated_at),
    }
    contact_points = [
        {
            "kind": point.kind,
            "value": point.value,
            "in_use": point.is_primary,
            "verified_at": _iso(point.verified_at),
            "failing_since": _iso(point.failing_since),
            "failure_reason": point.failure_reason,
            "first_seen_at": _iso(point.created_at),
        }
        for point in ContactPoint.objects.filter(person=person).order_by("kind", "pk")
    ]
    representatives = [
        {
            "name": rep.name,
            "email": rep.email,
            "relationship": rep.relationship,
            "can": list(rep.scope or []),
            "legal_authority": rep.legal_authority,
            "from": _iso(rep.created_at),
            "until": _iso(rep.ends_on),
            "removed_at": _iso(rep.revoked_at),
        }
        for rep in Representative.objects.filter(person=person).order_by("created_at", "pk")
    ]
    changes = [
        {
            "changed_at": _iso(change.created_at),
            "fields": change.fields,
            "reason": change.reason,
        }
        for change in PersonChange.objects.filter(person=person).order_by("created_at", "pk")
    ]
    given = [
        {
            "given_at": _iso(change.requested_at),
            "details": change.fields,
            "reason": change.reason,
            "status": change.status,
            "checked_by": change.how,
            "decided_at": _iso(change.decided_at),
        }
        for change in ContactChange.objects.filter(person=person).order_by("requested_at", "pk")
    ]
    return {
        "record": record,
        "contact_points": contact_points,
        "representatives": representatives,
        "changes": changes,
        "contact_details_given": given,
    }


def contact_change_pending(*, person_id: int) -> ContactChange | None:
    """The new contact details waiting for a check for this person, if any (one query)."""
    return (
        ContactChange.objects.filter(person_id=person_id, status=ContactChange.Status.PENDING)
        .select_related("person", "requested_by")
        .order_by("-requested_at")
        .first()
    )


def contact_change_pending_requested(
    *, case_reference: str, requested_by_id: int
) -> ContactChange | None:
    """A change waiting for a check that this member of staff gave for this case."""
    return (
        ContactChange.objects.filter(
            case_reference=case_reference,
            requested_by_id=requested_by_id,
            status=ContactChange.Status.PENDING,
        )
        .select_related("person", "requested_by")
        .order_by("-requested_at")
        .first()
    )


def update_wanted(*, person: Person, kind: str) -> bool:
    """Whether the person gets this kind of update: an optional one (`Person.Update`) unless
    they chose not to; every other kind (information requests, decisions) always."""
    return kind not in Person.Update.values or kind not in (person.updates_declined or [])
