"""Reads of the catalogue, with parsed definitions cached per version.

Other apps reach the definition language through here: `definition_for` returns a
`ServiceDefinition` whose questions, pages and stages carry their own behaviour, and
`answer_type` gives the reader for a question's answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet

from .answers import (  # noqa: F401
    ALLOWED_UPLOAD_TYPES,
    FieldError,
    Parsed,
    WrongAnswerShape,
    answer_type,
    check_upload,
    parse_answer,
)
from .compare import Change, PartChanges, definitions_compare, yaml_unified_diff  # noqa: F401
from .definition import Question, ServiceDefinition  # noqa: F401
from .life import CLOSED, NOT_YET_OPEN, OPEN, PAUSED, RETIRED, service_state  # noqa: F401
from .models import (
    PublishRequest,
    Service,
    ServiceLifeEvent,
    ServiceVersion,
    ServiceVersionChange,
)
from .yaml_io import data_to_yaml

# A version's definition and YAML are large; pages load them only when the parsed
# definition is not already cached (`definition_for` then fetches the field).
BULKY_VERSION_FIELDS = ("definition", "source_yaml")


# Any query, of any model, with a version (or of versions themselves): the same comes back.
_Query = TypeVar("_Query", bound=QuerySet[Any, Any])


def without_bulky_version_fields(queryset: _Query, path: str = "version") -> _Query:
    return queryset.defer(*(f"{path}__{name}" if path else name for name in BULKY_VERSION_FIELDS))


_parsed: dict[tuple[int, str], ServiceDefinition] = {}


def _key(version: ServiceVersion) -> tuple[int, str]:
    return (version.pk, version.updated_at.isoformat())


def _remember(key: tuple[int, str], data: dict[str, Any]) -> ServiceDefinition:
    if "name" not in data and "title" in data:
        # A version stored before services had a plain name: its title stands in for it.
        data = {**data, "name": data["title"]}
    definition = ServiceDefinition.model_validate(data)
    if len(_parsed) > 512:
        _parsed.clear()
    _parsed[key] = definition
    return definition


def definition_for(version: ServiceVersion) -> ServiceDefinition:
    """The parsed definition, cached per version and edit (published versions never change)."""
    definition = _parsed.get(_key(version))
    if definition is None:
        definition = _remember(_key(version), version.definition)
    return definition


def definitions_for(versions: Iterable[ServiceVersion]) -> None:
    """Make sure the definitions of all these versions are cached, with at most one query,
    so a list of applications or services costs the same however long it is."""
    missing = {version.pk: version for version in versions if _key(version) not in _parsed}
    if not missing:
        return
    for pk, data in ServiceVersion.objects.filter(pk__in=missing).values_list("pk", "definition"):
        _remember(_key(missing[pk]), data)


@dataclass(frozen=True)
class PublishedService:
    service: Service
    version: ServiceVersion
    definition: ServiceDefinition

    @property
    def state(self) -> str:
        """Where the service is in its life (`service_state`): only "open" takes new
        online applications and lets a draft go on."""
        return service_state(self.service)

    @property
    def accepting(self) -> bool:
        return self.state == OPEN


def published_services() -> list[PublishedService]:
    """Every service people can apply for now, in one query, kept by each process for a few
    seconds like `published_service` (a page may ask several times; publishing clears it)."""
    global _published_all
    now = time.monotonic()
    if _published_all is not None and _published_all[0] > now:
        return list(_published_all[1])
    versions = list(
        without_bulky_version_fields(
            ServiceVersion.objects.filter(status=ServiceVersion.Status.PUBLISHED).select_related(
                "service__replaced_by"
            ),
            path="",
        )
    )
    definitions_for(versions)
    found = [PublishedService(v.service, v, definition_for(v)) for v in versions]
    found.sort(key=lambda item: item.definition.title.en)
    _published_all = (now + PUBLISHED_CACHE_SECONDS, found)
    return list(found)


def accepting_services(*, online: bool = True) -> list[PublishedService]:
    """The published services that take new applications now: online, only open ones;
    taken by staff (by phone, in person, from paper), open or paused ones, as a pause
    stops online applications only. Not yet open, closed and retired services are left
    out of both. From `published_services`, so no query of its own."""
    allowed = {OPEN} if online else {OPEN, PAUSED}
    return [item for item in published_services() if item.state in allowed]


# Every citizen page asks which version of its service is published. The answer changes
# only when someone publishes, so each process keeps it for a few seconds.
PUBLISHED_CACHE_SECONDS = 5.0
_published: dict[str, tuple[float, PublishedService | None]] = {}
_published_all: tuple[float, list[PublishedService]] | None = None


def published_service(*, slug: str) -> PublishedService | None:
    now = time.monotonic()
    cached = _published.get(slug)
    if cached is not None and cached[0] > now:
        return cached[1]
    # At most one published version per service (a database constraint), so no ordering.
    found = list(
        without_bulky_version_fields(
            ServiceVersion.objects.filter(
                status=ServiceVersion.Status.PUBLISHED, service__slug=slug
            ).select_related("service__replaced_by"),
            path="",
        ).order_by()[:1]
    )
    result = (
        PublishedService(found[0].service, found[0], definition_for(found[0])) if found else None
    )
    if len(_published) > 1000:
        _published.clear()
    _published[slug] = (now + PUBLISHED_CACHE_SECONDS, result)
    return result


def published_cache_clear() -> None:
    global _published_all
    _published.clear()
    _published_all = None


def definitions_cache_clear() -> None:
    _parsed.clear()


def version_get(*, pk: int) -> ServiceVersion:
    return ServiceVersion.objects.select_related("service").get(pk=pk)


def service_export(*, slug: str, version_number: int | None = None) -> str | None:
    """The YAML of the published version (or of a given version number)."""
    versions = ServiceVersion.objects.filter(service__slug=slug)
    if version_number is not None:
        version = versions.filter(number=version_number).first()
    else:
        version = (
            versions.filter(status=ServiceVersion.Status.PUBLISHED).first()
            or versions.order_by("-number").first()
        )
    if version is None:
        return None
    return version.source_yaml or data_to_yaml(version.definition)


def services_overview() -> list[str]:
    """One line per service: slug, prefix and its versions with their status."""
    lines = []
    for service in Service.objects.prefetch_related("versions").order_by("slug"):
        versions = ", ".join(f"v{v.number} {v.status}" for v in service.versions.all())
        lines.append(f"{service.slug} ({service.reference_prefix}): {versions}")
    return lines


def review_stage_versions() -> dict[str, list[int]]:
    """Each review stage's id (where a case reopens when the person asks for the decision to
    be looked at again) with the versions, of any service, whose review stage it is. One
    query for the versions, and one more for any definition not cached yet."""
    versions = list(without_bulky_version_fields(ServiceVersion.objects.order_by("pk"), path=""))
    definitions_for(versions)
    found: dict[str, list[int]] = {}
    for version in versions:
        for stage in definition_for(version).stages:
            if stage.review:
                found.setdefault(stage.id, []).append(version.pk)
    return found


def versions_of(*, slug: str | None = None) -> list[ServiceVersion]:
    """Every version of a service (of every service when no slug), newest first, without
    the bulky fields."""
    versions = ServiceVersion.objects.select_related("service")
    if slug is not None:
        versions = versions.filter(service__slug=slug)
    return list(
        without_bulky_version_fields(versions, path="").order_by("service__slug", "-number")
    )


@dataclass(frozen=True)
class PaperForm:
    language: str
    pdf: bytes
    pages: int

    @property
    def size(self) -> int:
        return len(self.pdf)


def paper_form(*, published: PublishedService, language: str) -> PaperForm:
    """The published version's paper form in English or Welsh, made once per version and
    kept (see `paper_form.py`)."""
    from . import paper_form as forms

    pdf, pages = forms.form_pdf(
        published.definition,
        version_key=_key(published.version),
        version=published.version.number,
        language=language,
    )
    return PaperForm(language=language, pdf=pdf, pages=pages)


# The workspace's pages about a service's versions and life.


def service_by_slug(*, slug: str) -> Service | None:
    return Service.objects.select_related("replaced_by").filter(slug=slug).first()


def service_versions(*, service: Service) -> list[ServiceVersion]:
    """A service's versions, newest first, with who made each and its publishing history
    (three queries however many versions), without the bulky fields."""
    return list(
        without_bulky_version_fields(
            ServiceVersion.objects.filter(service=service).select_related("service", "created_by"),
            path="",
        )
        .prefetch_related(
            Prefetch(
                "publish_requests",
                queryset=PublishRequest.objects.select_related("requested_by", "decided_by"),
            )
        )
        .order_by("-number")
    )


def version_by_number(*, service: Service, number: int) -> ServiceVersion | None:
    return (
        ServiceVersion.objects.select_related("service", "created_by")
        .filter(service=service, number=number)
        .first()
    )


def publish_requests_of(*, version: ServiceVersion) -> list[PublishRequest]:
    """The version's publishing history, newest first, with who asked and who decided."""
    return list(
        PublishRequest.objects.filter(version=version).select_related("requested_by", "decided_by")
    )


def publish_request_waiting(*, version: ServiceVersion) -> PublishRequest | None:
    return (
        PublishRequest.objects.filter(version=version, status=PublishRequest.Status.WAITING)
        .select_related("requested_by")
        .first()
    )


def life_events_of(*, service: Service, limit: int = 50) -> list[ServiceLifeEvent]:
    """The latest changes to the service's life, newest first, with who made them."""
    return list(
        ServiceLifeEvent.objects.filter(service=service).select_related("by", "service")[:limit]
    )


def services_other_than(*, service: Service) -> list[Service]:
    """Services that could replace this one (any other not retired), by slug."""
    return list(Service.objects.exclude(pk=service.pk).filter(retired_at__isnull=True))


@dataclass(frozen=True)
class Comparison:
    old: ServiceVersion
    new: ServiceVersion
    parts: list[PartChanges]
    yaml_diff: str

    @property
    def changed_parts(self) -> list[PartChanges]:
        return [part for part in self.parts if part.changes]


def versions_compare(*, old: ServiceVersion, new: ServiceVersion) -> Comparison:
    """What changed from one version's definition to another's, by part, and their YAML
    as a unified diff."""
    return Comparison(
        old=old,
        new=new,
        parts=definitions_compare(old.definition, new.definition),
        yaml_diff=yaml_unified_diff(
            old.source_yaml or data_to_yaml(old.definition),
            new.source_yaml or data_to_yaml(new.definition),
            f"v{old.number}",
            f"v{new.number}",
        ),
    )


@dataclass(frozen=True)
class DesignableService:
    service: Service
    # Newest first, without the bulky fields.
    versions: list[ServiceVersion]
    title: str


def services_for_designer(
    *, service_ids: Iterable[int] | None, language: str
) -> list[DesignableService]:
    """The services these ids name (every service when None), each with its versions and
    the title of its newest: two queries, and one more for definitions not cached yet."""
    services = Service.objects.order_by("slug")
    if service_ids is not None:
        services = services.filter(pk__in=list(service_ids))
    versions: dict[int, list[ServiceVersion]] = {}
    found = list(services)
    for version in without_bulky_version_fields(
        ServiceVersion.objects.filter(service__in=found).order_by("service_id", "-number"),
        path="",
    ):
        versions.setdefault(version.service_id, []).append(version)
    newest = [items[0] for items in versions.values()]
    definitions_for(newest)
    return [
        DesignableService(
            service=service,
            versions=versions.get(service.pk, []),
            title=definition_for(versions[service.pk][0]).title.text(language)
            if service.pk in versions
            else service.slug,
        )
        for service in found
    ]


def version_for_designer(*, slug: str, number: int) -> ServiceVersion | None:
    return (
        ServiceVersion.objects.select_related("service")
        .filter(service__slug=slug, number=number)
        .first()
    )


def version_changes(*, version: ServiceVersion, limit: int = 20) -> list[ServiceVersionChange]:
    """The designer's latest edits of a version, newest first, with who made them."""
    return list(version.changes.select_related("by")[:limit])
