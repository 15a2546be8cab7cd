"""New contact details given for a person by someone else, kept apart until checked.

A member of staff taking an application by phone may hear a new email address, phone
number or postal address. Written straight onto the record, anyone able to take an
application could send a person's notices elsewhere. So they wait in a `ContactChange`
until either the person reads out a code sent to a contact point already on the record,
or a team leader approves them with a reason (the caller checks that they lead the team).
Applied, they are one history row (who and why) and the person is told at the contact
points they had before, through the listeners other apps add (messaging does). Public
through `people.services`."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.core.events import publish

from .events import ContactDetailsChanged
from .models import ContactChange, Person

CONTACT_FIELDS = ("email", "phone", "address")
_ADDRESS_PARTS = ("line_1", "line_2", "town", "county", "postcode")
# Codes one change may have sent, in all: enough for a bad line, not for guessing.
CODES_PER_CHANGE = 5
# A second code to the same place this soon after the first is refused.
REPEAT_SECONDS = datetime.timedelta(seconds=30)


class ContactChangeRefused(Exception):
    """The change cannot go ahead; `message` says why, for the page; `field` is its input."""

    def __init__(self, message, field: str = ""):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def contact_changed(*, person: Person, changes: dict, case_reference: str = "", by) -> None:
    """Tell the listeners (in the caller's transaction) that contact details changed:
    publishes `events.ContactDetailsChanged`."""
    contact = {field: change for field, change in changes.items() if field in CONTACT_FIELDS}
    if contact:
        publish(
            ContactDetailsChanged(
                person=person, changes=contact, case_reference=case_reference, by=by
            )
        )


def _address_of(person: Person) -> dict:
    return {part: getattr(person, f"address_{part}") or "" for part in _ADDRESS_PARTS}


def _comparable(field: str, value):
    if field == "address":
        return {part: ((value or {}).get(part) or "").strip() for part in _ADDRESS_PARTS}
    if field == "email":
        return (value or "").strip().lower()
    return (value or "").strip()


def _current(person: Person, field: str):
    """What the record holds now for a contact field, in the form changes are compared."""
    return _comparable(field, _address_of(person) if field == "address" else getattr(person, field))


def contact_differences(*, person: Person, details: dict) -> dict:
    """The contact details in `details` (person fields, as an application's answers give
    them) that differ from the record: {field: [old, new]}. A detail left blank is not a
    change: nobody removes a contact point by not giving one."""
    differences: dict = {}
    email = (details.get("email") or "").strip()
    if email and email.lower() != (person.email or "").lower():
        differences["email"] = [person.email or "", email]
    phone = (details.get("phone") or "").strip()
    if phone and phone != (person.phone or ""):
        differences["phone"] = [person.phone or "", phone]
    given = details.get("address")
    if given:
        new = {part: (given.get(part) or "").strip() for part in _ADDRESS_PARTS}
        old = _address_of(person)
        if new != old:
            differences["address"] = [old, new]
    return differences


def contact_change_request(
    *, person: Person, changes: dict, reason: str, case_reference: str = "", by
) -> ContactChange | None:
    """Keep new contact details for `person` until they are checked. A change already
    waiting for the same person is replaced (the latest words win). None when nothing
    differs."""
    changes = {field: change for field, change in changes.items() if field in CONTACT_FIELDS}
    if not changes:
        return None
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        ContactChange.objects.filter(person=person, status=ContactChange.Status.PENDING).update(
            status=ContactChange.Status.SUPERSEDED, decided_at=now
        )
        change = ContactChange.objects.create(
            person=person,
            fields=changes,
            reason=reason[:500],
            case_reference=case_reference[:20],
            requested_by=by,
            requested_at=now,
        )
        Person.objects.filter(pk=person.pk).update(has_pending_contact_change=True)
    person.has_pending_contact_change = True
    return change


def contact_code_targets(*, person: Person) -> dict[str, str]:
    """Where a code can go now, by channel: the email address on the record, and the phone
    number on the record when it is a UK mobile (a text message cannot go to a landline)."""
    targets = {}
    if person.email:
        targets["email"] = person.email
    if (person.phone or "").startswith("+447"):
        targets["sms"] = person.phone
    return targets


def _code_hash(change: ContactChange, code: str) -> str:
    message = f"contact-change:{change.public_id}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _pending(change_id, *, lock: bool = True) -> ContactChange:
    changes = ContactChange.objects.select_related("person")
    if lock:
        changes = changes.select_for_update(of=("self",))
    change = changes.filter(pk=change_id).first()
    if change is None or change.status != ContactChange.Status.PENDING:
        raise ContactChangeRefused(
            _("These details are no longer waiting for a check. Nothing was changed.")
        )
    return change


def contact_change_code_issue(*, change_id: int, channel: str, by) -> tuple[str, str, str]:
    """A new six-digit code for the change, for the contact point of `channel` on the
    record now. Returns (code, address, the person's language) for the caller to send at
    once, in its own transaction (nothing is kept if sending fails); only a keyed hash
    is kept, so nobody reading the database or the pages can see it. Valid for
    COMMONWEAL_SIGN_IN_CODE_MINUTES, replacing any code sent before."""
    with transaction.atomic(savepoint=False):
        change = _pending(change_id)
        address = contact_code_targets(person=change.person).get(channel)
        if address is None:
            raise ContactChangeRefused(_("Select where to send the code"), "channel")
        minutes = datetime.timedelta(minutes=settings.COMMONWEAL_SIGN_IN_CODE_MINUTES)
        if (
            change.code_hash
            and change.code_channel == channel
            and change.code_expires_at - minutes > timezone.now() - REPEAT_SECONDS
        ):
            # A double click, or impatience: the person would get two codes, and only the
            # second would work.
            raise ContactChangeRefused(
                _(
                    "We sent a code there a moment ago. Ask them to read that one out; if it "
                    "has not arrived in a minute, send a new one."
                ),
                "channel",
            )
        if change.codes_sent >= CODES_PER_CHANGE:
            raise ContactChangeRefused(
                _(
                    "We have sent as many codes as we can for this change. "
                    "Ask a team leader to approve it, or keep the details we hold."
                ),
                "channel",
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        change.code_hash = _code_hash(change, code)
        change.code_channel = channel
        change.code_expires_at = timezone.now() + minutes
        change.code_failed_attempts = 0
        change.codes_sent += 1
        change.save(
            update_fields=[
                "code_hash",
                "code_channel",
                "code_expires_at",
                "code_failed_attempts",
                "codes_sent",
            ]
        )
    return code, address, change.person.language or "en"


def contact_change_verify(*, change_id: int, code: str, by) -> ContactChange:
    """Apply the change when `code` is the one last sent for it, unexpired. A wrong code
    counts against the code (five, then a new one is needed) and is refused."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()):
        raise ContactChangeRefused(_("Enter the 6 numbers of the code"), "code")
    wrong = None
    applied = False
    with transaction.atomic():
        change = _pending(change_id)
        if not change.code_hash or change.code_expires_at <= timezone.now():
            raise ContactChangeRefused(_("The code has expired. Send a new code."), "code")
        if change.code_failed_attempts >= settings.COMMONWEAL_SIGN_IN_ATTEMPTS_PER_CODE:
            raise ContactChangeRefused(
                _("The code was entered wrongly too many times. Send a new code."), "code"
            )
        if hmac.compare_digest(change.code_hash, _code_hash(change, code)):
            how = (
                ContactChange.How.CODE_SMS
                if change.code_channel == "sms"
                else ContactChange.How.CODE_EMAIL
            )
            applied = _apply(change, by=by, how=how, decision_reason="")
        else:
            change.code_failed_attempts += 1
            change.save(update_fields=["code_failed_attempts"])
            wrong = change.code_failed_attempts
    # Refused outside the transaction, so what it wrote (a wrong try) is kept.
    if wrong is None:
        if not applied:
            raise _record_moved_on()
        return change
    if wrong >= settings.COMMONWEAL_SIGN_IN_ATTEMPTS_PER_CODE:
        raise ContactChangeRefused(
            _("The code was entered wrongly too many times. Send a new code."), "code"
        )
    raise ContactChangeRefused(_("The code is not correct. Check it and try again."), "code")


def contact_change_approve(*, change_id: int, reason: str, by) -> ContactChange:
    """Apply the change on a team leader's word, with their reason. The caller checks that
    `by` leads the team that holds the case."""
    reason = (reason or "").strip()
    if not reason:
        raise ContactChangeRefused(_("Enter why you are approving the change"), "reason")
    with transaction.atomic():
        change = _pending(change_id)
        applied = _apply(change, by=by, how=ContactChange.How.TEAM_LEADER, decision_reason=reason)
    if not applied:
        raise _record_moved_on()
    return change


def contact_change_keep(*, change_id: int, by) -> ContactChange:
    """Leave the record as it is: the details given are not used."""
    with transaction.atomic():
        change = _pending(change_id)
        _close(change, status=ContactChange.Status.KEPT, by=by)
    return change


def _close(change: ContactChange, *, status: str, by, how: str = "", reason: str = "") -> None:
    change.status = status
    change.decided_by = by
    change.decided_at = timezone.now()
    change.how = how
    change.decision_reason = reason[:500]
    change.code_hash = ""
    change.save(
        update_fields=["status", "decided_by", "decided_at", "how", "decision_reason", "code_hash"]
    )
    Person.objects.filter(pk=change.person_id).update(has_pending_contact_change=False)


_HOW_WORDS = {
    ContactChange.How.CODE_EMAIL: "confirmed with a code sent to the email address on record",
    ContactChange.How.CODE_SMS: "confirmed with a code sent to the mobile number on record",
    ContactChange.How.TEAM_LEADER: "approved by a team leader",
}


def _record_moved_on() -> ContactChangeRefused:
    return ContactChangeRefused(
        _(
            "The details on the record have changed since these were given, so nothing was "
            "changed. Check them with the person again."
        )
    )


def _apply(change: ContactChange, *, by, how: str, decision_reason: str) -> bool:
    """Write the change onto the record (one history row), close it and tell the person at
    the contact points they had. False, with the change closed and nothing written, when
    the record changed in the meantime (the caller refuses after its transaction)."""
    from .services import person_update

    person = Person.objects.select_for_update().get(pk=change.person_id)
    if any(
        _current(person, field) != _comparable(field, old)
        for field, (old, _new) in change.fields.items()
    ):
        _close(change, status=ContactChange.Status.SUPERSEDED, by=by)
        return False
    requester = str(change.requested_by) if change.requested_by_id else "someone"
    reason = f"{change.reason}; given by {requester}; {_HOW_WORDS[how]}"
    if decision_reason:
        reason += f": {decision_reason}"
    person_update(
        person=person,
        details={field: new for field, (_old, new) in change.fields.items()},
        by=by,
        reason=reason,
    )
    _close(change, status=ContactChange.Status.APPLIED, by=by, how=how, reason=decision_reason)
    contact_changed(
        person=person, changes=change.fields, case_reference=change.case_reference, by=by
    )
    return True
