from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "commonweal.rules"
    label = "rules"
    verbose_name = "Eligibility and entitlement rules, and automation policies"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from commonweal.checks import services as checks_services
        from commonweal.core import personal_data

        from . import checks, services

        # The eligibility-rules check, for services that list it under `checks:`.
        checks_services.register_check(
            "eligibility-rules",
            label=gettext_lazy("Eligibility rules"),
            run=checks.eligibility_rules_check,
        )

        # When every check of a case has a result, the service's automation policy decides
        # whether it may be approved without a person (never refused).
        checks_services.AFTER_CHECKS.register("automation", services.automation_after_checks)

        from commonweal.cases import services as cases_services

        from . import selectors

        # A decision's amount starts from the rules' entitlement.
        cases_services.entitlement_source_set(selectors.entitlement_for_decision)

        # Retention empties a closed case: the evaluations that copied its answers go too.
        personal_data.register_case_eraser(
            "rule_evaluations_deleted", services.rule_evaluations_erase
        )
