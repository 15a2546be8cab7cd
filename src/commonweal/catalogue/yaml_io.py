"""Service definitions to and from YAML, with errors that name the line and the reason."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from .definition import ServiceDefinition
from .registry import installed_names


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true and false. In YAML 1.1, an option called `no` or `yes`
    would silently become a boolean."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1-based, as an editor shows it
    where: str
    message: str

    def __str__(self) -> str:
        place = f"line {self.line}" if self.line else "definition"
        return f"{place}: {self.message}" + (f" (at {self.where})" if self.where else "")


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def _node_at(root: yaml.Node, path: tuple) -> tuple[yaml.Node, yaml.Node | None]:
    """The deepest YAML node that `path` (a pydantic error location) reaches, and the key
    node that names it (None for list items and the root)."""
    node, key_node = root, None
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            key = "not" if step == "not_" else step
            match = next(((k, value) for k, value in node.value if k.value == key), None)
            if match is None:
                break
            key_node, node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node, key_node = node.value[step], None
        else:
            break
    return node, key_node


def _message(error: dict) -> str:
    kind = error["type"]
    location = error["loc"]
    field = next((step for step in reversed(location) if isinstance(step, str)), "")
    if kind == "missing":
        return f"'{field}' is required here"
    if kind == "extra_forbidden":
        return f"'{field}' is not a field this definition knows"
    if kind == "string_pattern_mismatch":
        if field == "reference_prefix":
            return "reference_prefix must be 2 or 3 capital letters, like BL"
        if field == "url":
            return "a link must start with https://, http://, /, tel: or mailto:"
        return (
            f"'{error.get('input')}' is not a valid {field or 'identifier'}: use lower-case "
            "letters, digits and single hyphens, like date-of-birth"
        )
    if kind == "string_too_short":
        return f"'{field}' must not be empty"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _path_text(location: tuple) -> str:
    text = ""
    for step in location:
        if isinstance(step, int):
            text += f"[{step}]"
        elif step in ("str", "bool", "int", "decimal", "function-after[one_kind(), Condition]"):
            continue
        else:
            text += ("." if text else "") + ("not" if step == "not_" else str(step))
    return text


def parse_definition(text: str) -> tuple[ServiceDefinition, dict]:
    """Validate YAML text as a service definition; raise DefinitionError naming each line."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise DefinitionError([Problem(mark.line + 1 if mark else None, "", reason)]) from error
    if not isinstance(data, dict) or root is None:
        raise DefinitionError([Problem(1, "", "a service definition must be a mapping of fields")])
    try:
        definition = ServiceDefinition.model_validate(
            data, context={"known_checks": installed_names("checks")}
        )
    except ValidationError as error:
        problems = []
        for item in error.errors():
            # A check of the whole definition says which part it is about.
            located = (item.get("ctx") or {}).get("error")
            location = tuple(item["loc"]) + tuple(getattr(located, "location", ()))
            if item["type"] == "missing":
                # A missing field is reported where its parent is named ("title:").
                node, key_node = _node_at(root, location[:-1])
                mark = (key_node or node).start_mark
            else:
                node, _key = _node_at(root, location)
                mark = node.start_mark
            problems.append(Problem(mark.line + 1, _path_text(location), _message(item)))
        raise DefinitionError(problems) from error
    return definition, definition_to_data(definition)


def definition_to_data(definition: ServiceDefinition) -> dict:
    """Plain JSON data, as stored in the database."""
    return json.loads(
        definition.model_dump_json(by_alias=True, exclude_none=True, exclude_defaults=True)
    )


def data_to_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def load_fragment(text: str) -> object:
    """A part of a definition written as YAML (a page's condition, say), read the way the
    import reads it; raise DefinitionError naming the line."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)  # nosec B506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise DefinitionError([Problem(mark.line + 1 if mark else None, "", reason)]) from error
