from django.apps import AppConfig


def applications_section(person, language):
    """The person's download: their applications and answers."""
    from . import selectors

    return selectors.applications_for_export(person=person, language=language)


class IntakeConfig(AppConfig):
    name = "commonweal.intake"
    label = "intake"
    verbose_name = "Applications"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from commonweal.catalogue.events import ServiceStopped
        from commonweal.core import events, personal_data, worker_jobs
        from commonweal.core.quarantine import QUARANTINE_KINDS

        from . import services

        # Evidence the virus scanner finds infected: a draft's answer goes, a case is told.
        QUARANTINE_KINDS.register(services.UPLOAD_KIND, services.upload_infected)
        worker_jobs.housekeeping_add("drafts_expired", services.drafts_expire_due)
        # A service paused or retired: its drafts are kept and their owners told.
        events.subscribe(ServiceStopped, services.drafts_owners_tell)
        personal_data.register_data_section(
            name="applications",
            title=gettext_lazy("Your applications and answers"),
            gather=applications_section,
            order=20,
        )
        # Retention: an emptied case's uploads and answers go last (nothing points at them),
        # and the accounts of people left with nothing are closed before their records are
        # emptied (an account stays while it has applications for someone else).
        personal_data.register_case_eraser("applications", services.applications_erase, order=90)
        personal_data.register_person_eraser(
            "accounts", services.accounts_close_for_people, order=10
        )
