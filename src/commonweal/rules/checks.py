"""The eligibility rules as a check, for the checks registry: green when the rules say
eligible, amber when a person must decide, red when not eligible, and "not run" when the
service version has no rules to check against."""

from commonweal.checks.reasons import Message
from commonweal.checks.reasons import message as _

from . import services
from .plain import plain_lines

STATUS_FOR_OUTCOME = {"eligible": "green", "refer": "amber", "ineligible": "red"}


def _plain_reasons(case, evaluation) -> list[Message]:
    """What decided against the person (a rule that refuses or refers, a table or amount
    with no result), in caseworker words in each language (rules.plain). The person is "the
    person" here: check results are kept, and their name is on the case already."""
    from commonweal.catalogue import selectors as catalogue

    definition = catalogue.definition_for(case.version)
    said = {
        code: plain_lines(
            definition,
            results=evaluation.results,
            inputs=evaluation.inputs,
            name=None,
            language=code,
        )
        for code in ("en", "cy")
    }
    return [
        Message.in_languages({"en": english.text.rstrip("."), "cy": welsh.text.rstrip(".")})
        for english, welsh in zip(said["en"], said["cy"], strict=True)
        if english.decides is not None
    ]


def eligibility_rules_check(case) -> dict:
    """Run the rules of the case's service version on its application (the evaluation is
    kept, so the case page shows it) and say what they found."""
    evaluation = services.rules_evaluate(case=case)
    if evaluation is None:
        return {
            "status": "not_run",
            "reasons": [_("This service version has no eligibility rules to check against.")],
            "evidence": {},
        }
    reasons = _plain_reasons(case, evaluation)
    if evaluation.outcome == "eligible":
        reasons.append(_("The rules say eligible"))
    return {
        "status": STATUS_FOR_OUTCOME[evaluation.outcome],
        "reasons": reasons,
        "evidence": {
            "evaluation": evaluation.pk,
            "outcome": evaluation.outcome,
            "entitlement_pence": evaluation.entitlement_pence,
            "ruleset_hash": evaluation.ruleset_hash,
            "service_version": evaluation.version_id,
        },
    }
