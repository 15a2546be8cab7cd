from django.db import models


class CheckResult(models.Model):
    """What one automated check found on a case: red, amber or green, with reasons a
    caseworker can read. Each run appends a row; the newest per check counts."""

    class Status(models.TextChoices):
        RED = "red", "Red"
        AMBER = "amber", "Amber"
        GREEN = "green", "Green"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="check_results")
    check_name = models.CharField(max_length=60)
    status = models.CharField(max_length=5, choices=Status.choices)
    reasons = models.JSONField(default=list)
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
