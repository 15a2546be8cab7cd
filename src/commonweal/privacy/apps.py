from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "commonweal.privacy"
    label = "privacy"
    verbose_name = "Access log, holds and who has seen a person's data"
