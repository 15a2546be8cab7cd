"""Every write to a person's record, each with its history row (who, when, why)."""

import datetime

from django.db import transaction
from django.utils import timezone

from .models import ContactPoint, Person, PersonChange, Representative

_ADDRESS_PARTS = {
    "line_1": "address_line_1",
    "line_2": "address_line_2",
    "town": "address_town",
    "county": "address_county",
    "postcode": "address_postcode",
}
_PLAIN_FIELDS = (
    "given_name",
    "family_name",
    "ni_number",
    "language",
    "preferred_contact",
    "accessibility_needs",
)


def person_for_account(*, account) -> Person:
    """The account holder's own record, made on first sign-in with their verified email."""
    found = list(Person.objects.filter(account=account).order_by()[:1])
    if found:
        return found[0]
    with transaction.atomic():
        person, created = Person.objects.get_or_create(
            account=account, defaults={"email": account.email}
        )
        if created:
            ContactPoint.objects.create(
                person=person,
                kind=ContactPoint.Kind.EMAIL,
                value=account.email,
                is_primary=True,
                verified_at=timezone.now(),
            )
            PersonChange.objects.create(
                person=person,
                fields={"record": ["", "created"], "email": ["", account.email]},
                changed_by=account,
                reason="Signed in for the first time",
            )
    return person


def person_create(*, details: dict, created_by, reason: str) -> Person:
    """A new record for someone else (for example the person a carer applies for)."""
    with transaction.atomic():
        person = Person.objects.create()
        changed = person_update(
            person=person, details=details, changed_by=created_by, reason=reason
        )
        if not changed:
            PersonChange.objects.create(
                person=person,
                fields={"record": ["", "created"]},
                changed_by=created_by,
                reason=reason,
            )
    return person


def _set_contact_point(person: Person, kind: str, value: str) -> None:
    """Make `value` the person's current email or phone.

    The current values live on the record itself. ContactPoint rows hold what we know about
    particular values (verified, and later failing or returned); when the current value
    changes, the old one's row, if it has one, stops being the primary."""
    if getattr(person, kind):
        ContactPoint.objects.filter(person=person, kind=kind, is_primary=True).update(
            is_primary=False
        )
    setattr(person, kind, value)


def person_update(*, person: Person, details: dict, changed_by, reason: str) -> list[str]:
    """Apply the given person fields; record what changed as one history row."""
    changes: dict[str, list[str]] = {}
    update_fields: list[str] = []

    def record(field: str, old, new) -> None:
        changes[field] = ["" if old is None else str(old), "" if new is None else str(new)]

    # Part of the caller's transaction when there is one (no savepoint needed).
    with transaction.atomic(savepoint=False):
        for field in _PLAIN_FIELDS:
            if field in details and (details[field] or "") != getattr(person, field):
                record(field, getattr(person, field), details[field])
                setattr(person, field, details[field] or "")
                update_fields.append(field)
        if "date_of_birth" in details:
            new = details["date_of_birth"]
            new_date = datetime.date.fromisoformat(new) if new else None
            if new_date != person.date_of_birth:
                record("date_of_birth", person.date_of_birth, new_date)
                person.date_of_birth = new_date
                update_fields.append("date_of_birth")
        if details.get("address"):
            for part, attribute in _ADDRESS_PARTS.items():
                new = details["address"].get(part, "") or ""
                if new != getattr(person, attribute):
                    record(attribute, getattr(person, attribute), new)
                    setattr(person, attribute, new)
                    update_fields.append(attribute)
        for kind in (ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE):
            if details.get(kind) and details[kind] != getattr(person, kind):
                record(kind, getattr(person, kind), details[kind])
                _set_contact_point(person, kind, details[kind])
                update_fields.append(kind)
        if update_fields:
            person.updated_at = timezone.now()
            # A plain UPDATE of the changed columns (no model signals are used on Person).
            Person.objects.filter(pk=person.pk).update(
                **{field: getattr(person, field) for field in [*update_fields, "updated_at"]}
            )
        if changes:
            PersonChange.objects.create(
                person=person, fields=changes, changed_by=changed_by, reason=reason[:500]
            )
    return list(changes)


class RepresentativeRefused(Exception):
    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def representative_add(
    *,
    person: Person,
    name: str,
    email: str,
    relationship: str,
    scope: list[str],
    ends_on: datetime.date | None,
    legal_authority: str = "",
    by,
) -> Representative:
    """Give someone authority to act for the person (by the person, or by staff recording a
    legal authority). Recorded in the person's history with who did it."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.utils.translation import gettext as _

    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not name:
        raise RepresentativeRefused(_("Enter their full name"), "name")
    try:
        validate_email(email)
    except ValidationError:
        raise RepresentativeRefused(
            _("Enter an email address in the correct format, like name@example.com"), "email"
        ) from None
    if person.account_id and person.account.email == email:
        raise RepresentativeRefused(_("Enter someone else's email address, not your own"), "email")
    if relationship not in Representative.Relationship.values:
        raise RepresentativeRefused(_("Select how they are related to you"), "relationship")
    scope = [part for part in Representative.Scope.values if part in set(scope or [])]
    if not scope:
        raise RepresentativeRefused(_("Select what they can do"), "scope")
    if ends_on is not None and ends_on <= timezone.localdate():
        raise RepresentativeRefused(_("The end date must be in the future"), "ends_on")
    with transaction.atomic():
        if Representative.objects.filter(
            person=person, email=email, revoked_at__isnull=True
        ).exists():
            raise RepresentativeRefused(
                _(
                    "%(email)s can already act for you. "
                    "Remove them first to change what they can do."
                )
                % {"email": email},
                "email",
            )
        representative = Representative.objects.create(
            person=person,
            name=name[:200],
            email=email,
            relationship=relationship,
            scope=scope,
            ends_on=ends_on,
            legal_authority=(legal_authority or "").strip()[:200],
            created_by=by,
            created_at=timezone.now(),
        )
        PersonChange.objects.create(
            person=person,
            fields={
                "representative": ["", f"{name} <{email}> ({relationship}: {', '.join(scope)})"]
            },
            changed_by=by,
            reason=(
                f"Legal authority recorded: {legal_authority}"
                if legal_authority
                else "Authorised someone to act for them"
            )[:500],
        )
    return representative


def representative_revoke(*, representative_id: int, person: Person | None, by) -> Representative:
    """End someone's authority at once. `person` limits it to that person's representatives
    (a citizen removing their own); staff pass None."""
    with transaction.atomic():
        found = Representative.objects.select_for_update().filter(
            pk=representative_id, revoked_at__isnull=True
        )
        if person is not None:
            found = found.filter(person=person)
        representative = found.first()
        if representative is None:
            raise RepresentativeRefused("No such representative", "representative")
        representative.revoked_at = timezone.now()
        representative.revoked_by = by
        representative.save(update_fields=["revoked_at", "revoked_by"])
        PersonChange.objects.create(
            person=representative.person,
            fields={"representative": [f"{representative.name} <{representative.email}>", ""]},
            changed_by=by,
            reason="Authority to act for them ended",
        )
    return representative


def contact_point_failing(*, person_id: int, kind: str, value: str, reason: str) -> None:
    """A bounce, an unknown number or a returned letter: remember that this address fails,
    so the next notices go another way until it is changed."""
    now = timezone.now()
    value = value[:254]
    with transaction.atomic():
        updated = ContactPoint.objects.filter(person_id=person_id, kind=kind, value=value).update(
            failing_since=now, failure_reason=reason[:300]
        )
        if not updated:
            ContactPoint.objects.create(
                person_id=person_id,
                kind=kind,
                value=value,
                is_primary=False,
                failing_since=now,
                failure_reason=reason[:300],
            )
        PersonChange.objects.create(
            person_id=person_id,
            fields={f"{kind} failing": ["", value[:200]]},
            changed_by=None,
            reason=f"Delivery failed: {reason}"[:500],
        )
