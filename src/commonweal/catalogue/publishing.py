"""Publishing a version from the workspace: asked for by one permitted person and, where an
organisation handling the service asks for it, approved (or rejected with a reason) by a
different one. Every request is kept as the version's publishing history. Public through
`services`."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.accounts.selectors import User
from commonweal.organisations import selectors as organisations

from .models import PublishRequest, ServiceVersion
from .yaml_io import DefinitionError, Problem, data_to_yaml, parse_definition


class PublishRefused(Exception):
    """The version cannot be published (or the request decided) as asked; says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def _check_publishable(version: ServiceVersion) -> None:
    if version.status == ServiceVersion.Status.PUBLISHED:
        raise PublishRefused(_("This version is already published"))
    if version.service.retired_at is not None:
        raise PublishRefused(_("The service is retired: a retired service cannot be published"))
    # The same checks as an import: every text in English and Welsh, every rule readable.
    try:
        parse_definition(version.source_yaml or data_to_yaml(version.definition))
    except DefinitionError as error:
        raise PublishRefused(
            _("This version cannot be published until these problems are put right"),
            error.problems,
        ) from error


def _publish(version: ServiceVersion, by: User) -> None:
    from .services import service_version_publish

    service_version_publish(version=version, by=by)


def publish_ask(*, version: ServiceVersion, by: User) -> PublishRequest:
    """Ask for `version` to be published. Published at once (and recorded as approved by
    the person asking) unless an organisation handling the service needs a second person's
    approval; then the request waits. Asking again while one waits returns that one."""
    _check_publishable(version)
    needs_second = organisations.publishing_needs_second_person(service_id=version.service_id)
    try:
        with transaction.atomic():
            ServiceVersion.objects.select_for_update().get(pk=version.pk)
            waiting = version.publish_requests.filter(status=PublishRequest.Status.WAITING).first()
            if waiting is not None:
                return waiting
            if needs_second:
                return PublishRequest.objects.create(version=version, requested_by=by)
            request = PublishRequest.objects.create(
                version=version,
                requested_by=by,
                status=PublishRequest.Status.APPROVED,
                decided_by=by,
                decided_at=timezone.now(),
            )
            _publish(version, by)
            return request
    except IntegrityError:
        # A double click made the waiting request a moment ago.
        return version.publish_requests.get(status=PublishRequest.Status.WAITING)


def _locked_waiting(request: PublishRequest, by: User) -> PublishRequest:
    locked = (
        PublishRequest.objects.select_for_update()
        .select_related("version__service")
        .get(pk=request.pk)
    )
    if locked.status != PublishRequest.Status.WAITING:
        raise PublishRefused(_("This request has already been decided"))
    if locked.requested_by_id == by.pk:
        raise PublishRefused(
            _("You asked for this version to be published: a different person must decide")
        )
    return locked


def publish_approve(*, request: PublishRequest, by: User) -> PublishRequest:
    """A second permitted person approves: the version is published now. The person who
    asked cannot approve their own request."""
    with transaction.atomic():
        locked = _locked_waiting(request, by)
        _check_publishable(locked.version)
        locked.status = PublishRequest.Status.APPROVED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        _publish(locked.version, by)
    return locked


def publish_reject(*, request: PublishRequest, by: User, reason: str) -> PublishRequest:
    """A second permitted person rejects the request, saying why; the version stays as it
    was and can be asked for again."""
    reason = reason.strip()
    if not reason:
        raise PublishRefused(_("Say why you are rejecting it"))
    with transaction.atomic():
        locked = _locked_waiting(request, by)
        locked.status = PublishRequest.Status.REJECTED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return locked
