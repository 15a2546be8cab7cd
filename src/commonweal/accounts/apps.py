import contextlib

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed


def _oidc_setting_changed(*, setting, **kwargs):
    """A changed COMMONWEAL_OIDC_PROVIDERS (in tests) is registered at once."""
    if setting == "COMMONWEAL_OIDC_PROVIDERS":
        from . import oidc

        with contextlib.suppress(ImproperlyConfigured):
            oidc.providers_load()


class AccountsConfig(AppConfig):
    name = "commonweal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from commonweal.core import worker_jobs

        from . import (
            checks,  # noqa: F401 (registers the configuration checks)
            oidc,
            services,
        )

        # The sign-in providers in COMMONWEAL_OIDC_PROVIDERS. A setting that is not valid
        # does not stop the start here: the configuration check reports it (accounts.E001).
        with contextlib.suppress(ImproperlyConfigured):
            oidc.providers_load()
        setting_changed.connect(_oidc_setting_changed, dispatch_uid="accounts-oidc-providers")
        worker_jobs.housekeeping_add("sign_in_codes_pruned", services.sign_in_codes_prune)
