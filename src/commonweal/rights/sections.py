"""The sections of a person's data download: a small registry, so any app that holds data
about people adds its own section without touching this one.

    from commonweal.rights import selectors as rights
    rights.register_data_section(
        name="access_log", title=gettext_lazy("Who looked at your data"),
        gather=lambda person, language: [...], order=70,
    )

`gather(person, language)` returns plain JSON data (dicts, lists, strings, numbers, None)
about that person only, read with a fixed number of queries however much there is: the
download must take seconds for someone with hundreds of cases. Register from the app's
`AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DataSection:
    name: str
    title: object  # a lazy translated string
    gather: Callable
    order: int = 100


_SECTIONS: dict[str, DataSection] = {}


def register_data_section(*, name: str, title, gather: Callable, order: int = 100) -> None:
    """Add (or replace, by name) a section of the download."""
    _SECTIONS[name] = DataSection(name=name, title=title, gather=gather, order=order)


def data_sections() -> list[DataSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))


# The sections the platform's own apps hold. Each reads through its app's selectors.


def _person(person, language):
    from commonweal.people import selectors as people

    return people.person_for_export(person=person)


def _applications(person, language):
    from commonweal.intake import selectors as intake

    return intake.applications_for_export(person=person, language=language)


def _cases(person, language):
    from commonweal.cases import selectors as cases

    return cases.cases_for_export(person=person, language=language)


def _messages(person, language):
    from commonweal.messaging import selectors as messaging

    return messaging.messages_for_export(person=person)


def _consents(person, language):
    from . import selectors

    return selectors.consents_for_export(person=person)


def _corrections(person, language):
    from . import selectors

    return selectors.data_requests_for_export(person=person)


register_data_section(name="person", title=_("Your details"), gather=_person, order=10)
register_data_section(
    name="applications", title=_("Your applications and answers"), gather=_applications, order=20
)
register_data_section(
    name="cases", title=_("Your cases: progress, decisions and messages"), gather=_cases, order=30
)
register_data_section(name="messages", title=_("Messages we sent you"), gather=_messages, order=40)
register_data_section(name="consents", title=_("Your consents"), gather=_consents, order=50)
register_data_section(
    name="correction_requests",
    title=_("Your requests to correct your data"),
    gather=_corrections,
    order=60,
)
