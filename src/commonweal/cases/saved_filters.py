"""A member of staff's saved team queue filters: kept under a name, for them alone.

They belong to cases because what they keep is the queue's own vocabulary
(`selectors.QueueFilters`): cases reads them when saving, so a saved filter is always one
the queue understands, whatever was posted. `services` and `selectors` re-export these.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from .models import SavedQueueFilter
from .selectors.staff import QueueFilters

# Enough for every team and view a person works from; more is a list nobody scans.
SAVED_FILTERS_MAX = 20


class SavedFilterRefused(Exception):
    """The filters cannot be saved under that name; `message` says why."""

    def __init__(self, message: object, field: str = "filter-name") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


def saved_filter_save(*, user_id: int, name: str, query: Mapping[str, str]) -> SavedQueueFilter:
    """Keep the queue's filters (and sort and page size) under a name. Saving again under
    the same name replaces what it keeps, so a double click leaves one."""
    name = " ".join(name.split())
    if not name:
        raise SavedFilterRefused(gettext_lazy("Enter a name for these filters"))
    if len(name) > SavedQueueFilter.NAME_MAX_LENGTH:
        raise SavedFilterRefused(
            gettext_lazy("The name must be %(max)s characters or fewer")
            % {"max": SavedQueueFilter.NAME_MAX_LENGTH}
        )
    kept = urlencode(QueueFilters.from_query(query).as_query())
    existing = SavedQueueFilter.objects.filter(user_id=user_id)
    if not existing.filter(name=name).exists() and existing.count() >= SAVED_FILTERS_MAX:
        raise SavedFilterRefused(
            gettext_lazy("You can save up to %(max)s filters. Delete one you no longer use.")
            % {"max": SAVED_FILTERS_MAX}
        )
    try:
        with transaction.atomic():
            saved, _created = SavedQueueFilter.objects.update_or_create(
                user_id=user_id, name=name, defaults={"query": kept}
            )
    except IntegrityError:
        # The same name saved at the same moment (a double click): that one stands.
        saved = SavedQueueFilter.objects.get(user_id=user_id, name=name)
    return saved


def saved_filter_delete(*, user_id: int, filter_id: int) -> bool:
    """Delete one of the person's own saved filters; false when they have none with that
    id (someone else's is never theirs to delete)."""
    deleted, _counts = SavedQueueFilter.objects.filter(pk=filter_id, user_id=user_id).delete()
    return deleted > 0


def saved_filters(*, user_id: int) -> list[SavedQueueFilter]:
    """The person's own saved filters, by name."""
    return list(SavedQueueFilter.objects.filter(user_id=user_id).order_by("name"))
