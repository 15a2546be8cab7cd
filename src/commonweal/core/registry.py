"""One shape for every plugin registry: a typed map of name to implementation.

The app that owns a kind of plugin creates its registry once, in a module other apps may
import (its `registry.py` or `services.py`):

    CHANNELS: Registry[Channel] = Registry("channels", "How messages leave: email, SMS, ...")

and every app that provides one registers it from its `AppConfig.ready()`:

    CHANNELS.register("notify-sms", NotifySms)

An unknown name or a second registration under a taken name is a clear error, raised where
it happens, never a silent fallback. `commonweal plugins` lists every registry and what is
registered in it (see `registries()`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

_REGISTRIES: dict[str, Registry[Any]] = {}


class UnknownName(LookupError):
    """Asked for a name nothing was registered under."""


class DuplicateName(ValueError):
    """Registered a second implementation under a name already taken."""


class Registry(Generic[T]):
    def __init__(self, name: str, description: str) -> None:
        if name in _REGISTRIES:
            raise DuplicateName(f"there is already a registry called {name!r}")
        self.name = name
        self.description = description
        self._items: dict[str, T] = {}
        _REGISTRIES[name] = self

    @overload
    def register(self, name: str) -> Callable[[T], T]: ...

    @overload
    def register(self, name: str, item: T, *, replace: bool = False) -> T: ...

    def register(
        self, name: str, item: T | None = None, *, replace: bool = False
    ) -> T | Callable[[T], T]:
        """Register `item` under `name`; used bare as a decorator when `item` is omitted.
        Registering the same object again is harmless (`ready()` may run twice in tests);
        a different one under a taken name needs `replace=True` (a deployment replacing a
        built-in says so)."""
        if item is None:

            def decorator(decorated: T) -> T:
                self.register(name, decorated, replace=replace)
                return decorated

            return decorator
        existing = self._items.get(name)
        if existing is not None and existing is not item and existing != item and not replace:
            raise DuplicateName(
                f"{self.name}: {name!r} is already registered ({_describe(existing)}); "
                "pass replace=True to replace it"
            )
        self._items[name] = item
        return item

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "nothing"
            raise UnknownName(
                f"{self.name}: nothing is registered as {name!r} (registered: {known})"
            ) from None

    def find(self, name: str) -> T | None:
        """The item, or None: for callers where an unknown name is an expected answer."""
        return self._items.get(name)

    def names(self) -> list[str]:
        return sorted(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    @contextmanager
    def overridden(self, name: str, item: T) -> Iterator[T]:
        """For tests: `item` stands in under `name` until the block ends."""
        missing = object()
        before = self._items.get(name, missing)
        self._items[name] = item
        try:
            yield item
        finally:
            if before is missing:
                self._items.pop(name, None)
            else:
                self._items[name] = before  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self)} registered>"


def registries() -> list[Registry[Any]]:
    """Every registry, by name (for `commonweal plugins`)."""
    return [_REGISTRIES[name] for name in sorted(_REGISTRIES)]


def _describe(item: object) -> str:
    # A plugin kept with its settings (a check with its label, a data section with its
    # title) names the function that does the work as `implementation`.
    implementation = getattr(item, "implementation", None)
    if implementation is not None and implementation is not item:
        return _describe(implementation)
    module = getattr(item, "__module__", None) or type(item).__module__
    qualname = getattr(item, "__qualname__", None) or type(item).__qualname__
    return f"{module}.{qualname}"


def describe(item: object) -> str:
    """Where an implementation lives, for listings."""
    return _describe(item)
