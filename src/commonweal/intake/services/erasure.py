"""Retention's steps for applications (registered in apps.py; see rights/retention.py):
inside the retention batch's transaction, the only one the append-only triggers let
delete."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef

from commonweal.people import selectors as people_selectors

from ..models import Application, Upload


def applications_erase(case_ids: list[int]) -> dict[str, int]:
    """These cases' uploads (files deleted once the batch commits) and the answers of their
    applications; the application rows stay, empty, for the case rows that point at them."""
    applications = Application.objects.filter(case__pk__in=case_ids)
    uploads = Upload.objects.filter(application__in=applications)
    names = list(uploads.values_list("file", flat=True))
    counts = {"files_deleted": len(names), "uploads_deleted": uploads._raw_delete(uploads.db)}
    applications.update(
        answers={}, eligibility_answers={}, completed_pages=[], confirmed_details=[]
    )
    storage = Upload._meta.get_field("file").storage

    def delete_files() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return counts


def accounts_close_for_people(person_ids: list[int]) -> dict[str, int]:
    """The sign-in accounts of people being anonymised are closed (see
    `accounts.services.accounts_close`), except while an account has applications for anyone
    else (a carer's). Runs before their records are emptied (which unlinks the account)."""
    from commonweal.accounts import services as accounts_services

    others = Application.objects.filter(
        account_id=OuterRef("account_id"), person__isnull=False
    ).exclude(person_id__in=person_ids)
    account_ids = people_selectors.account_ids_of(person_ids=person_ids).exclude(Exists(others))
    return {"accounts_closed": accounts_services.accounts_close(account_ids=account_ids)}
