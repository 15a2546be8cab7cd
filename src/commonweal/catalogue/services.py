"""Every write to the catalogue: import, draft, edit, publish."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from commonweal.accounts.selectors import User

from . import selectors
from .models import Service, ServiceVersion
from .yaml_io import DefinitionError, Problem, parse_definition


def service_import(
    *, yaml_text: str, by: User | None = None, publish: bool = True
) -> ServiceVersion:
    """Add a version from YAML (a new service if its slug is new) and, by default, publish it.

    Importing the same definition twice changes nothing and returns the existing version.
    """
    definition, data = parse_definition(yaml_text)
    with transaction.atomic():
        service = Service.objects.select_for_update().filter(slug=definition.slug).first()
        if service is None:
            if Service.objects.filter(reference_prefix=definition.reference_prefix).exists():
                raise DefinitionError(
                    [
                        Problem(
                            None,
                            "reference_prefix",
                            f"reference_prefix "
                            f"{definition.reference_prefix} is already used by another service",
                        )
                    ]
                )
            service = Service.objects.create(
                slug=definition.slug, reference_prefix=definition.reference_prefix
            )
        elif service.reference_prefix != definition.reference_prefix:
            raise DefinitionError(
                [
                    Problem(
                        None,
                        "reference_prefix",
                        "reference_prefix cannot change once a service "
                        f"exists (it is {service.reference_prefix})",
                    )
                ]
            )
        latest = service.versions.order_by("-number").first()
        if latest is not None and latest.definition == data:
            if publish and latest.status != ServiceVersion.Status.PUBLISHED:
                service_version_publish(version=latest, by=by)
            return latest
        number = (service.versions.aggregate(Max("number"))["number__max"] or 0) + 1
        version = ServiceVersion.objects.create(
            service=service,
            number=number,
            definition=data,
            source_yaml=yaml_text,
            created_by=by,
        )
        if publish:
            service_version_publish(version=version, by=by)
    return version


def service_version_update_draft(
    *, version: ServiceVersion, yaml_text: str, by: User | None = None
) -> None:
    """Replace a draft's definition. Published and retired versions cannot change."""
    if version.status != ServiceVersion.Status.DRAFT:
        raise DefinitionError(
            [Problem(None, "", "only a draft can be edited: make a new draft from this version")]
        )
    definition, data = parse_definition(yaml_text)
    if definition.slug != version.service.slug:
        raise DefinitionError([Problem(None, "slug", "the slug cannot change within a service")])
    if definition.reference_prefix != version.service.reference_prefix:
        raise DefinitionError(
            [Problem(None, "reference_prefix", "reference_prefix cannot change within a service")]
        )
    version.definition = data
    version.source_yaml = yaml_text
    version.save(update_fields=["definition", "source_yaml", "updated_at"])


def service_version_publish(*, version: ServiceVersion, by: User | None = None) -> None:
    """Make this version the one new applications use; the previous one is retired."""
    with transaction.atomic():
        ServiceVersion.objects.filter(
            service=version.service, status=ServiceVersion.Status.PUBLISHED
        ).exclude(pk=version.pk).update(status=ServiceVersion.Status.RETIRED)
        version.status = ServiceVersion.Status.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at", "updated_at"])
    # This process sees the change at once; others within a few seconds.
    selectors.published_cache_clear()


def service_version_draft_from(
    *, version: ServiceVersion, by: User | None = None
) -> ServiceVersion:
    """A new draft that starts as a copy of `version`."""
    with transaction.atomic():
        Service.objects.select_for_update().get(pk=version.service_id)
        number = (version.service.versions.aggregate(Max("number"))["number__max"] or 0) + 1
        return ServiceVersion.objects.create(
            service=version.service,
            number=number,
            definition=version.definition,
            source_yaml=version.source_yaml,
            created_by=by,
        )


# A service's life and publishing from the workspace, each in its own module.
# The workspace's service designer edits drafts part by part (see designer.py).
from .designer import (  # noqa: E402
    SECTIONS,
    SERVICE_TEXTS,
    DependedOn,
    condition_yaml,
    draft_automation_save,
    draft_condition_save,
    draft_edit,
    draft_eligibility_question_remove,
    draft_eligibility_question_save,
    draft_page_add,
    draft_page_move,
    draft_page_remove,
    draft_page_save,
    draft_question_remove,
    draft_question_save,
    draft_reason_remove,
    draft_reason_save,
    draft_section_save,
    draft_stage_move,
    draft_stage_remove,
    draft_stage_save,
    draft_texts_save,
    draft_time_limits_save,
    section_yaml,
)
from .life import (  # noqa: E402
    LifeError,
    service_dates_set,
    service_pause,
    service_resume,
    service_retire,
)
from .publishing import (  # noqa: E402
    PublishRefused,
    publish_approve,
    publish_ask,
    publish_reject,
)

__all__ = [
    "SECTIONS",
    "SERVICE_TEXTS",
    "DefinitionError",
    "DependedOn",
    "LifeError",
    "Problem",
    "PublishRefused",
    "condition_yaml",
    "draft_automation_save",
    "draft_condition_save",
    "draft_edit",
    "draft_eligibility_question_remove",
    "draft_eligibility_question_save",
    "draft_page_add",
    "draft_page_move",
    "draft_page_remove",
    "draft_page_save",
    "draft_question_remove",
    "draft_question_save",
    "draft_reason_remove",
    "draft_reason_save",
    "draft_section_save",
    "draft_stage_move",
    "draft_stage_remove",
    "draft_stage_save",
    "draft_texts_save",
    "draft_time_limits_save",
    "publish_approve",
    "publish_ask",
    "publish_reject",
    "section_yaml",
    "service_dates_set",
    "service_import",
    "service_pause",
    "service_resume",
    "service_retire",
    "service_version_draft_from",
    "service_version_publish",
    "service_version_update_draft",
]
