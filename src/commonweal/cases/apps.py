from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "commonweal.cases"
    label = "cases"
    verbose_name = "Cases"
