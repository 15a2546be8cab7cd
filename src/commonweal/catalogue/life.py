"""A service's life: when it takes applications (opening and closing dates), a pause with a
message (the other ways to apply stay open) and retirement (pointing to what replaces it).
Public through `services` (the writes) and `selectors` (`service_state`)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.accounts.selectors import User
from commonweal.core import events

from .events import ServiceStopped
from .models import Service, ServiceLifeEvent

OPEN = "open"
NOT_YET_OPEN = "not_yet_open"
CLOSED = "closed"
PAUSED = "paused"
RETIRED = "retired"


class LifeError(Exception):
    """A change to a service's life that cannot be made; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def service_state(service: Service, *, today: datetime.date | None = None) -> str:
    """Where a service is in its life now: retired, paused, not yet open, closed or open.
    Only an open service takes new online applications or lets a draft go on."""
    today = today or timezone.localdate()
    if service.retired_at is not None:
        return RETIRED
    if service.paused_at is not None:
        return PAUSED
    if service.opens_on is not None and today < service.opens_on:
        return NOT_YET_OPEN
    if service.closes_on is not None and today > service.closes_on:
        return CLOSED
    return OPEN


def _locked(service: Service) -> Service:
    return Service.objects.select_for_update().get(pk=service.pk)


def _changed(service: Service) -> None:
    from . import selectors

    # This process sees the change at once; others within a few seconds.
    transaction.on_commit(selectors.published_cache_clear)
    selectors.published_cache_clear()


def service_dates_set(
    *,
    service: Service,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    by: User | None,
) -> Service:
    """Set (or clear) the dates between which applications are taken."""
    if opens_on is not None and closes_on is not None and closes_on < opens_on:
        raise LifeError("closes_on", _("The closing date must be on or after the opening date"))
    with transaction.atomic():
        locked = _locked(service)
        locked.opens_on, locked.closes_on = opens_on, closes_on
        locked.save(update_fields=["opens_on", "closes_on"])
        ServiceLifeEvent.objects.create(
            service=locked,
            kind=ServiceLifeEvent.Kind.DATES,
            detail={
                "opens_on": opens_on.isoformat() if opens_on else None,
                "closes_on": closes_on.isoformat() if closes_on else None,
            },
            by=by,
        )
        _changed(locked)
    return locked


def service_pause(*, service: Service, message_en: str, message_cy: str, by: User | None) -> bool:
    """Pause online applications, with a message in English and Welsh. Everyone with a
    draft is told once (`ServiceStopped`); pausing a paused or retired service changes
    nothing and returns False."""
    message_en, message_cy = message_en.strip(), message_cy.strip()
    if not message_en:
        raise LifeError("message_en", _("Enter the message people will see, in English"))
    if not message_cy:
        raise LifeError("message_cy", _("Enter the message people will see, in Welsh"))
    with transaction.atomic():
        locked = _locked(service)
        if locked.paused_at is not None or locked.retired_at is not None:
            return False
        locked.paused_at = timezone.now()
        locked.pause_message_en, locked.pause_message_cy = message_en, message_cy
        locked.save(update_fields=["paused_at", "pause_message_en", "pause_message_cy"])
        ServiceLifeEvent.objects.create(
            service=locked,
            kind=ServiceLifeEvent.Kind.PAUSED,
            detail={"message_en": message_en, "message_cy": message_cy},
            by=by,
        )
        events.publish(ServiceStopped(service=locked, how=PAUSED, by=by))
        _changed(locked)
    return True


def service_resume(*, service: Service, by: User | None) -> bool:
    """Take online applications again after a pause; False if it was not paused (or is
    retired, which is for good)."""
    with transaction.atomic():
        locked = _locked(service)
        if locked.paused_at is None or locked.retired_at is not None:
            return False
        locked.paused_at = None
        locked.save(update_fields=["paused_at"])
        ServiceLifeEvent.objects.create(service=locked, kind=ServiceLifeEvent.Kind.RESUMED, by=by)
        _changed(locked)
    return True


def service_retire(*, service: Service, replaced_by: Service | None, by: User | None) -> bool:
    """Retire a service for good, optionally pointing to the service that replaces it.
    Everyone with a draft is told once; retiring a retired service returns False."""
    if replaced_by is not None and replaced_by.pk == service.pk:
        raise LifeError("replaced_by", _("A service cannot replace itself"))
    with transaction.atomic():
        locked = _locked(service)
        if locked.retired_at is not None:
            return False
        locked.retired_at = timezone.now()
        locked.replaced_by = replaced_by
        locked.save(update_fields=["retired_at", "replaced_by"])
        ServiceLifeEvent.objects.create(
            service=locked,
            kind=ServiceLifeEvent.Kind.RETIRED,
            detail={"replaced_by": replaced_by.slug if replaced_by else None},
            by=by,
        )
        events.publish(ServiceStopped(service=locked, how=RETIRED, by=by))
        _changed(locked)
    return True
