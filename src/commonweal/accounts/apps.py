from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "commonweal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from commonweal.core import worker_jobs

        from . import checks, services  # noqa: F401 (checks: the configuration checks)

        worker_jobs.housekeeping_add("sign_in_codes_pruned", services.sign_in_codes_prune)
