from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "commonweal.catalogue"
    label = "catalogue"
    verbose_name = "Service catalogue"
