"""When a service stops taking online applications (paused or retired), the drafts people
started on it are kept, and each person with one is told once, in batches through
messaging's notices. intake's side of `catalogue.events.ServiceStopped`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue.events import ServiceStopped
from commonweal.messaging import services as messaging
from commonweal.people import selectors as people_selectors
from commonweal.people.selectors import Person

from ..models import Application

# People told per write (each batch is one bulk write of notices and messages).
BATCH = 1000


def _message(event: ServiceStopped, language: str) -> str:
    service = event.service
    if event.how == catalogue.PAUSED:
        return service.pause_message_cy if language == "cy" else service.pause_message_en
    replacement = service.replaced_by
    if replacement is None:
        return ""
    published = catalogue.published_service(slug=replacement.slug)
    name = published.definition.name.text(language) if published else replacement.slug
    url = f"{settings.COMMONWEAL_BASE_URL}/services/{replacement.slug}/"
    with translation.override(language):
        return _("It is replaced by %(name)s: %(url)s") % {"name": name, "url": url}


def drafts_owners_tell(event: ServiceStopped) -> int:
    """Tell everyone with a draft for the service (the account's person for an online
    draft, the person it is for when staff started it) that it is paused or retired.
    Listener of `ServiceStopped`, in the change's transaction; returns how many were told."""
    drafts = Application.objects.filter(service=event.service, status=Application.Status.DRAFT)
    account_ids = drafts.filter(taken_by__isnull=True).values("account_id")
    person_ids = drafts.filter(person__isnull=False).values("person_id")
    people = people_selectors.people().filter(Q(account_id__in=account_ids) | Q(pk__in=person_ids))
    published = catalogue.published_service(slug=event.service.slug)
    notice = "service_paused" if event.how == catalogue.PAUSED else "service_retired"
    url = f"{settings.COMMONWEAL_BASE_URL}/services/{event.service.slug}/"
    words: dict[str, dict[str, Any]] = {}
    for language in ("en", "cy"):
        words[language] = {
            "service": published.definition.name.text(language)
            if published
            else event.service.slug,
            "organisation": settings.COMMONWEAL_ORGANISATION_NAME_CY
            if language == "cy"
            else settings.COMMONWEAL_ORGANISATION_NAME,
            "url": url,
            "message": _message(event, language),
        }

    def data_for(person: Person) -> dict[str, Any]:
        language = "cy" if person.language in ("cy", "both") else "en"
        fallback = "Syr neu Fadam" if language == "cy" else "Sir or Madam"
        return {"name": person.full_name or fallback, **words[language]}

    told = 0
    batch: list[Person] = []
    for person in people.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(person)
        if len(batch) == BATCH:
            told += messaging.notices_send_many(event=notice, people=batch, data_for=data_for)
            batch = []
    if batch:
        told += messaging.notices_send_many(event=notice, people=batch, data_for=data_for)
    return told
