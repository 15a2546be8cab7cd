from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "commonweal.checks"
    label = "checks"
    verbose_name = "Automated checks"

    def ready(self):
        from . import registry

        # The built-in checks and the due-diligence adapters register themselves.
        registry.check_names()

        from commonweal.rights import services as rights_services

        from . import services

        # Retention empties a closed case: its identifiers' digests go with it.
        rights_services.register_case_eraser("match_keys_deleted", services.match_keys_erase)
