from django.apps import AppConfig


def consents_section(person, language):
    """The person's download: their consents, with the words each was given to."""
    from . import selectors

    return selectors.consents_for_export(person=person)


def correction_requests_section(person, language):
    """The person's download: their requests to correct their data."""
    from . import selectors

    return selectors.data_requests_for_export(person=person)


def provider_sharing_consent(person_id: int) -> bool:
    """For cases' `sharing-consent` registry: may this person's details go to a provider?"""
    from . import selectors

    return selectors.provider_sharing_allowed(person_id=person_id)


def answer_reuse_consent(person_id: int) -> str:
    """For intake's `reuse-consent` registry: given, refused or not asked."""
    from . import selectors

    return selectors.answer_reuse_state(person_id=person_id)


class RightsConfig(AppConfig):
    name = "commonweal.rights"
    label = "rights"
    verbose_name = "Data rights: download, corrections, consent and retention"

    def ready(self) -> None:
        from commonweal.cases.registry import SHARING_CONSENT
        from commonweal.intake.registry import REUSE_CONSENT

        # Referrals to a provider share only what the person agreed to.
        SHARING_CONSENT.register("provider", provider_sharing_consent)
        # The journey offers the details we hold only when the person agreed.
        REUSE_CONSENT.register("answers", answer_reuse_consent)
        from django.utils.translation import gettext_lazy

        from commonweal.core import personal_data, worker_jobs

        from . import services

        personal_data.register_data_section(
            name="consents",
            title=gettext_lazy("Your consents"),
            gather=consents_section,
            order=50,
        )
        personal_data.register_data_section(
            name="correction_requests",
            title=gettext_lazy("Your requests to correct your data"),
            gather=correction_requests_section,
            order=60,
        )
        # Once a night the first worker to claim the day queues the retention run as a task
        # (the run's id; None on every other pass).
        worker_jobs.housekeeping_add("retention_run_queued", services.retention_run_nightly)
        # Data downloads past their time: the files deleted.
        worker_jobs.housekeeping_add("data_downloads_expired", services.data_downloads_expire)
        from . import downloads

        personal_data.register_person_eraser(
            "person_data_downloads", downloads.person_downloads_erase, order=20
        )
