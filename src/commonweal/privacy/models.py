"""Access log, holds and who has seen a person's data: data and simple invariants.

`AccessRecord` rows are written with a plain INSERT by the request that read the data;
`Seal` rows chain them by hash afterwards (see services.access_log_seal). Both tables are
append-only in the database itself (triggers, migration 0002)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """Why someone read a person's data. Most come from the context of the read; break
    glass is typed in by the member of staff first."""

    ASSIGNED_CASE = "assigned_case", _("Working on your case, which is assigned to them")
    TEAM_QUEUE = "team_queue", _("Working on your case as part of their team's work")
    REFERRAL = "referral", _("Working on your case, which was referred to them")
    SEARCH = "search", _("You were in the results of a search")
    EXPORT = "export", _("Printing letters to send to you")
    API = "api", _("A connected computer system read your details")
    BREAK_GLASS = "break_glass", _("Opened outside their usual work, with a reason recorded")
    ADMINISTRATION = "administration", _("Looked at in the administration pages, to run the system")
    ASSISTED_APPLICATION = (
        "assisted_application",
        _(
            "Taking an application with you by phone, in person or from a paper form, after "
            "checking who you are"
        ),
    )
    PAYMENT = "payment", _("Making or checking a payment to you")
    DATA_REQUEST = "data_request", _("Answering a request you made about your data")
    OVERSIGHT = "oversight", _("Checking that those who looked at your data had reason to")
    IDENTITY_REVIEW = (
        "identity_review",
        _("Checking whether records other services hold are about you"),
    )


class Category(models.TextChoices):
    """Which parts of a person's data were shown."""

    PERSON = "person", _("Name and contact details")
    ANSWERS = "answers", _("Answers to an application")
    EVIDENCE = "evidence", _("Evidence files")
    TIMELINE = "timeline", _("Case history and notes")
    MESSAGES = "messages", _("Messages")
    DECISIONS = "decisions", _("Decisions")
    CHECKS = "checks", _("Checks")
    CONTACT_PREFERENCES = "contact_preferences", _("How you want us to contact you")
    CONSENTS = "consents", _("What you agreed to")
    PAYMENTS = "payments", _("Payments to you")
    DATA_REQUESTS = "data_requests", _("Your requests about your data")
    OTHER_RECORDS = "other_records", _("Records other services hold about you")
    ACCESS_LOG = "access_log", _("Who looked at your data")


class Via(models.TextChoices):
    """Where the read happened."""

    CASE_PAGE = "case_page", "Case page"
    CASE_FILE = "case_file", "Case file"
    SEARCH = "search", "Search results"
    EXPORT = "export", "Export"
    API = "api", "API"
    ADMIN = "admin", "Administration pages"
    ASSISTED_APPLICATION = "assisted_application", "Application taken by staff"
    WORK_LIST = "work_list", "Lists of work"
    PAYMENTS = "payments", "Payments pages"
    DATA_RIGHTS = "data_rights", "Data requests pages"
    PERSON_INDEX = "person_index", "Person index review"
    OVERSIGHT = "oversight", "Access oversight"


class AccessRecord(models.Model):
    """One read of one person's data: who (and as what, for which organisation), when,
    which parts, and why. Never changed or deleted; chained by hash in `Seal`s.

    Foreign keys carry no database constraint: the log must outlive the rows it names (an
    erased person, a departed member of staff) and a read must never wait on their locks."""

    accessed_at = models.DateTimeField(db_index=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # As they were at the time: names and roles change, the record must not.
    actor_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=30, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "api.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    # The typed reason for break glass; otherwise empty.
    reason = models.TextField(blank=True)
    categories = models.JSONField(default=list)
    via = models.CharField(max_length=20, choices=Via.choices)
    # Break glass: shown to the member of staff's team leaders.
    flagged = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["person", "accessed_at"], name="access_by_person"),
            models.Index(
                fields=["organisation", "accessed_at"],
                condition=models.Q(flagged=True),
                name="access_flagged",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(purpose="break_glass") | ~models.Q(reason=""),
                name="break_glass_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_name or self.role
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {who} read {self.person_id}"


class Seal(models.Model):
    """A sealed batch of access records: the ids and chained hashes of the records in it
    (`digests`: per record, 8 bytes of id then 32 bytes of SHA-256), the batch's last hash,
    and its own hash, which covers the previous seal's. `number` is unique, so two sealers
    can never fork the chain."""

    number = models.PositiveBigIntegerField(unique=True)
    first_record_id = models.BigIntegerField()
    last_record_id = models.BigIntegerField()
    record_count = models.PositiveIntegerField()
    digests = models.BinaryField()
    last_hash = models.CharField(max_length=64)
    previous_seal_hash = models.CharField(max_length=64)
    seal_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Seal {self.number}: records {self.first_record_id}–{self.last_record_id}"


class AccessHold(models.Model):
    """An investigation hold: a person's access records from `held_from` to `held_until`
    (open-ended when empty) are kept from them until the hold is lifted. Placing and lifting
    are recorded here and shown to the person once lifted."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    held_from = models.DateTimeField()
    held_until = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "lifted_at"], name="hold_by_person")]

    def __str__(self) -> str:
        return f"Hold on {self.person_id} from {self.held_from:%Y-%m-%d}"


class OrganisationPolicy(models.Model):
    """What an organisation lets people see about who in it read their data."""

    class ShowStaffAs(models.TextChoices):
        ROLE = "role", _("Their role only")
        NAME = "name", _("Their name and role")

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="access_policy"
    )
    show_staff_as = models.CharField(
        max_length=10, choices=ShowStaffAs.choices, default=ShowStaffAs.ROLE
    )

    class Meta:
        verbose_name_plural = "organisation policies"

    def __str__(self) -> str:
        return f"{self.organisation}: {self.show_staff_as}"
