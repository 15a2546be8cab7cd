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

        from commonweal.core import personal_data, worker_jobs
        from commonweal.core.files import FILE_RELEASE

        from . import scanning, services

        # A file in quarantine (waiting for the virus scanner, or infected) is not served.
        FILE_RELEASE.register("quarantine", scanning.file_released)
        # Files waiting for the virus scanner: handed to tasks every second.
        worker_jobs.dispatcher_add("file_scans", services.files_scan_dispatch, in_batch=True)
        worker_jobs.housekeeping_add("file_scans_requeued", services.files_scan_sweep)
        worker_jobs.housekeeping_add("drafts_expired", services.drafts_expire_due)
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
