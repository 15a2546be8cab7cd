from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "commonweal.checks"
    label = "checks"
    verbose_name = "Automated checks"
