"""The person's record from an application's answers, shared by the journey's submission
and the API's registration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commonweal.accounts.selectors import User
from commonweal.people import services as people_services

from .. import assisted

if TYPE_CHECKING:
    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.people.selectors import ContactChange, Person


def person_details_from_answers(
    definition: ServiceDefinition, answers: dict[str, Any]
) -> dict[str, Any]:
    return {
        question.person_field: answers[question.id]
        for question in definition.questions()
        if question.person_field and question.id in answers
    }


def existing_record_update(
    *,
    identity_check: str,
    definition: ServiceDefinition,
    person: Person,
    snapshot: dict[str, Any],
    details: dict[str, Any],
    by: User,
    reference: str,
    reason: str,
    identity: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], ContactChange | None]:
    """An application staff took (or an integration registered) for a record that existed
    before: write the answers the identity check allows (intake/assisted.py), and the check
    itself (`identity`, from people.selectors.identity_from_staff_check); new contact details
    wait for a check (a code to a contact point on the record, or a team leader) and the
    application keeps the ones on the record, so notices go where they went before. Returns
    the snapshot to keep and the waiting change (or None)."""
    level = assisted.disclosure(identity_check)
    allowed = {
        name: value for name, value in details.items() if name in assisted.WRITTEN_FIELDS[level]
    }
    if allowed or identity:
        people_services.person_update(
            person=person, details=allowed, by=by, reason=reason, identity=identity
        )
    changes = people_services.contact_differences(person=person, details=details)
    if not changes:
        return snapshot, None
    change = people_services.contact_change_request(
        person=person,
        changes=changes,
        reason=reason,
        case_reference=reference,
        by=by,
    )
    kept = dict(snapshot)
    for question in definition.questions():
        if question.person_field in changes and question.id in kept:
            old = changes[question.person_field][0]
            if old and (not isinstance(old, dict) or any(old.values())):
                kept[question.id] = old
            else:
                kept.pop(question.id)
    return kept, change
