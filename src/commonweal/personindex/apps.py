from django.apps import AppConfig


class PersonindexConfig(AppConfig):
    name = "commonweal.personindex"
    label = "personindex"
    verbose_name = "Person index: one record per person across systems"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from commonweal.checks import services as checks_services

        from . import checks

        # The person-match check, for services that list it under `checks:`.
        checks_services.register_check(
            "person-match",
            label=gettext_lazy("Matches in the person index"),
            run=checks.person_match_check,
        )
