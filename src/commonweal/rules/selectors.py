"""Every read for rules that views, the API and other apps need."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from commonweal.checks.reasons import shown_all

from . import engine
from .models import AutomationRecord, RuleEvaluation
from .plain import PlainLine, plain_lines

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case
    from commonweal.catalogue.selectors import PublishedService, ServiceDefinition, ServiceVersion


def latest_evaluation(*, case_id: int) -> RuleEvaluation | None:
    return RuleEvaluation.objects.filter(case_id=case_id).order_by("-created_at", "-id").first()


def entitlement_for_case(case_id: int) -> int | None:
    """What the person is entitled to, in pence, by the latest evaluation of the rules on
    their case (None when the rules gave no amount, or were never run)."""
    return (
        RuleEvaluation.objects.filter(case_id=case_id)
        .order_by("-created_at", "-id")
        .values_list("entitlement_pence", flat=True)
        .first()
    )


def entitlement_for_decision(*, case: Case) -> int | None:
    """The entitlement a decision on the case starts from, in pence: the latest evaluation's
    (what the caseworker sees in the rules panel), or, when the rules have not run on the
    case yet, worked out now from its answers (nothing is stored). None when the rules give
    no amount."""
    latest = (
        RuleEvaluation.objects.filter(case_id=case.pk)
        .order_by("-created_at", "-id")
        .values_list("pk", "entitlement_pence")
        .first()
    )
    if latest is not None:
        return latest[1]
    from commonweal.catalogue import selectors as catalogue

    definition = catalogue.definition_for(case.version)
    if definition.entitlement is None:
        return None
    application = case.application
    found = engine.evaluate(
        definition,
        answers=application.answers,
        eligibility_answers=application.eligibility_answers,
        today=timezone.localdate(),
    )
    return found["entitlement"]["amount"] if found["entitlement"] else None


def latest_automation(*, case_id: int) -> AutomationRecord | None:
    return AutomationRecord.objects.filter(case_id=case_id).order_by("-created_at", "-id").first()


@dataclass
class RuleLine:
    """One rule or table row as a caseworker reads it."""

    kind: str  # "rule", "table" or "entitlement"
    name: str
    expression: str
    result: str  # "passed", "failed", "unknown", a row number, an amount
    decides: str | None
    values: list[tuple[str, str]]
    text: str
    error: str | None


@dataclass
class CasePanel:
    """The rules section of the case page: the latest evaluation, and what the automation
    policy did."""

    evaluation: RuleEvaluation | None
    # What the rules found in caseworker words, shown first (rules.plain).
    plain: list[PlainLine] = field(default_factory=list)
    # The engine's trace, behind "Show the rules' working".
    lines: list[RuleLine] = field(default_factory=list)
    explanation: str = ""
    automation: AutomationRecord | None = None
    # Why the policy left the case for a person, in the reader's language.
    automation_reasons: list[str] = field(default_factory=list)
    # The rules suggest approving, and a caseworker may do it with one button.
    one_click: bool = False


def case_panel(*, case: Case, language: str, name: str | None = None) -> CasePanel | None:
    """What the case page shows about rules (two queries); None when they were never run
    and no policy acted. `name` is the person's first name for the plain sentences (None:
    "the person")."""
    evaluation = latest_evaluation(case_id=case.pk)
    automation = latest_automation(case_id=case.pk)
    if evaluation is None and automation is None:
        return None
    panel = CasePanel(evaluation=evaluation, automation=automation)
    if automation is not None:
        panel.automation_reasons = shown_all(automation.reasons, automation.reason_messages)
    if evaluation is not None:
        from commonweal.catalogue import selectors as catalogue

        panel.plain = plain_lines(
            catalogue.definition_for(case.version),
            results=evaluation.results,
            inputs=evaluation.inputs,
            name=name,
            language=language,
        )
        panel.lines = result_lines(evaluation.results, language)
        panel.explanation = evaluation.explanation.get(language) or evaluation.explanation.get(
            "en", ""
        )
    panel.one_click = (
        case.closed_at is None
        and automation is not None
        and automation.action == AutomationRecord.Action.OFFERED
        and evaluation is not None
        and automation.evaluation_id == evaluation.pk
    )
    return panel


def result_lines(results: dict[str, Any], language: str) -> list[RuleLine]:
    """Every table, the entitlement and every rule of an evaluation, in reading order."""
    code = "cy" if language == "cy" else "en"

    def values(found: dict[str, Any]) -> list[tuple[str, str]]:
        return [(path, read["shown"].get(code, "")) for path, read in found["values"].items()]

    def text(found: dict[str, Any]) -> str:
        return (found.get("text") or {}).get(code, "")

    lines = []
    for found in results.get("tables", []):
        lines.append(
            RuleLine(
                kind="table",
                name=found["id"],
                expression=found["hit_policy"],
                result=str(found["row"]) if found["row"] else "unknown",
                decides=None,
                values=values(found)
                + [
                    (
                        f"tables.{engine.cel_name(found['id'])}.{engine.cel_name(name)}",
                        found.get("outputs_shown", {}).get(name, {}).get(code, str(value)),
                    )
                    for name, value in found["outputs"].items()
                ],
                text=text(found),
                error=found["error"],
            )
        )
    entitlement = results.get("entitlement")
    if entitlement:
        lines.append(
            RuleLine(
                kind="entitlement",
                name="",
                expression="",
                result=engine.show(entitlement["amount"], "money", language_code=code)
                if entitlement["amount"] is not None
                else "unknown",
                decides=None,
                values=values(entitlement),
                text=text(entitlement),
                error=entitlement["error"],
            )
        )
    for found in results.get("rules", []):
        result = "unknown" if found["result"] is None else str(found["result"]).lower()
        lines.append(
            RuleLine(
                kind="rule",
                name=found["id"],
                expression=found["when"],
                result=result,
                decides=found["decides"],
                values=values(found),
                text=text(found),
                error=found["error"],
            )
        )
    return lines


def plain_for_result(
    *, definition: ServiceDefinition, result: dict[str, Any], language: str
) -> list[PlainLine]:
    """What the rules found on sample answers (`rules_try`), in caseworker words; the person
    is named by the sample's first name when the definition asks for one."""
    return plain_lines(
        definition,
        results=result,
        inputs=result.get("inputs", {}),
        name=_given_name(definition, result.get("inputs", {})),
        language=language,
    )


def _given_name(definition: ServiceDefinition, inputs: dict[str, Any]) -> str | None:
    question = next(
        (q for q in definition.questions() if q.person_field == "given_name"),
        None,
    )
    if question is None:
        return None
    value = (inputs.get("answers") or {}).get(engine.cel_name(question.id))
    return value.strip() or None if isinstance(value, str) else None


def rules_try(
    *,
    definition: ServiceDefinition,
    answers: dict[str, Any],
    eligibility_answers: dict[str, Any],
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """Run a version's rules on sample answers, storing nothing (the rule tester)."""
    return engine.evaluate(
        definition,
        answers=answers,
        eligibility_answers=eligibility_answers,
        today=today or timezone.localdate(),
    )


def sample_answers(definition: ServiceDefinition) -> dict[str, dict[str, Any]]:
    """Answers in the stored form to start the rule tester from: every question answered."""
    answers: dict[str, Any] = {}
    for question in definition.questions():
        options = [option.value for option in question.options or []]
        answers[question.id] = {
            "money": "250.00",
            "number": "1",
            "date": "1980-01-01",
            "yes_no": False,
            "radios": options[0] if options else "",
            "checkboxes": options[:1],
            "address": {"line_1": "1 High Street", "town": "Caerphilly", "postcode": "CF83 1AA"},
            "bank_details": {
                "name": "A Person",
                "sort_code": "309430",
                "account_number": "00733445",
            },
            "file": None,
        }.get(question.type, "Jordan" if question.person_field == "given_name" else "text")
        if answers[question.id] is None:
            del answers[question.id]
    eligibility: dict[str, Any] = {}
    for asked in definition.eligibility.questions if definition.eligibility else []:
        if asked.type == "postcode":
            area = (asked.postcode_areas or ["CF"])[0]
            eligibility[asked.id] = f"{area} 1AA" if area[-1].isdigit() else f"{area}1 1AA"
        else:
            # A choice that lets the person apply, so the sample starts from "eligible".
            choices = [value for value, _label in asked.choices()]
            allowed = [value for value in choices if asked.outcome_for(value) is None]
            eligibility[asked.id] = (allowed or choices)[0]
    return {"answers": answers, "eligibility": eligibility}


def services_for_tester() -> list[tuple[PublishedService, list[ServiceVersion]]]:
    """Every published service, with its versions, for the rule tester's list."""
    from commonweal.catalogue import selectors as catalogue

    versions: dict[str, list[ServiceVersion]] = {}
    for version in catalogue.versions_of():
        versions.setdefault(version.service.slug, []).append(version)
    return [(item, versions.get(item.service.slug, [])) for item in catalogue.published_services()]


def version_for_tester(
    *, slug: str, number: int
) -> tuple[ServiceVersion, ServiceDefinition] | None:
    """A service's version by number, with its parsed definition; None when there is none."""
    from commonweal.catalogue import selectors as catalogue

    version = next((v for v in catalogue.versions_of(slug=slug) if v.number == number), None)
    if version is None:
        return None
    return version, catalogue.definition_for(version)
