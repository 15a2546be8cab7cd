"""Editing a draft version part by part, as the workspace's service designer does.

Every edit loads the draft's definition, changes one part of it, checks the whole of it with
the same code the YAML import uses (`parse_definition`), writes the definition and its YAML
(regenerated from the definition, so an export is still the exchange format) and records
who changed what (`ServiceVersionChange`). Only drafts change. Removing or renaming a part
that other parts use (a question a rule reads, a reason a rule gives) is refused with the
list of what uses it. Re-exported by `services`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.db import transaction

from commonweal.accounts.selectors import User

from . import rule_language, selectors
from .definition import PLACEHOLDER, Condition, ServiceDefinition
from .models import ServiceVersion, ServiceVersionChange
from .yaml_io import DefinitionError, Problem, data_to_yaml, load_fragment, parse_definition

# The service's own words ("templates" in the designer): the texts a person reads that are
# not part of a page, a stage, a reason or a rule.
SERVICE_TEXTS = (
    "title",
    "name",
    "summary",
    "description",
    "before_you_start",
    "declaration",
    "what_happens_next",
)
OPTIONAL_SERVICE_TEXTS = {"before_you_start"}

# Parts edited as YAML text (top-level fields of the definition), in the rule language
# where they hold expressions.
SECTIONS: dict[str, tuple[str, ...]] = {
    "rules": ("constants", "decision_tables", "entitlement", "rules"),
    "eligibility": ("eligibility",),
}

Data = dict[str, Any]


class DependedOn(DefinitionError):
    """A part cannot be removed or renamed because other parts use it."""

    def __init__(self, what: str, dependents: list[str]):
        self.dependents = dependents
        super().__init__([Problem(None, "", f"{what} is used by: " + "; ".join(dependents))])


def _only_drafts(version: ServiceVersion) -> None:
    if version.status != ServiceVersion.Status.DRAFT:
        raise DefinitionError(
            [Problem(None, "", "only a draft can be edited: make a new draft from this version")]
        )


def draft_edit(
    *, version: ServiceVersion, by: User | None, summary: str, change: Callable[[Data], None]
) -> ServiceVersion:
    """Apply `change` to a copy of the draft's definition data, check the result as an
    import would, and save it with its regenerated YAML and a record of the change."""
    with transaction.atomic():
        locked = (
            ServiceVersion.objects.select_for_update().select_related("service").get(pk=version.pk)
        )
        _only_drafts(locked)
        data = copy.deepcopy(locked.definition)
        change(data)
        definition, clean = parse_definition(data_to_yaml(data))
        if definition.slug != locked.service.slug:
            raise DefinitionError(
                [Problem(None, "slug", "the slug cannot change within a service")]
            )
        if definition.reference_prefix != locked.service.reference_prefix:
            raise DefinitionError(
                [Problem(None, "reference_prefix", "reference_prefix cannot change")]
            )
        locked.definition = clean
        locked.source_yaml = data_to_yaml(clean)
        locked.save(update_fields=["definition", "source_yaml", "updated_at"])
        ServiceVersionChange.objects.create(version=locked, by=by, summary=summary[:300])
    return locked


# What depends on what.


def _expressions(definition: ServiceDefinition) -> list[tuple[str, str]]:
    """(where, source) of every expression in the rules."""
    found = []
    for table in definition.decision_tables:
        for name, source in table.inputs.items():
            found.append((f"decision table '{table.id}' input '{name}'", source))
        for number, row in enumerate(table.rows, start=1):
            if row.when:
                found.append((f"decision table '{table.id}' row {number}", row.when))
    if definition.entitlement is not None:
        found.append(("the entitlement amount", definition.entitlement.amount))
        if definition.entitlement.cap:
            found.append(("the entitlement cap", definition.entitlement.cap))
    for rule in definition.rules:
        found.append((f"rule '{rule.id}'", rule.when))
    return found


def _placeholder_texts(definition: ServiceDefinition) -> list[tuple[str, str]]:
    texts = []
    for rule in definition.rules:
        for text in (rule.text, rule.text_otherwise):
            if text is not None:
                texts += [(f"rule '{rule.id}'", text.en), (f"rule '{rule.id}'", text.cy)]
    for table in definition.decision_tables:
        for number, row in enumerate(table.rows, start=1):
            if row.text is not None:
                where = f"decision table '{table.id}' row {number}"
                texts += [(where, row.text.en), (where, row.text.cy)]
    if definition.entitlement is not None:
        text = definition.entitlement.text
        texts += [("the entitlement", text.en), ("the entitlement", text.cy)]
    return texts


def _read_by_rules(definition: ServiceDefinition, namespace: str, ident: str) -> list[str]:
    name = rule_language.cel_name(ident)
    users: list[str] = []
    for where, source in _expressions(definition):
        if any(path[:2] == (namespace, name) for path in rule_language.references(source)):
            users.append(where)
    for where, text in _placeholder_texts(definition):
        for placeholder in PLACEHOLDER.findall(text):
            if rule_language.cel_name(placeholder) in (name, f"{namespace}.{name}"):
                users.append(where)
    return list(dict.fromkeys(users))


def question_dependents(definition: ServiceDefinition, question_id: str) -> list[str]:
    """Everything that reads this page question: conditions, rules, the amount asked for."""
    users = []
    for page in definition.pages:
        if page.show_if is not None and question_id in page.show_if.questions():
            users.append(f"the condition of page '{page.id}'")
    if definition.on_behalf_when is not None and question_id in (
        definition.on_behalf_when.questions()
    ):
        users.append("on_behalf_when (applying for someone else)")
    if definition.decision_amount is not None and definition.decision_amount.asked_for == (
        question_id
    ):
        users.append("decision_amount asked_for")
    return users + _read_by_rules(definition, "answers", question_id)


def eligibility_question_dependents(definition: ServiceDefinition, question_id: str) -> list[str]:
    return _read_by_rules(definition, "eligibility", question_id)


def reason_dependents(definition: ServiceDefinition, reason_id: str) -> list[str]:
    users = [f"rule '{rule.id}'" for rule in definition.rules if rule.reason == reason_id]
    if definition.automation is not None and definition.automation.approve_reason == reason_id:
        users.append("the automation policy's approve_reason")
    return users


def stage_dependents(definition: ServiceDefinition, stage_id: str) -> list[str]:
    return [
        f"stage '{stage.id}' (next)"
        for stage in definition.stages
        if stage.id != stage_id and stage_id in (stage.next or [])
    ]


def _refuse_if_used(
    version: ServiceVersion,
    what: str,
    find: Callable[[ServiceDefinition, str], list[str]],
    ident: str,
) -> None:
    definition = selectors.definition_for(version)
    users = find(definition, ident)
    if users:
        raise DependedOn(what, users)


# Lists of parts with ids.


def _index(items: list[Data], ident: str, what: str) -> int:
    for index, item in enumerate(items):
        if item.get("id") == ident:
            return index
    raise DefinitionError([Problem(None, "", f"there is no {what} '{ident}'")])


def _put(items: list[Data], old_id: str | None, item: Data, what: str) -> None:
    """Replace the item called `old_id`, or add `item` at the end when there is none."""
    if old_id is None:
        if any(existing.get("id") == item.get("id") for existing in items):
            raise DefinitionError(
                [Problem(None, "id", f"there is already a {what} '{item['id']}'")]
            )
        items.append(item)
    else:
        items[_index(items, old_id, what)] = item


def _move(items: list[Data], ident: str, step: int, what: str) -> None:
    index = _index(items, ident, what)
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]


# The service's texts ("templates") and time limits.


def draft_texts_save(
    *, version: ServiceVersion, by: User | None, texts: dict[str, Data | None]
) -> ServiceVersion:
    """Change the service's own words; an optional text given as None is taken out."""

    def change(data: Data) -> None:
        for name, text in texts.items():
            if name not in SERVICE_TEXTS:
                raise DefinitionError([Problem(None, name, f"'{name}' is not a service text")])
            if text is None and name in OPTIONAL_SERVICE_TEXTS:
                data.pop(name, None)
            else:
                data[name] = text

    return draft_edit(version=version, by=by, summary="Changed the service's texts", change=change)


def draft_time_limits_save(
    *,
    version: ServiceVersion,
    by: User | None,
    target_working_days: int,
    reconsideration_days: int,
) -> ServiceVersion:
    def change(data: Data) -> None:
        data["target_working_days"] = target_working_days
        data["reconsideration_days"] = reconsideration_days

    return draft_edit(version=version, by=by, summary="Changed the time limits", change=change)


# Pages and their questions.


def _page(data: Data, page_id: str) -> Data:
    page: Data = data["pages"][_index(data["pages"], page_id, "page")]
    return page


def draft_page_add(
    *, version: ServiceVersion, by: User | None, page: Data, after: str | None = None
) -> ServiceVersion:
    """Add a page (with its first question) at the end, or after the page `after`."""

    def change(data: Data) -> None:
        _put(data["pages"], None, page, "page")
        if after is not None:
            data["pages"].pop()
            data["pages"].insert(_index(data["pages"], after, "page") + 1, page)

    return draft_edit(
        version=version, by=by, summary=f"Added page '{page.get('id')}'", change=change
    )


def draft_page_save(
    *, version: ServiceVersion, by: User | None, page_id: str, new_id: str, title: Data | None
) -> ServiceVersion:
    """Change a page's id and title (its questions and condition stay)."""

    def change(data: Data) -> None:
        page = _page(data, page_id)
        page["id"] = new_id
        if title is None:
            page.pop("title", None)
        else:
            page["title"] = title

    return draft_edit(version=version, by=by, summary=f"Changed page '{new_id}'", change=change)


def draft_page_remove(*, version: ServiceVersion, by: User | None, page_id: str) -> ServiceVersion:
    data = version.definition
    page = next((p for p in data["pages"] if p["id"] == page_id), None)
    if page is not None:
        definition = selectors.definition_for(version)
        own = {q["id"] for q in page["questions"]}
        users = [
            user
            for question in page["questions"]
            for user in question_dependents(definition, question["id"])
            if user != f"the condition of page '{page_id}'"
        ]
        if users:
            raise DependedOn(f"page '{page_id}' (questions {', '.join(sorted(own))})", users)

    def change(data: Data) -> None:
        data["pages"].pop(_index(data["pages"], page_id, "page"))

    return draft_edit(version=version, by=by, summary=f"Removed page '{page_id}'", change=change)


def draft_page_move(
    *, version: ServiceVersion, by: User | None, page_id: str, step: int
) -> ServiceVersion:
    """Move a page one place up (-1) or down (+1)."""

    def change(data: Data) -> None:
        _move(data["pages"], page_id, step, "page")

    where = "up" if step < 0 else "down"
    return draft_edit(
        version=version, by=by, summary=f"Moved page '{page_id}' {where}", change=change
    )


def draft_condition_save(
    *, version: ServiceVersion, by: User | None, page_id: str, condition_yaml: str
) -> ServiceVersion:
    """Set a page's condition from YAML (`question: partner` / `equals: true`); empty text
    takes the condition away, so the page is always shown."""
    condition = load_fragment(condition_yaml) if condition_yaml.strip() else None
    if condition is not None and not isinstance(condition, dict):
        raise DefinitionError(
            [Problem(1, "", "a condition is a mapping, like: question: partner / equals: true")]
        )

    def change(data: Data) -> None:
        page = _page(data, page_id)
        if condition is None:
            page.pop("show_if", None)
        else:
            page["show_if"] = condition

    return draft_edit(
        version=version, by=by, summary=f"Changed the condition of page '{page_id}'", change=change
    )


def condition_yaml(condition: Condition | None) -> str:
    """A condition as the YAML its form shows."""
    if condition is None:
        return ""
    return data_to_yaml(condition.model_dump(by_alias=True, exclude_none=True, mode="json"))


def draft_question_save(
    *,
    version: ServiceVersion,
    by: User | None,
    page_id: str,
    question_id: str | None,
    question: Data,
) -> ServiceVersion:
    """Change the question `question_id` on a page, or add `question` to it (None)."""
    if question_id is not None and question.get("id") != question_id:
        _refuse_if_used(version, f"question '{question_id}'", question_dependents, question_id)

    def change(data: Data) -> None:
        _put(_page(data, page_id)["questions"], question_id, question, "question")

    what = "Added" if question_id is None else "Changed"
    return draft_edit(
        version=version, by=by, summary=f"{what} question '{question.get('id')}'", change=change
    )


def draft_question_remove(
    *, version: ServiceVersion, by: User | None, page_id: str, question_id: str
) -> ServiceVersion:
    _refuse_if_used(version, f"question '{question_id}'", question_dependents, question_id)

    def change(data: Data) -> None:
        questions = _page(data, page_id)["questions"]
        index = _index(questions, question_id, "question")
        if len(questions) == 1:
            raise DefinitionError(
                [Problem(None, "", "a page needs a question: remove the page instead")]
            )
        questions.pop(index)

    return draft_edit(
        version=version, by=by, summary=f"Removed question '{question_id}'", change=change
    )


# Eligibility questions, stages, decision reasons, automation.


def draft_eligibility_question_save(
    *, version: ServiceVersion, by: User | None, question_id: str | None, question: Data
) -> ServiceVersion:
    if question_id is not None and question.get("id") != question_id:
        _refuse_if_used(
            version,
            f"eligibility question '{question_id}'",
            eligibility_question_dependents,
            question_id,
        )

    def change(data: Data) -> None:
        if "eligibility" not in data:
            raise DefinitionError(
                [Problem(None, "eligibility", "add the eligibility outcomes first (as YAML)")]
            )
        _put(data["eligibility"]["questions"], question_id, question, "eligibility question")

    return draft_edit(
        version=version,
        by=by,
        summary=f"Saved eligibility question '{question.get('id')}'",
        change=change,
    )


def draft_eligibility_question_remove(
    *, version: ServiceVersion, by: User | None, question_id: str
) -> ServiceVersion:
    _refuse_if_used(
        version,
        f"eligibility question '{question_id}'",
        eligibility_question_dependents,
        question_id,
    )

    def change(data: Data) -> None:
        questions = (data.get("eligibility") or {}).get("questions", [])
        questions.pop(_index(questions, question_id, "eligibility question"))

    return draft_edit(
        version=version,
        by=by,
        summary=f"Removed eligibility question '{question_id}'",
        change=change,
    )


def draft_stage_save(
    *, version: ServiceVersion, by: User | None, stage_id: str | None, stage: Data
) -> ServiceVersion:
    if stage_id is not None and stage.get("id") != stage_id:
        _refuse_if_used(version, f"stage '{stage_id}'", stage_dependents, stage_id)

    def change(data: Data) -> None:
        _put(data["stages"], stage_id, stage, "stage")

    return draft_edit(
        version=version, by=by, summary=f"Saved stage '{stage.get('id')}'", change=change
    )


def draft_stage_remove(
    *, version: ServiceVersion, by: User | None, stage_id: str
) -> ServiceVersion:
    _refuse_if_used(version, f"stage '{stage_id}'", stage_dependents, stage_id)

    def change(data: Data) -> None:
        data["stages"].pop(_index(data["stages"], stage_id, "stage"))

    return draft_edit(version=version, by=by, summary=f"Removed stage '{stage_id}'", change=change)


def draft_stage_move(
    *, version: ServiceVersion, by: User | None, stage_id: str, step: int
) -> ServiceVersion:
    def change(data: Data) -> None:
        _move(data["stages"], stage_id, step, "stage")

    return draft_edit(version=version, by=by, summary=f"Moved stage '{stage_id}'", change=change)


def draft_reason_save(
    *, version: ServiceVersion, by: User | None, reason_id: str | None, reason: Data
) -> ServiceVersion:
    if reason_id is not None and reason.get("id") != reason_id:
        _refuse_if_used(version, f"decision reason '{reason_id}'", reason_dependents, reason_id)

    def change(data: Data) -> None:
        _put(data.setdefault("decision_reasons", []), reason_id, reason, "decision reason")

    return draft_edit(
        version=version, by=by, summary=f"Saved decision reason '{reason.get('id')}'", change=change
    )


def draft_reason_remove(
    *, version: ServiceVersion, by: User | None, reason_id: str
) -> ServiceVersion:
    _refuse_if_used(version, f"decision reason '{reason_id}'", reason_dependents, reason_id)

    def change(data: Data) -> None:
        reasons = data.get("decision_reasons", [])
        reasons.pop(_index(reasons, reason_id, "decision reason"))

    return draft_edit(
        version=version, by=by, summary=f"Removed decision reason '{reason_id}'", change=change
    )


def draft_automation_save(
    *, version: ServiceVersion, by: User | None, mode: str, approve_reason: str | None
) -> ServiceVersion:
    """Set the automation policy; each change of it counts as a new policy version."""

    def change(data: Data) -> None:
        before = data.get("automation") or {}
        policy: Data = {"mode": mode}
        if approve_reason:
            policy["approve_reason"] = approve_reason
        same = before.get("mode", "off") == mode and before.get("approve_reason") == approve_reason
        policy["version"] = before.get("version", 1) + (0 if same else 1)
        data["automation"] = policy

    return draft_edit(
        version=version, by=by, summary=f"Set the automation policy to {mode}", change=change
    )


# Parts edited as YAML.


def section_yaml(version: ServiceVersion, section: str) -> str:
    """The YAML of a section's fields, as the designer's text box shows it."""
    data = version.definition
    part = {name: data[name] for name in SECTIONS[section] if name in data}
    return data_to_yaml(part) if part else ""


def draft_section_save(
    *, version: ServiceVersion, by: User | None, section: str, yaml_text: str
) -> ServiceVersion:
    """Replace a section's fields from YAML. Problems are reported at their line of
    `yaml_text` (line None: a problem the section causes elsewhere in the definition)."""
    names = SECTIONS[section]
    with transaction.atomic():
        locked = ServiceVersion.objects.select_for_update().get(pk=version.pk)
        _only_drafts(locked)
        rest = {key: value for key, value in locked.definition.items() if key not in names}
        head = data_to_yaml(rest)
        offset = head.count("\n")
        part = load_fragment(yaml_text) if yaml_text.strip() else {}
        if not isinstance(part, dict) or set(part) - set(names):
            raise DefinitionError(
                [Problem(1, "", "this text can only have the fields " + ", ".join(names))]
            )
        try:
            parse_definition(head + yaml_text)
        except DefinitionError as error:
            raise DefinitionError(
                [
                    Problem(
                        p.line - offset if p.line and p.line > offset else None, p.where, p.message
                    )
                    for p in error.problems
                ]
            ) from error

        def change(data: Data) -> None:
            for name in names:
                data.pop(name, None)
            data.update(part)

        return draft_edit(
            version=locked, by=by, summary=f"Changed the {section} (as YAML)", change=change
        )
