"""Reads of applications, each filtered in the query to what the asker may see."""

from dataclasses import dataclass

from django.db.models import Q

from commonweal.catalogue import selectors as catalogue
from commonweal.people import selectors as people_selectors

from .models import Application, Upload


def person_details_for(*, account) -> dict:
    """What the record already holds for the signed-in person, as answers."""
    person = people_selectors.person_for_account_get(account=account)
    if person is None:
        return {}
    return people_selectors.person_details(person=person)


def draft_get(*, account, service) -> Application | None:
    return (
        catalogue.without_bulky_version_fields(
            Application.objects.select_related("version", "service")
        )
        .filter(account=account, service=service, status=Application.Status.DRAFT)
        .first()
    )


def latest_submitted(*, account, service) -> Application | None:
    return (
        Application.objects.filter(
            account=account, service=service, status=Application.Status.SUBMITTED
        )
        .order_by("-submitted_at")
        .first()
    )


def _mine(account) -> Q:
    # Applications this account made (for themselves or for someone), or made for them.
    return Q(account=account) | Q(person__account=account)


@dataclass(frozen=True)
class ApplicationSummary:
    application: Application
    definition: object
    stage: object | None


def applications_for_account(*, account) -> list[ApplicationSummary]:
    """The account's applications, newest first, in one query whatever their number."""
    applications = catalogue.without_bulky_version_fields(
        Application.objects.filter(_mine(account))
        .select_related("version", "service", "case", "person")
        .order_by("-updated_at")
    )
    applications = list(applications)
    catalogue.definitions_for([application.version for application in applications])
    summaries = []
    for application in applications:
        definition = catalogue.definition_for(application.version)
        case = getattr(application, "case", None)
        stage = definition.stage(case.stage) if case else None
        summaries.append(ApplicationSummary(application, definition, stage))
    return summaries


def submitted_application_for_account(*, account, reference: str) -> Application | None:
    return catalogue.without_bulky_version_fields(
        Application.objects.filter(_mine(account), reference=reference).select_related(
            "version", "service", "case", "person"
        )
    ).first()


def upload_for_account(*, account, upload_id) -> Upload | None:
    """An upload the account may see: its own applications' files, or any file for staff."""
    uploads = Upload.objects.select_related("application")
    if not account.is_staff:
        uploads = uploads.filter(
            Q(application__account=account) | Q(application__person__account=account)
        )
    return uploads.filter(pk=upload_id).first()
