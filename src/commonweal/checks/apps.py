from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "commonweal.checks"
    label = "checks"
    verbose_name = "Automated checks"

    def ready(self):
        # The built-in checks and the due-diligence adapters (each `@register_check`).
        from commonweal.rights import services as rights_services

        from . import builtin, due_diligence, services  # noqa: F401

        # Retention empties a closed case: its results, and its identifiers' digests.
        rights_services.register_case_eraser(
            "check_results", services.check_results_erase, order=30
        )
        rights_services.register_case_eraser("match_keys_deleted", services.match_keys_erase)
