"""The eligibility rules as a check, for the checks registry: green when the rules say
eligible, amber when a person must decide, red when not eligible."""

from django.utils.translation import gettext as _

from . import services

STATUS_FOR_OUTCOME = {"eligible": "green", "refer": "amber", "ineligible": "red"}


def eligibility_rules_check(case) -> dict:
    """Run the rules of the case's service version on its application (the evaluation is
    kept, so the case page shows it) and say what they found."""
    evaluation = services.rules_evaluate(case=case)
    if evaluation is None:
        return {
            "status": "green",
            "reasons": [_("This service version has no eligibility rules")],
            "evidence": {},
        }
    results = evaluation.results
    reasons = []
    for found in results.get("rules", []):
        if found["decides"] is None:
            continue
        words = (found.get("text") or {}).get("en") or found.get("error") or found["when"]
        reasons.append(f"{found['id']}: {words}")
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
