"""Payment instructions, batches and reconciliation: data and simple invariants.

"Nothing is ever paid twice" is the database's job, not only the code's:

- a case has at most one *live* instruction (waiting for the person to accept, held,
  pending, batched or paid): a partial unique index, so a double click or two workers can
  never make a second one (a failed or cancelled instruction does not count, so a corrected
  one can be made after a failure);
- an instruction belongs to at most one batch (a foreign key), and a check constraint ties
  its status to having a batch: awaiting, held and pending have none, batched/paid/failed
  have one; a batch claims only pending ones, so an offer not yet accepted or a payment a
  team leader holds is never in a file;
- an organisation has at most one batch a day, so running the daily batch twice makes one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

LIVE_STATUSES = ("awaiting", "held", "pending", "batched", "paid")
# Not yet in a batch: a team leader can still stop these.
UNBATCHED_STATUSES = ("awaiting", "held", "pending")


class PaymentBatch(models.Model):
    """One day's payment file for one organisation, as exported, then as reconciled."""

    class Status(models.TextChoices):
        EXPORTED = "exported", "Exported"
        RECONCILED = "reconciled", "Reconciled"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField()
    format = models.CharField(max_length=30)
    file_name = models.CharField(max_length=200, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    total_pence = models.PositiveBigIntegerField(default=0)
    # SHA-256 of the exported file's bytes: a reconciliation must quote it.
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EXPORTED)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "day"], name="one_payment_batch_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} ({self.format})"


class PaymentInstruction(models.Model):
    """Money to pay one person for one case, into the account they gave."""

    class Status(models.TextChoices):
        # The person has not accepted the offer yet (a loan): no batch takes it.
        AWAITING = "awaiting", "Waiting for the person to accept"
        # A team leader stopped it, with a reason, until they release it: no batch takes it.
        HELD = "held", "Held"
        PENDING = "pending", "Pending"
        BATCHED = "batched", "In a batch"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # Indexed by the unique constraint and by the index below.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decision = models.ForeignKey(
        "cases.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    amount_pence = models.PositiveBigIntegerField()
    payee_name = models.CharField(max_length=100)
    sort_code = models.CharField(max_length=6)
    # The account number is sealed (Fernet, see `sealing.py`): read only to write the file.
    account_number_sealed = models.TextField()
    account_last_four = models.CharField(max_length=4)
    # The case reference: the payee sees it on their statement; reconciliation quotes it.
    reference = models.CharField(max_length=18)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    batch = models.ForeignKey(
        PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="instructions"
    )
    failure_reason = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_payment_per_case",
            ),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "awaiting",
                        "held",
                        "pending",
                        "batched",
                        "paid",
                        "failed",
                        "cancelled",
                    ]
                ),
                name="payment_status_known",
            ),
            # Awaiting, held and pending mean not in a batch; batched, paid and failed mean in
            # exactly one.
            models.CheckConstraint(
                condition=Q(status__in=["awaiting", "held", "pending"], batch__isnull=True)
                | Q(status__in=["batched", "paid", "failed"], batch__isnull=False)
                | Q(status="cancelled"),
                name="payment_status_matches_batch",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="payment_case"),
            # The daily batch's claim: an organisation's pending instructions up to the cut-off.
            models.Index(
                fields=["organisation", "created_at"],
                condition=Q(status="pending"),
                name="payment_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount_pence}p ({self.status})"


class PaymentChange(models.Model):
    """One change of an instruction's status: who, when, why. Appended, never edited (the
    database refuses both UPDATE and DELETE)."""

    instruction = models.ForeignKey(
        PaymentInstruction, on_delete=models.PROTECT, related_name="changes"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    batch = models.ForeignKey(
        PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.instruction_id}: {self.from_status or '-'} -> {self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Payment history is appended, never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Payment history is appended, never deleted")
