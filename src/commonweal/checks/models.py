from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class CheckResult(models.Model):
    """What one automated check found on a case: red, amber or green, with reasons a
    caseworker can read; "not run" when it had nothing to check or what it needs is not
    set up; or "error" when the check crashed or ran out of time. Each run appends a row;
    the newest per check counts and the older ones stay as history."""

    class Status(models.TextChoices):
        RED = "red", gettext_lazy("Red")
        AMBER = "amber", gettext_lazy("Amber")
        GREEN = "green", gettext_lazy("Green")
        # The check did not look at anything (no person index, no modulus table, no API key,
        # nothing given to check): nothing is known, and the reasons say why.
        NOT_RUN = "not_run", gettext_lazy("Not run")
        # The check crashed or timed out: nothing is known, the team was told.
        ERROR = "error", gettext_lazy("Could not run")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="check_results")
    check_name = models.CharField(max_length=60)
    status = models.CharField(max_length=7, choices=Status.choices)
    # In English, as the check ran in the worker: for logs, exports and plain readers.
    reasons = models.JSONField(default=list)
    # The same reasons as messages (checks/reasons.py), one per reason or null for plain
    # text, so the case page shows them in the reader's language.
    reason_messages = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    # Newest result of this check on this case; older ones are kept as history.
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["check_name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "check_name"],
                condition=models.Q(is_current=True),
                name="one_current_result_per_check",
            )
        ]
        indexes = [
            models.Index(
                fields=["case"],
                condition=models.Q(is_current=True, status="red"),
                name="check_current_red",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_name}: {self.status}"


class MatchKey(models.Model):
    """One identifier from a submitted application (an NI number, a bank account, a phone
    number, an email address, a postal address), normalised and kept only as a keyed hash,
    so the matching checks find other applications with the same one in one indexed query
    whatever the question was called in each service."""

    class Kind(models.TextChoices):
        NI_NUMBER = "ni", "National Insurance number"
        BANK_ACCOUNT = "bank", "Bank account"
        PHONE = "phone", "Phone number"
        EMAIL = "email", "Email address"
        ADDRESS = "address", "Postal address"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=7, choices=Kind.choices)
    # HMAC-SHA256 of the normalised value under the site's secret key.
    digest = models.CharField(max_length=64)
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "digest"], name="match_key_once")
        ]
        # Every matching query starts from (kind, digest) and most narrow by time.
        indexes = [models.Index(fields=["kind", "digest", "submitted_at"], name="match_key_find")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CheckRun(models.Model):
    """One request to run a case's checks: after submission, or a member of staff asking
    again. Unfinished runs show on the case page and stop a double click queueing twice."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "-requested_at"], name="check_run_case")]

    def __str__(self) -> str:
        return f"{self.case_id} at {self.requested_at:%Y-%m-%d %H:%M}"
