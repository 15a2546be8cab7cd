from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "commonweal.core"
    label = "core"
    verbose_name = "Core"
    default = True

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site: administrators only, each seeing their own
    organisations' rows (core/admin_site.py)."""

    default = False
    default_site = "commonweal.core.admin_site.CommonwealAdminSite"
