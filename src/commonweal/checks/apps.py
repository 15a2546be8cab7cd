from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "commonweal.checks"
    label = "checks"
    verbose_name = "Automated checks"

    def ready(self):
        from commonweal.cases.events import CaseOpened
        from commonweal.cases.registry import CHECK_READS
        from commonweal.catalogue.registry import DEFINITION_NAMES
        from commonweal.core import events, personal_data

        # The built-in checks and the due-diligence adapters (each `@register_check`).
        from . import builtin, due_diligence, listeners, registry, selectors, services  # noqa: F401

        # What cases read of a case's checks (the queue's red flag, the case page, decisions).
        CHECK_READS.register("red-check-exists", selectors.red_check_exists)
        CHECK_READS.register("has-red-check", selectors.has_red_check)
        CHECK_READS.register("current-results", selectors.current_results)

        # A new case's checks are queued with it.
        events.subscribe(CaseOpened, listeners.checks_on_case_opened)
        # A service definition may list only the checks installed.
        DEFINITION_NAMES.register("checks", registry.check_names)

        # Retention empties a closed case: its results, and its identifiers' digests.
        personal_data.register_case_eraser("check_results", services.check_results_erase, order=30)
        personal_data.register_case_eraser("match_keys_deleted", services.match_keys_erase)
