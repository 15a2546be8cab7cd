from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Every page a citizen sees: finding a service, applying, their applications, their
    data, signing in, and the pages every visitor can reach (help pages, errors)."""

    name = "commonweal.portal"
    label = "portal"
    verbose_name = "Citizen pages"
