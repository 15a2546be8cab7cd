"""What the API reads, shaped for its schemas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.people import selectors as people_selectors

from .models import ApiKey

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case
    from commonweal.catalogue.definition import Text
    from commonweal.catalogue.selectors import PublishedService
    from commonweal.people.selectors import Person


def _text(value: Text) -> dict[str, str]:
    return {"en": value.text("en"), "cy": value.text("cy")}


def services_for_api() -> list[dict[str, Any]]:
    services: list[dict[str, Any]] = []
    # Those taking applications now (open, or paused: a pause stops online ones only).
    for published in catalogue.accepting_services(online=False):
        definition = published.definition
        services.append(
            {
                "slug": published.service.slug,
                "reference_prefix": published.service.reference_prefix,
                "version": published.version.number,
                "title": _text(definition.title),
                "summary": _text(definition.summary),
                "target_working_days": definition.target_working_days,
                "questions": [
                    {
                        "id": question.id,
                        "type": question.type,
                        "required": question.required,
                        "label": _text(question.label),
                    }
                    for question in definition.questions()
                ],
            }
        )
    return services


def case_for_api(*, reference: str, organisation_id: int | None = None) -> dict[str, Any] | None:
    """A case with its timeline, as the API schema wants it; None when the organisation
    (if given) does not hold it."""
    cases = cases_selectors.cases_held(organisation_id=organisation_id)
    case = catalogue.without_bulky_version_fields(cases).filter(reference=reference).first()
    if case is None:
        return None
    definition = catalogue.definition_for(case.version)
    stage = definition.stage(case.stage)
    return dict(
        reference=case.reference,
        service=case.service.slug,
        stage=case.stage,
        stage_title=_text(stage.title) if stage else {"en": case.stage, "cy": case.stage},
        opened_at=case.opened_at,
        due_date=case.due_date,
        closed_at=case.closed_at,
        outcome=case.outcome,
        channel=case.channel,
        timeline=[
            {
                "kind": event.kind,
                "at": event.created_at,
                "visible_to_person": event.visible_to_person,
                "data": event.data,
            }
            for event in case.events.order_by("-created_at", "-id")
        ],
    )


def api_keys_of(*, organisation_id: int) -> list[ApiKey]:
    return list(ApiKey.objects.filter(organisation_id=organisation_id))


def people_for_api(*, organisation_id: int, text: str, after: str, limit: int) -> dict[str, Any]:
    """A page of people, ordered by id, from the cursor `after` (an opaque string this API
    gave). Two queries whatever the page size: the people, then their cases' references."""
    import base64
    import re

    from commonweal.core.uk import normalise_ni_number, normalise_postcode

    people = cases_selectors.people_with_cases_held(organisation_id=organisation_id)
    text = (text or "").strip()[:100]
    if text:
        ni_number, postcode = normalise_ni_number(text), normalise_postcode(text)
        if ni_number:
            people = people.filter(ni_number=ni_number)
        elif postcode:
            people = people.filter(address_postcode=postcode)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            people = people.filter(date_of_birth=text)
        else:
            words = [word for word in re.split(r"[\s,]+", text) if word][:4]
            people = people.filter(pk__in=people_selectors.people_named(words=words, limit=5000))
    if after:
        try:
            last_id = int(base64.urlsafe_b64decode(after.encode() + b"==").decode())
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError("bad cursor") from error
        people = people.filter(pk__gt=last_id)
    found = list(people.order_by("pk")[: limit + 1])
    page, more = found[:limit], len(found) > limit
    references = cases_selectors.case_references_of_people(
        person_ids=[person.pk for person in page], organisation_id=organisation_id
    )
    return {
        "people": [
            {
                "id": str(person.public_id),
                "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": person.date_of_birth,
                "postcode": person.address_postcode,
                "cases": references.get(person.pk, []),
            }
            for person in page
        ],
        "next": base64.urlsafe_b64encode(str(page[-1].pk).encode()).decode().rstrip("=")
        if more
        else None,
    }


def case_and_person_ids(*, reference: str, organisation_id: int) -> tuple[int, int] | None:
    return cases_selectors.case_and_person_ids(reference=reference, organisation_id=organisation_id)


def person_ids_for_public_ids(*, public_ids: list[str]) -> list[int]:
    return people_selectors.person_ids_for_public_ids(public_ids=public_ids)


def person_for_api(*, person_id: str, organisation_id: int) -> Person | None:
    import uuid

    try:
        public_id = uuid.UUID(person_id)
    except ValueError:
        return None
    people = cases_selectors.people_with_cases_held(organisation_id=organisation_id)
    return people.filter(public_id=public_id).first()


def contact_preferences_for_api(*, person: Person) -> dict[str, Any]:
    current = people_selectors.contact_preferences_of(person=person)
    start, end = person.quiet_hours_start, person.quiet_hours_end
    return {
        "channels": list(current.get("channels") or person.channels or []),
        "language": person.language or "en",
        "accessible_format": person.accessible_format,
        "quiet_hours": [f"{start:%H:%M}", f"{end:%H:%M}"] if start and end else None,
        "do_not_contact": list(person.do_not_contact or []),
    }


def case_summary_for_api(*, case: Case, published: PublishedService) -> dict[str, Any]:
    """A just-opened case's summary, from the objects in hand (no second read)."""
    stage = (
        published.definition.stage(case.stage) if case.version_id == published.version.pk else None
    )
    if stage is None:
        definition = catalogue.definition_for(case.version)
        stage = definition.stage(case.stage)
    return {
        "reference": case.reference,
        "service": published.service.slug,
        "stage": case.stage,
        "stage_title": _text(stage.title) if stage else {"en": case.stage, "cy": case.stage},
        "opened_at": case.opened_at,
        "due_date": case.due_date,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "channel": case.channel,
    }


def case_placement(*, case_id: int) -> dict[str, Any]:
    """Where a case is: its reference and stage, the slug of the team that holds it and the
    email address of whom it is assigned to (one query)."""
    row = (
        cases_selectors.cases()
        .filter(pk=case_id)
        .values("reference", "stage", "team__slug", "assigned_to__email")
        .get()
    )
    return {
        "reference": row["reference"],
        "stage": row["stage"],
        "team": row["team__slug"],
        "assigned_to": row["assigned_to__email"],
    }
