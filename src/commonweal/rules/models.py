"""Eligibility and entitlement rules, and automation policies: data and simple invariants.

The rules themselves are data in the service definition (catalogue). What is kept here is
what running them found, and what the automation policy did with it. Both are appended,
never changed (the database refuses updates and deletes)."""

from django.conf import settings
from django.db import models


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are appended, never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are appended, never deleted")


class RuleEvaluation(AppendOnly):
    """One run of a service version's rules on a case: the values read, every rule's
    result, the entitlement and the explanation for the person."""

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", "Eligible"
        INELIGIBLE = "ineligible", "Not eligible"
        REFER = "refer", "A person must decide"

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    version = models.ForeignKey(
        "catalogue.ServiceVersion", on_delete=models.PROTECT, related_name="+"
    )
    # The fingerprint of the rules and questions that were run (engine.ruleset_hash).
    ruleset_hash = models.CharField(max_length=64)
    # The fingerprint of the answers they were run on, so a rerun on the same answers is seen.
    inputs_hash = models.CharField(max_length=64)
    # What the expressions read: answers, eligibility answers, derived values, constants.
    inputs = models.JSONField(default=dict)
    # Every table, the entitlement and every rule, with the values each read and its words.
    results = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    entitlement_pence = models.BigIntegerField(null=True, blank=True)
    # The plain-language explanation for the person: {"en": ..., "cy": ...}.
    explanation = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    # None: the system (a check or the automation policy); otherwise who asked for it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.outcome}"


class AutomationRecord(AppendOnly):
    """What a service's automation policy did with a case when its checks finished."""

    class Action(models.TextChoices):
        APPROVED = "approved", "Approved by the policy"
        OFFERED = "offered", "Offered for one-click approval"
        ONE_CLICK_APPROVED = "one_click_approved", "Approved with one click"
        TO_PERSON = "to_person", "Left for a person to decide"

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    evaluation = models.ForeignKey(
        RuleEvaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=10)
    policy_version = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=Action.choices)
    # Why, in words for caseworkers (each check that did not pass, the rules' outcome), in
    # English as the policy ran in the worker.
    reasons = models.JSONField(default=list)
    # The same reasons as messages (checks/reasons.py), shown in the reader's language. Null
    # for records made before they were kept (a nullable column: added without rebuilding
    # the append-only table and its triggers).
    reason_messages = models.JSONField(null=True, blank=True)
    # The decision it made or led to (cases.Decision), when there is one.
    decision_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # The caseworker who approved with one click; None for the policy itself.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action}"
