from django.apps import AppConfig


def cases_section(person, language):
    """The person's download: their cases, with progress, decisions and messages."""
    from . import selectors

    return selectors.cases_for_export(person=person, language=language)


class CasesConfig(AppConfig):
    name = "commonweal.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        import datetime

        from django.utils.translation import gettext_lazy

        from commonweal.core import personal_data, worker_jobs
        from commonweal.core.admin_site import ADMIN_SOURCES

        from . import selectors, services

        # The staff admin shows an administrator the cases the workspace would.
        ADMIN_SOURCES.register("administered-cases", selectors.administered_cases)

        # Offers not answered by their last day end, and their payments are cancelled.
        worker_jobs.housekeeping_add("offers_expired", services.offers_expire)
        # Open cases past the date the person was given: a new date, and they are told
        # (at most once a week a case).
        worker_jobs.periodic_add(
            "delays_told", services.delays_tell, every=datetime.timedelta(hours=1)
        )
        personal_data.register_data_section(
            name="cases",
            title=gettext_lazy("Your cases: progress, decisions and messages"),
            gather=cases_section,
            order=30,
        )
        # Retention empties a closed case: its tasks, flags and referrals; its offers
        # (amounts, the person's words) before the decisions they belong to; then its
        # decisions and history, once the offers and payments that name them are done.
        personal_data.register_case_eraser("case_work", services.case_work_erase, order=20)
        personal_data.register_case_eraser("offers_deleted", services.offers_erase)
        personal_data.register_case_eraser("case_history", services.case_history_erase, order=80)
