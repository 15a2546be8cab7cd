from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "commonweal.intake"
    label = "intake"
    verbose_name = "Applications"
