"""The sections of a person's data download: the `data-sections` registry, so each app that
holds data about people adds its own section, from its `AppConfig.ready()`, without
touching this one (rights imports none of them):

    from commonweal.rights import selectors as rights
    rights.register_data_section(
        name="access_log", title=gettext_lazy("Who looked at your data"),
        gather=selectors.access_log_section, order=70,
    )

`gather(person, language)` returns plain JSON data (dicts, lists, strings, numbers, None)
about that person only, read with a fixed number of queries however much there is: the
download must take seconds for someone with hundreds of cases. Register from the app's
`AppConfig.ready()`. Today: people (10, the record), intake (20, applications), cases (30),
messaging (40), rights (50 consents, 60 correction requests), privacy (70, who has seen it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from commonweal.core.registry import Registry


@dataclass(frozen=True)
class DataSection:
    name: str
    title: object  # a lazy translated string
    gather: Callable
    order: int = 100

    @property
    def implementation(self) -> Callable:
        return self.gather


DATA_SECTIONS: Registry[DataSection] = Registry(
    "data-sections", "The sections of a person's data download, each from the app that holds it"
)


def register_data_section(
    *, name: str, title, gather: Callable, order: int = 100, replace: bool = False
) -> None:
    """Add a section of the download (`replace=True` to replace one by name)."""
    DATA_SECTIONS.register(
        name, DataSection(name=name, title=title, gather=gather, order=order), replace=replace
    )


def data_sections() -> list[DataSection]:
    return sorted(
        (section for _name, section in DATA_SECTIONS.items()),
        key=lambda section: (section.order, section.name),
    )
