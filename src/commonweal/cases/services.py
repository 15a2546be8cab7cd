"""Every write to a case, each with the CaseEvent that records it."""

from django.utils import timezone

from commonweal.core.working_days import add_working_days

from .models import Case, CaseEvent


def case_open(
    *, application, person, definition, submitted_by, channel: str, on_behalf: bool
) -> Case:
    """Open the case for a just-submitted application at the service's first stage.

    Called inside the submission's transaction, so the application, its case and the first
    event exist together or not at all.
    """
    now = timezone.now()
    first_stage = definition.stages[0]
    case = Case.objects.create(
        reference=application.reference,
        application=application,
        person=person,
        service_id=application.service_id,
        version_id=application.version_id,
        stage=first_stage.id,
        opened_at=now,
        due_date=add_working_days(timezone.localdate(now), definition.target_working_days),
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.SUBMITTED,
        created_at=now,
        actor=submitted_by,
        on_behalf_of=person if on_behalf else None,
        visible_to_person=True,
        data={"stage": first_stage.id, "channel": channel, "on_behalf": on_behalf},
    )
    return case


def case_event_record(
    *, case: Case, kind: str, actor=None, visible_to_person: bool, data: dict | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        created_at=timezone.now(),
        actor=actor,
        visible_to_person=visible_to_person,
        data=data or {},
    )
