from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "commonweal.checks"
    label = "checks"
    verbose_name = "Automated checks"

    def ready(self):
        from commonweal.cases.events import CaseOpened
        from commonweal.catalogue.registry import DEFINITION_NAMES
        from commonweal.core import events, personal_data

        # The built-in checks and the due-diligence adapters (each `@register_check`).
        from . import builtin, due_diligence, listeners, registry, services  # noqa: F401

        # A new case's checks are queued with it.
        events.subscribe(CaseOpened, listeners.checks_on_case_opened)
        # A service definition may list only the checks installed.
        DEFINITION_NAMES.register("checks", registry.check_names)

        # Retention empties a closed case: its results, and its identifiers' digests.
        personal_data.register_case_eraser("check_results", services.check_results_erase, order=30)
        personal_data.register_case_eraser("match_keys_deleted", services.match_keys_erase)
