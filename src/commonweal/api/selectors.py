"""What the API reads, shaped for its schemas."""

from __future__ import annotations

from commonweal.catalogue import selectors as catalogue

from .models import ApiKey


def _text(value) -> dict:
    return {"en": value.text("en"), "cy": value.text("cy")}


def services_for_api() -> list[dict]:
    services = []
    for published in catalogue.published_services():
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


def organisation_handles(*, organisation_id: int, service_id: int) -> bool:
    from commonweal.organisations.models import Team

    return Team.objects.filter(organisation_id=organisation_id, services=service_id).exists()


def case_for_api(*, reference: str, organisation_id: int | None = None):
    """A case with its timeline, as the API schema wants it; None when the organisation
    (if given) does not hold it."""
    from commonweal.cases.models import Case

    cases = Case.objects.select_related("service", "version", "team")
    if organisation_id is not None:
        cases = cases.filter(team__organisation_id=organisation_id)
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
