from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "commonweal.people"
    label = "people"
    verbose_name = "People"
