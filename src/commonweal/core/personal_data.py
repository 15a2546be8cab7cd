"""The plugin points for a person's data: what each app holds about people, for their
download (`data-sections`), and how each app empties it when retention ends
(`case-erasers`, `person-erasers`).

They live on the ground floor because every domain that holds personal data fills them,
from its own `AppConfig.ready()`, and the `rights` app, which runs the download and the
retention job, sits above most of them:

    from commonweal.core import personal_data
    personal_data.register_data_section(
        name="access_log", title=gettext_lazy("Who has seen your data"),
        gather=access_log_section, order=70,
    )
    personal_data.register_case_eraser("case_work", services.case_work_erase, order=20)

`gather(person, language)` returns plain JSON data about that person only, read with a
fixed number of queries however much there is. `erase(ids)` deletes (in bulk) what the app
holds about these cases (or people) inside the retention batch's transaction and returns a
count, or a dict of counts, reported under the eraser's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .registry import Registry


@dataclass(frozen=True)
class DataSection:
    name: str
    title: object  # a lazy translated string
    gather: Callable[..., Any]
    order: int = 100

    @property
    def implementation(self) -> Callable[..., Any]:
        return self.gather


@dataclass(frozen=True)
class Eraser:
    """One app's step of the retention job."""

    erase: Callable[[list[int]], int | dict[str, int]]
    # Lower first: the steps whose rows others point at come later (decisions after the
    # offers and payments that name them; the person's record after their account).
    order: int = 50

    @property
    def implementation(self) -> Callable[..., Any]:
        return self.erase


DATA_SECTIONS: Registry[DataSection] = Registry(
    "data-sections", "The sections of a person's data download, each from the app that holds it"
)
CASE_ERASERS: Registry[Eraser] = Registry(
    "case-erasers", "Retention: each app's step that empties a batch of closed cases"
)
PERSON_ERASERS: Registry[Eraser] = Registry(
    "person-erasers", "Retention: each app's step that empties people left with nothing"
)


def register_data_section(
    *,
    name: str,
    title: object,
    gather: Callable[..., Any],
    order: int = 100,
    replace: bool = False,
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


def register_case_eraser(
    name: str, erase: Callable[[list[int]], int | dict[str, int]], *, order: int = 50
) -> None:
    """Add a step to the retention job for a batch of closed cases: `erase(case_ids)`."""
    CASE_ERASERS.register(name, Eraser(erase=erase, order=order))


def register_person_eraser(
    name: str, erase: Callable[[list[int]], int | dict[str, int]], *, order: int = 50
) -> None:
    """Add a step for people whose every case is anonymised and who are not on hold:
    `erase(person_ids)`."""
    PERSON_ERASERS.register(name, Eraser(erase=erase, order=order))
