from django.apps import AppConfig


def access_log_section(person, language):
    """The person's download: who has seen their data."""
    from . import selectors

    return selectors.accesses_for_export(person_id=person.pk, language=language)


class PrivacyConfig(AppConfig):
    name = "commonweal.privacy"
    label = "privacy"
    verbose_name = "Access log, holds and who has seen a person's data"

    def ready(self) -> None:
        import datetime

        from django.utils.translation import gettext_lazy

        from commonweal.core import personal_data, worker_jobs
        from commonweal.core.admin_site import ADMIN_SOURCES

        from . import services

        # Every read of a person's data in the staff admin is recorded.
        ADMIN_SOURCES.register("admin-read-record", services.admin_read_record)

        # The person's download includes who has seen their data. The log itself is kept
        # when retention removes a closed case's contents: it is the audit trail, holds no
        # answers, and its hash chain must stay whole.
        personal_data.register_data_section(
            name="access_log",
            title=gettext_lazy("Who has seen your data"),
            gather=access_log_section,
            order=70,
        )
        # The access log is sealed (chained by hash) in batches every few seconds, with a
        # short wait for writers so message dispatch is not held up; and at the end of
        # `commonweal worker --batch`.
        worker_jobs.periodic_add(
            "access_log_seal",
            lambda: services.access_log_seal(wait_seconds=0.5),
            every=datetime.timedelta(seconds=10),
            at_batch_end=services.access_log_seal,
        )
