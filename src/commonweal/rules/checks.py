"""The eligibility rules as a check, for the checks registry: green when the rules say
eligible, amber when a person must decide, red when not eligible, and "not run" when the
service version has no rules to check against."""

from commonweal.checks.reasons import Message
from commonweal.checks.reasons import message as _

from . import services

STATUS_FOR_OUTCOME = {"eligible": "green", "refer": "amber", "ineligible": "red"}


def _rule_reason(found: dict):
    """What a rule found, in the words the definition gives in each language; a rule that
    could not be worked out says why (in English: it is about the definition)."""
    texts = found.get("text") or {}
    if texts:
        return Message.in_languages(
            {language: f"{found['id']}: {words}" for language, words in texts.items()}
        )
    return f"{found['id']}: {found.get('error') or found['when']}"


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
    results = evaluation.results
    reasons = [
        _rule_reason(found) for found in results.get("rules", []) if found["decides"] is not None
    ]
    reasons += [problem for problem in results.get("problems", []) if problem]
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
