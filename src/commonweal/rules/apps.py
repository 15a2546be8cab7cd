from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "commonweal.rules"
    label = "rules"
    verbose_name = "Eligibility and entitlement rules, and automation policies"
