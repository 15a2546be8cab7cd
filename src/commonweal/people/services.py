"""Every write to a person's record, each with its history row (who, when, why)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from commonweal.accounts.selectors import User
from commonweal.core import languages

from .contact_changes import (  # noqa: F401  (public through services)
    CONTACT_FIELDS,
    ContactChangeRefused,
    contact_change_approve,
    contact_change_code_issue,
    contact_change_keep,
    contact_change_request,
    contact_change_verify,
    contact_changed,
    contact_code_targets,
    contact_differences,
)
from .models import (
    IDENTITY_LEVEL_ORDER,
    ContactPoint,
    IdentityLevel,
    IdentitySource,
    Person,
    PersonChange,
    Representative,
)

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


def person_for_account(*, account: User) -> Person:
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


def person_create(
    *,
    details: dict[str, Any],
    by: User | None,
    reason: str,
    identity: tuple[str, str] | None = None,
) -> Person:
    """A new record for someone else (for example the person a carer applies for).
    `identity` is (level, source) when whoever made it checked who the person is."""
    with transaction.atomic():
        person = Person.objects.create()
        changed = person_update(
            person=person,
            details=details,
            by=by,
            reason=reason,
            identity=identity,
        )
        if not changed:
            PersonChange.objects.create(
                person=person,
                fields={"record": ["", "created"]},
                changed_by=by,
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


def _details_apply(
    person: Person, details: dict[str, Any], identity: tuple[str, str] | None = None
) -> tuple[dict[str, list[str]], list[str]]:
    """Set the given person fields on `person` in memory; returns the changes (field: [old,
    new]) for the history row and the fields that changed. `identity` (level, source) is
    taken only when it is higher than what the record knows: a level only goes up."""
    changes: dict[str, list[str]] = {}
    update_fields: list[str] = []

    def record(field: str, old: object, new: object) -> None:
        changes[field] = ["" if old is None else str(old), "" if new is None else str(new)]

    if identity is not None:
        level, source = identity
        if level not in IDENTITY_LEVEL_ORDER or source not in IdentitySource.values:
            raise ValueError(f"unknown identity level {level!r} or source {source!r}")
        if IDENTITY_LEVEL_ORDER.index(level) > IDENTITY_LEVEL_ORDER.index(person.identity_level):
            record("identity_level", person.identity_level, level)
            record("identity_source", person.identity_source, source)
            person.identity_level, person.identity_source = level, source
            person.identity_verified_at = timezone.now()
            update_fields += ["identity_level", "identity_source", "identity_verified_at"]

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
    return changes, update_fields


def person_update(
    *,
    person: Person,
    details: dict[str, Any],
    by: User | None,
    reason: str,
    identity: tuple[str, str] | None = None,
) -> list[str]:
    """Apply the given person fields (and `identity`, as `_details_apply` takes it); record
    what changed as one history row."""
    # Part of the caller's transaction when there is one (no savepoint needed).
    with transaction.atomic(savepoint=False):
        changes, update_fields = _details_apply(person, details, identity)
        if update_fields:
            person.updated_at = timezone.now()
            # A plain UPDATE of the changed columns (no model signals are used on Person).
            Person.objects.filter(pk=person.pk).update(
                **{field: getattr(person, field) for field in [*update_fields, "updated_at"]}
            )
        if changes:
            PersonChange.objects.create(
                person=person, fields=changes, changed_by=by, reason=reason[:500]
            )
    return list(changes)


def person_for_email(
    *,
    email: str,
    details: dict[str, Any],
    by: User | None,
    reason: str,
    identity: tuple[str, str] | None = None,
) -> tuple[Person, bool]:
    """The record of whoever signs in with `email`, and whether it existed before: found (and
    left as it is: what may be written to a record someone else's answers found is the
    caller's to decide, by how identity was checked), or made now from `details` (and
    `identity`, as `_details_apply` takes it), with its sign-in and verified email, as on a
    first sign-in.

    For registrations from call centres and paper forms, so it takes a handful of statements
    and no savepoints. Two registrations making the same new record at once: the second
    fails on the database's one-record-per-account rule and the caller's transaction is
    retried, finding the first one's record."""
    from commonweal.accounts import services as accounts_services

    email = accounts_services.normalise_email(email)
    found = list(Person.objects.filter(account__email=email).order_by()[:1])
    if found:
        return found[0], True
    with transaction.atomic(savepoint=False):
        account_id = accounts_services.account_id_for_email(email=email)
        person = Person(account_id=account_id)
        # The address they sign in with first; a different one in the answers after, as a
        # change of the current email (the rare case costs one more update).
        changes, _fields = _details_apply(person, {**details, "email": email}, identity)
        changes = {"record": ["", "created"], **changes}
        person.save(force_insert=True)
        ContactPoint.objects.create(
            person=person,
            kind=ContactPoint.Kind.EMAIL,
            value=email,
            is_primary=True,
            verified_at=timezone.now(),
        )
        PersonChange.objects.create(
            person=person, fields=changes, changed_by=by, reason=reason[:500]
        )
        if details.get("email") and details["email"] != email:
            person_update(
                person=person,
                details={"email": details["email"]},
                by=by,
                reason=reason,
            )
    return person, False


class RepresentativeRefused(Exception):
    def __init__(self, message: str, field: str) -> None:
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
    by: User,
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
    if person.account is not None and person.account.email == email:
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


def representative_revoke(
    *, representative_id: int, person: Person | None, by: User
) -> Representative:
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
        Person.objects.filter(pk=person_id).update(has_failing_contact=True)
        PersonChange.objects.create(
            person_id=person_id,
            fields={f"{kind} failing": ["", value[:200]]},
            changed_by=None,
            reason=f"Delivery failed: {reason}"[:500],
        )


class ContactPreferencesRefused(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def _as_text(value: object) -> str:
    """A preference as it reads in the history: lists joined, times as 21:00."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


def contact_preferences_update(
    *,
    person: Person,
    channels: list[str],
    language: str,
    accessible_format: str,
    quiet_hours: tuple[datetime.time, datetime.time] | None,
    do_not_contact: list[str],
    email: str | None = None,
    phone: str | None = None,
    interpreter: tuple[bool, str] | None = None,
    updates_declined: list[str] | None = None,
    by: User | None,
    reason: str,
) -> list[str]:
    """Set how the person hears from us: the channels in order, language (en, cy, both or
    any ISO 639-1 code), format, quiet hours for texts, channels never to use, whether they
    need an interpreter and in which language, and optionally a new email address or phone
    number. Refused (ContactPreferencesRefused) when a chosen channel lacks what it needs.
    Everything that changed is one history row; returns the changed field names.

    `email` and `phone` left out (None or blank) keep the current ones; so does
    `interpreter` and `updates_declined` (the optional updates they do not want) left out
    (None). `interpreter` is (needed, language): the language an ISO 639-1 code or "bfi" for
    British Sign Language, required when needed and dropped when not."""
    interpreter = _interpreter_checked(interpreter)
    reason, channels, do_not_contact = _preferences_checked(
        reason=reason,
        channels=channels,
        language=language,
        accessible_format=accessible_format,
        quiet_hours=quiet_hours,
        do_not_contact=do_not_contact,
    )
    email, phone = _contact_points_checked(email=email, phone=phone)
    if updates_declined is not None:
        if set(updates_declined) - set(Person.Update.values):
            from django.utils.translation import gettext as _

            raise ContactPreferencesRefused(_("Select updates from the list"), "updates")
        # Stored in a fixed order, so the same choice never reads as a change.
        updates_declined = [kind for kind in Person.Update.values if kind in updates_declined]

    with transaction.atomic():
        # The record as it is now, locked, so two changes at once cannot lose one another.
        current = Person.objects.select_for_update().get(pk=person.pk)
        _channels_reachable(
            current, channels, email=email or current.email, phone=phone or current.phone
        )

        start, end = quiet_hours if quiet_hours is not None else (None, None)
        wanted: dict[str, object] = {
            "channels": channels,
            "language": language,
            "accessible_format": accessible_format,
            "quiet_hours_start": start,
            "quiet_hours_end": end,
            "do_not_contact": do_not_contact,
        }
        if interpreter is not None:
            wanted["interpreter_needed"], wanted["interpreter_language"] = interpreter
        if updates_declined is not None:
            wanted["updates_declined"] = updates_declined
        changes: dict[str, list[str]] = {}
        update_fields: list[str] = []
        for field, new in wanted.items():
            old = getattr(current, field)
            if old != new:
                changes[field] = [_as_text(old), _as_text(new)]
                setattr(current, field, new)
                update_fields.append(field)
        # The same contact point handling as person_update (which writes its own history
        # row, so it is not called here: this change is one row).
        for kind, new in (("email", email), ("phone", phone)):
            if new and new != getattr(current, kind):
                changes[kind] = [_as_text(getattr(current, kind)), new]
                _set_contact_point(current, kind, new)
                update_fields.append(kind)
        if update_fields:
            current.updated_at = timezone.now()
            Person.objects.filter(pk=current.pk).update(
                **{field: getattr(current, field) for field in [*update_fields, "updated_at"]}
            )
            for field in [*update_fields, "updated_at"]:
                setattr(person, field, getattr(current, field))
            PersonChange.objects.create(
                person=current, fields=changes, changed_by=by, reason=reason[:500]
            )
            # A new email address or phone number: the person is told at the old one.
            contact_changed(person=current, changes=changes, by=by)
    return list(changes)


def _preferences_checked(
    *,
    reason: str,
    channels: list[str],
    language: str,
    accessible_format: str,
    quiet_hours: tuple[datetime.time, datetime.time] | None,
    do_not_contact: list[str],
) -> tuple[str, list[str], list[str]]:
    """The reason, the channels and the channels never to use, checked (refused with
    ContactPreferencesRefused); the last in a fixed order."""
    from django.utils.translation import gettext as _

    reason = (reason or "").strip()
    if not reason:
        raise ContactPreferencesRefused(_("Enter why you are changing this"), "reason")
    known = list(Person.Channel.values)
    channels = list(channels or [])
    if not channels:
        raise ContactPreferencesRefused(_("Select at least one way to contact you"), "channels")
    if any(channel not in known for channel in channels):
        raise ContactPreferencesRefused(_("Select ways to contact you from the list"), "channels")
    if len(set(channels)) != len(channels):
        raise ContactPreferencesRefused(_("Choose each way to contact you only once"), "channels")
    if language not in Person.Language.values and not languages.is_language(language):
        raise ContactPreferencesRefused(_("Select the language we should use"), "language")
    if accessible_format not in Person.Format.values:
        raise ContactPreferencesRefused(
            _("Select the format you want letters and documents in"), "accessible_format"
        )
    refused = set(do_not_contact or [])
    if refused - set(known):
        raise ContactPreferencesRefused(
            _("Select ways not to contact you from the list"), "do_not_contact"
        )
    if all(channel in refused for channel in channels):
        raise ContactPreferencesRefused(
            _(
                "Every way you chose is also on the list of ways never to use. "
                "Choose at least one way we can use."
            ),
            "do_not_contact",
        )
    # Stored in a fixed order, so the same choice never reads as a change.
    do_not_contact = [channel for channel in known if channel in refused]
    if quiet_hours is not None and quiet_hours[0] == quiet_hours[1]:
        raise ContactPreferencesRefused(
            _("Quiet hours must start and end at different times"), "quiet_hours"
        )
    return reason, channels, do_not_contact


def _interpreter_checked(interpreter: tuple[bool, str] | None) -> tuple[bool, str] | None:
    """Whether an interpreter is needed and the language, checked (None: unchanged)."""
    from django.utils.translation import gettext as _

    if interpreter is None:
        return None
    needed, language = interpreter
    if not needed:
        return False, ""
    if not languages.is_interpreter_language(language):
        raise ContactPreferencesRefused(
            _("Enter the language the interpreter should speak, like Polish or BSL"),
            "interpreter_language",
        )
    return True, language


def _contact_points_checked(
    *, email: str | None, phone: str | None
) -> tuple[str | None, str | None]:
    """A new email address and phone number, checked and normalised (None: keep the one
    on the record)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.utils.translation import gettext as _

    from commonweal.core.uk import normalise_uk_phone

    email = (email or "").strip() or None
    if email is not None:
        try:
            validate_email(email)
        except ValidationError:
            raise ContactPreferencesRefused(
                _("Enter an email address in the correct format, like name@example.com"),
                "email",
            ) from None
    if phone is not None and phone.strip():
        normalised = normalise_uk_phone(phone)
        if normalised is None:
            raise ContactPreferencesRefused(
                _(
                    "Enter a telephone number, like 01632 960 001, 07700 900 982 "
                    "or +44 808 157 0192"
                ),
                "phone",
            )
        phone = normalised
    else:
        phone = None
    return email, phone


def _channels_reachable(
    current: Person, channels: list[str], *, email: str | None, phone: str | None
) -> None:
    """Each chosen channel has what it needs on the record (with the new email address
    and phone number): refused with ContactPreferencesRefused otherwise."""
    from django.utils.translation import gettext as _

    if "email" in channels and not email:
        raise ContactPreferencesRefused(
            _("Enter an email address to get emails, or choose another way"), "email"
        )
    if "sms" in channels:
        if not phone:
            raise ContactPreferencesRefused(
                _("Enter a mobile phone number to get text messages, or choose another way"),
                "phone",
            )
        if not phone.startswith("+447"):
            raise ContactPreferencesRefused(
                _(
                    "Text messages need a UK mobile number, starting 07. "
                    "Enter a mobile number, or choose another way"
                ),
                "phone",
            )
    if "phone" in channels and not phone:
        raise ContactPreferencesRefused(
            _("Enter a phone number to get phone calls, or choose another way"), "phone"
        )
    if "letter" in channels and not (current.address_line_1 and current.address_postcode):
        raise ContactPreferencesRefused(
            _("There is no postal address on the record, so we cannot send letters"),
            "channels",
        )
    if "portal" in channels and not current.account_id:
        raise ContactPreferencesRefused(
            _("There is no online account, so we cannot send messages to one. Choose another way"),
            "channels",
        )


def person_identity_raise(
    *, person: Person, level: str, source: str, by: User, reason: str
) -> bool:
    """Record that we know who `person` is at `level` (from `source`), if that is higher than
    what we knew; the history row says who and why. Returns whether anything changed."""
    if level not in IDENTITY_LEVEL_ORDER or source not in IdentitySource.values:
        raise ValueError(f"unknown identity level {level!r} or source {source!r}")
    with transaction.atomic():
        current = (
            Person.objects.select_for_update()
            .only("identity_level", "identity_source")
            .get(pk=person.pk)
        )
        if IDENTITY_LEVEL_ORDER.index(level) <= IDENTITY_LEVEL_ORDER.index(current.identity_level):
            return False
        now = timezone.now()
        Person.objects.filter(pk=person.pk).update(
            identity_level=level, identity_source=source, identity_verified_at=now, updated_at=now
        )
        PersonChange.objects.create(
            person=person,
            fields={
                "identity_level": [current.identity_level, level],
                "identity_source": [current.identity_source, source],
            },
            changed_by=by,
            reason=reason[:500],
        )
    person.identity_level, person.identity_source, person.identity_verified_at = level, source, now
    return True


def person_identity_seen_in_person(*, person: Person, by: User, documents: str) -> bool:
    """A member of staff saw the person's identity documents (named in `documents`, e.g.
    "passport and council tax bill"): the highest level, recorded with who saw what."""
    documents = (documents or "").strip()
    if not documents:
        raise ValueError("say which documents were seen")
    return person_identity_raise(
        person=person,
        level=IdentityLevel.HIGH,
        source=IdentitySource.IN_PERSON,
        by=by,
        reason=f"Identity documents seen in person: {documents}",
    )


def people_erase(person_ids: list[int]) -> dict[str, int]:
    """The retention job's step for people whose every case is anonymised (registered in
    apps.py; see rights/retention.py): their contact points, representatives and history
    are deleted and their record emptied and unlinked from their account. Runs inside the
    retention batch's transaction, after their account is closed."""

    def delete(queryset: QuerySet[Model]) -> int:
        return queryset._raw_delete(queryset.db)

    delete(ContactPoint.objects.filter(person_id__in=person_ids))
    delete(Representative.objects.filter(person_id__in=person_ids))
    counts = {
        "person_changes_deleted": delete(PersonChange.objects.filter(person_id__in=person_ids))
    }
    Person.objects.filter(pk__in=person_ids).update(
        account=None,
        given_name="",
        family_name="",
        date_of_birth=None,
        ni_number="",
        address_line_1="",
        address_line_2="",
        address_town="",
        address_county="",
        address_postcode="",
        email="",
        phone="",
        language="",
        accessibility_needs="",
        preferred_contact="",
        channels=[],
        do_not_contact=[],
        has_failing_contact=False,
        updated_at=timezone.now(),
    )
    return counts
