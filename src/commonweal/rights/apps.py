from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "commonweal.rights"
    label = "rights"
    verbose_name = "Data rights: download, corrections, consent and retention"
