"""The difference between two versions' definitions, in plain words, grouped by part of the
service (its pages, questions, eligibility, rules, stages, time limits, reasons, templates,
automation): what was added, removed or changed, with the old and new values. Public
through `selectors.versions_compare`."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Each part of a definition and the top-level fields it holds, in the order shown. Pages
# and questions are both read from `pages`; a field not named here is under "Other".
PARTS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    (
        "service",
        gettext_lazy("About the service"),
        (
            "slug",
            "reference_prefix",
            "title",
            "name",
            "summary",
            "description",
            "before_you_start",
            "other_ways_to_apply",
            "declaration",
            "what_happens_next",
            "identity_level",
            "independent_review",
        ),
    ),
    ("pages", gettext_lazy("Pages"), ()),
    ("questions", gettext_lazy("Questions"), ()),
    ("eligibility", gettext_lazy("Eligibility"), ("eligibility",)),
    (
        "rules",
        gettext_lazy("Rules"),
        (
            "rules",
            "constants",
            "decision_tables",
            "entitlement",
            "decision_amount",
            "checks",
            "check_settings",
            "on_behalf_when",
        ),
    ),
    ("stages", gettext_lazy("Stages"), ("stages",)),
    (
        "time_limits",
        gettext_lazy("Time limits"),
        ("target_working_days", "reconsideration_days", "retention_days", "message_retention_days"),
    ),
    ("reasons", gettext_lazy("Decision reasons"), ("decision_reasons",)),
    ("templates", gettext_lazy("Templates"), ("templates",)),
    ("automation", gettext_lazy("Automation"), ("automation", "offer")),
)
_NAMED = {name for _key, _title, names in PARTS for name in names} | {"pages"}
_LANGUAGES = {"en": gettext_lazy("English"), "cy": gettext_lazy("Welsh")}


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    where: str
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True)
class PartChanges:
    key: str
    title: Any  # lazily translated
    changes: list[Change] = field(default_factory=list)


def shown(value: Any) -> str:
    """A value as a person reads it: words as they are, yes/no, numbers, and anything
    bigger as indented YAML."""
    if value is None:
        return _("(none)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str | int | float):
        return str(value)
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).strip()


def _step(key: str) -> str:
    return str(_LANGUAGES.get(key, key.replace("_", " ")))


def _join(where: str, step: str) -> str:
    return f"{where} › {step}" if where else step


def _by_id(items: list[Any]) -> dict[str, Any] | None:
    if items and all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in items):
        keyed = {item["id"]: item for item in items}
        return keyed if len(keyed) == len(items) else None
    return None


def _diff(old: Any, new: Any, where: str) -> list[Change]:
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in [*old, *(key for key in new if key not in old)]:
            place = _join(where, _step(key))
            if key not in new:
                changes.append(Change("removed", place, old=shown(old[key])))
            elif key not in old:
                changes.append(Change("added", place, new=shown(new[key])))
            else:
                changes.extend(_diff(old[key], new[key], place))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        old_ids, new_ids = _by_id(old), _by_id(new)
        if old_ids is not None and new_ids is not None:
            return _diff_items(old_ids, new_ids, where)
    return [Change("changed", where or "value", old=shown(old), new=shown(new))]


def _diff_items(
    old: dict[str, Any], new: dict[str, Any], where: str, noun: str = ""
) -> list[Change]:
    """Items matched by id: removed, added, then changed, each named by its id."""
    changes: list[Change] = []
    for item_id, item in old.items():
        if item_id not in new:
            changes.append(Change("removed", _join(where, f"{noun}‘{item_id}’"), old=shown(item)))
    for item_id, item in new.items():
        if item_id not in old:
            changes.append(Change("added", _join(where, f"{noun}‘{item_id}’"), new=shown(item)))
    for item_id, item in old.items():
        if item_id in new:
            changes.extend(_diff(item, new[item_id], _join(where, f"{noun}‘{item_id}’")))
    return changes


def _pages(data: dict[str, Any]) -> dict[str, Any]:
    return {
        page["id"]: {key: value for key, value in page.items() if key != "questions"}
        for page in data.get("pages") or []
        if isinstance(page, dict) and "id" in page
    }


def _questions(data: dict[str, Any]) -> dict[str, Any]:
    return {
        question["id"]: {**question, "page": page["id"]}
        for page in data.get("pages") or []
        if isinstance(page, dict) and "id" in page
        for question in page.get("questions") or []
        if isinstance(question, dict) and "id" in question
    }


def definitions_compare(old: dict[str, Any], new: dict[str, Any]) -> list[PartChanges]:
    """Every part of the definition with what changed in it from `old` to `new` (parts with
    no change have an empty list)."""
    parts: list[PartChanges] = []
    for key, title, names in PARTS:
        if key == "pages":
            changes = _diff_items(_pages(old), _pages(new), "", _("page") + " ")
        elif key == "questions":
            changes = _diff_items(_questions(old), _questions(new), "", _("question") + " ")
        else:
            changes = _diff(
                {name: old[name] for name in names if name in old},
                {name: new[name] for name in names if name in new},
                "",
            )
        parts.append(PartChanges(key, title, changes))
    others = sorted((set(old) | set(new)) - _NAMED)
    parts.append(
        PartChanges(
            "other",
            gettext_lazy("Other settings"),
            _diff(
                {name: old[name] for name in others if name in old},
                {name: new[name] for name in others if name in new},
                "",
            ),
        )
    )
    return parts


def yaml_unified_diff(old_yaml: str, new_yaml: str, old_name: str, new_name: str) -> str:
    """The two definitions' YAML as a unified diff, for those who read one."""
    return "".join(
        difflib.unified_diff(
            old_yaml.splitlines(keepends=True),
            new_yaml.splitlines(keepends=True),
            fromfile=old_name,
            tofile=new_name,
        )
    )
