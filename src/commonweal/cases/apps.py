from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "commonweal.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from commonweal.core import worker_jobs
        from commonweal.rights import services as rights_services

        from . import services

        # Retention empties a closed case: its offers (amounts, the person's words) go too,
        # before the decisions they belong to.
        rights_services.register_case_eraser("offers_deleted", services.offers_erase)
        # Offers not answered by their last day end, and their payments are cancelled.
        worker_jobs.housekeeping_add("offers_expired", services.offers_expire)
