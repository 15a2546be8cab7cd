from django.apps import AppConfig


class PersonindexConfig(AppConfig):
    name = "commonweal.personindex"
    label = "personindex"
    verbose_name = "Person index: one record per person across systems"
