from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "commonweal.organisations"
    label = "organisations"
    verbose_name = "Organisations and teams"

    def ready(self) -> None:
        from commonweal.core.admin_site import ADMIN_SOURCES

        from . import selectors

        # The staff admin scopes each administrator by their organisations.
        ADMIN_SOURCES.register("staff-context", selectors.staff_context)
        ADMIN_SOURCES.register("staff-of-organisations", selectors.staff_of_organisations)
