from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "commonweal.checks"
    label = "checks"
    verbose_name = "Automated checks"

    def ready(self):
        from . import registry

        # The built-in checks and the due-diligence adapters register themselves.
        registry.check_names()
