"""What a service definition may name that other apps provide: the `definition-names`
registry. An app whose plugins a definition lists by name (the checks under `checks:`)
registers, from its `AppConfig.ready()`, a function giving the names installed now, so an
import can refuse a name nothing provides without the catalogue importing that app:

    from commonweal.catalogue.registry import DEFINITION_NAMES
    DEFINITION_NAMES.register("checks", check_names)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from commonweal.core.registry import Registry

DEFINITION_NAMES: Registry[Callable[[], Iterable[str]]] = Registry(
    "definition-names",
    "What a service definition may name, by kind, from the apps that provide them",
)


def installed_names(kind: str) -> set[str] | None:
    """The names of `kind` installed now, or None when no app provides that kind (then a
    definition's names of it are not checked)."""
    names = DEFINITION_NAMES.find(kind)
    return None if names is None else set(names())
