from django.apps import AppConfig


def person_section(person, language):
    """The person's download: their record, contact points and its history."""
    from . import selectors

    return selectors.person_for_export(person=person)


class PeopleConfig(AppConfig):
    name = "commonweal.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from commonweal.core import personal_data

        from . import services

        personal_data.register_data_section(
            name="person", title=gettext_lazy("Your details"), gather=person_section, order=10
        )
        # Retention: a person left with nothing is emptied last (after their account).
        personal_data.register_person_eraser("people", services.people_erase, order=90)
