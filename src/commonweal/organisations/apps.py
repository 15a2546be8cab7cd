from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "commonweal.organisations"
    label = "organisations"
    verbose_name = "Organisations and teams"
