"""Data rights: consents, correction requests, legal holds and what retention removed."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):
    """One answer a person gave about one purpose: yes (given) or no (refused, or withdrawn
    after a yes), when, how, who recorded it and the exact words they were shown or read.
    Appended, never edited (the database refuses UPDATE, and DELETE outside retention);
    the current answer for a purpose is its latest row. A purpose with no row has not been
    asked, which counts as no for everything that needs consent."""

    class Purpose(models.TextChoices):
        PROVIDER_SHARING = "provider_sharing", _("Sharing your case with organisations that help")
        ANSWER_REUSE = "answer_reuse", _("Using details you gave us before in new applications")
        RESEARCH_CONTACT = "research_contact", _("Being contacted to take part in research")

    class Method(models.TextChoices):
        ONLINE = "online", _("Online")
        PHONE = "phone", _("By phone")
        IN_PERSON = "in_person", _("In person")
        PAPER = "paper", _("On paper")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    given = models.BooleanField()
    method = models.CharField(max_length=10, choices=Method.choices)
    # Who recorded it: the person, someone acting for them, or a member of staff.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    # The words the person was shown online, or that staff read to them, in the language
    # used: what they said yes or no to.
    words = models.TextField(blank=True)
    language = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField()
    # 1, 2, 3... per person and purpose: two requests that both read the same latest row
    # cannot both append after it (a double click records one change).
    sequence = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose", "sequence"], name="consent_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose}: {'given' if self.given else 'withdrawn'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Consents are appended, never changed")
        super().save(*args, **kwargs)


class ConsentRequest(models.Model):
    """We asked the person to say yes or no to a purpose in their account (and told them
    by a notice), because work waits on their answer: a referral of their case to a
    provider, with what it would share. Their next answer for the purpose settles it,
    however it comes (online, or by phone to staff): a yes makes the referral, a no does
    not and tells the team."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Waiting for their answer")
        REFERRED = "referred", _("They said yes; the case was referred")
        NOT_REFERRED = "not_referred", _("They said yes, but the case could not be referred")
        REFUSED = "refused", _("They said no")
        CANCELLED = "cancelled", _("Stopped waiting")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=30, choices=Consent.Purpose.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The referral that waits: to whom, what it would share, and why.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.WAITING)
    answer = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            # One waiting request per case and provider: a double click asks once.
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=models.Q(outcome="waiting"),
                name="one_waiting_consent_request",
            )
        ]
        indexes = [
            models.Index(
                fields=["person", "purpose"],
                condition=models.Q(outcome="waiting"),
                name="consent_request_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"Consent request {self.pk} ({self.purpose}, {self.outcome})"


class DataRequest(models.Model):
    """A person saying "this is wrong" about a field of their record or an answer on an
    application (a correction), or asking us to erase what we hold about them (an erasure).
    It is work for a team (a task on the case when there is one) and ends with an outcome
    the person is told about. An erasure request outlives the erasure it asked for: emptied
    of the person's own words, it records who decided, when, and what was removed."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        ERASURE = "erasure", _("Erasure")

    class Ground(models.TextChoices):
        """The lawful reasons for keeping data a person asked us to erase."""

        LEGAL_HOLD = (
            "legal_hold",
            _(
                "We must keep it because of a legal hold: a claim, an investigation or a "
                "court order"
            ),
        )
        FINANCIAL_RECORDS = (
            "financial_records",
            _("We have a legal duty to keep records of payments we made"),
        )
        LEGAL_CLAIMS = "legal_claims", _("We need it to make or defend a legal claim")
        PUBLIC_TASK = (
            "public_task",
            _("We need it for a task the law gives us to carry out in the public interest"),
        )
        OPEN_CASE = "open_case", _("We still need it to finish an application you made")

    class Subject(models.TextChoices):
        PERSON = "person", _("Your details")
        ANSWER = "answer", _("An answer on an application")

    class Status(models.TextChoices):
        OPEN = "open", _("Being looked at")
        CORRECTED = "corrected", _("Corrected")
        NOT_CORRECTED = "not_corrected", _("Not corrected")
        ERASING = "erasing", _("Being erased")
        ERASED = "erased", _("Erased")
        NOT_ERASED = "not_erased", _("Not erased")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    subject = models.CharField(max_length=10, choices=Subject.choices)
    # A person field ("family_name", "address") or a question id on the application.
    field = models.CharField(max_length=60)
    # subject, application and field in one value, for the one-open-request rule below.
    field_key = models.CharField(max_length=120)
    # The field's name and value as the person saw them when they asked.
    field_label = models.CharField(max_length=300)
    value_shown = models.TextField(blank=True)
    application = models.ForeignKey(
        "intake.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what_is_wrong = models.TextField()
    should_be = models.TextField()
    # The team whose work it is, and its task on the case (none when there is no case).
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    # Said to the person: what was changed, or why nothing was.
    outcome_reason = models.TextField(blank=True)
    corrected_value = models.TextField(blank=True)
    # An erasure refused: the lawful reason (outcome_reason says more, in staff's words).
    ground = models.CharField(max_length=20, choices=Ground.choices, blank=True)
    # An erasure carried out: when, and what each eraser removed.
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_counts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per field (and application): a double submit, or asking
            # again before we answer, finds the one already open.
            models.UniqueConstraint(
                fields=["person", "field_key"],
                condition=models.Q(status="open"),
                name="one_open_request_per_field",
            ),
        ]
        indexes = [
            models.Index(
                fields=["team", "created_at"],
                condition=models.Q(status="open"),
                name="data_request_open_team",
            ),
            models.Index(fields=["person", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.field_label} ({self.status})"


class LegalHold(models.Model):
    """Keeps a case, or everything about a person, from the retention job (a claim, an
    investigation, a court order) until it is lifted."""

    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(case__isnull=False, person__isnull=True)
                    | models.Q(case__isnull=True, person__isnull=False)
                ),
                name="legal_hold_on_case_or_person",
            )
        ]
        indexes = [
            models.Index(
                fields=["case"], condition=models.Q(lifted_at__isnull=True), name="hold_case"
            ),
            models.Index(
                fields=["person"], condition=models.Q(lifted_at__isnull=True), name="hold_person"
            ),
        ]

    def __str__(self) -> str:
        target = f"case {self.case_id}" if self.case_id else f"person {self.person_id}"
        return f"Legal hold on {target}"


class ErasedCase(models.Model):
    """A case the retention job has anonymised: so it is never done twice, and so the count
    of what was removed can be checked later. The case row itself stays, without anything
    that identifies the person."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Case {self.case_id} anonymised"


class RetentionRun(models.Model):
    """One run of the retention job, with the counts of what it removed. The nightly run is
    claimed by the first worker to create the day's row."""

    day = models.DateField(null=True, blank=True, unique=True)  # nightly runs only
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Retention run {self.started_at:%Y-%m-%d %H:%M}"


class ErasurePass(models.Model):
    """While the retention job's transaction holds a row here, the database lets it delete
    rows of the append-only history tables (case events, decisions, person changes,
    consents). Other transactions never see the uncommitted row, so for them the history
    stays append-only; the row is deleted before the job commits."""

    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Erasure pass {self.pk}"


def _download_path(instance: "DataDownload", filename: str) -> str:
    return f"data-downloads/{instance.pk}.pdf"


class DataDownload(models.Model):
    """A person's data as a PDF, made in the background because it takes seconds (up to
    half a minute for someone with many cases). Kept in the private file storage, fetched
    only by its owner, and deleted when it expires."""

    class Status(models.TextChoices):
        MAKING = "making", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be made")

    # Not a counter: the id is in the page's address, and a guessed one must find nothing.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=5)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.MAKING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=_download_path, max_length=200, blank=True)
    # For the operators (the log has the traceback); the person reads a plain sentence.
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # One being made at a time per person: a second click finds the first.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="making"),
                name="data_download_one_making",
            )
        ]
        indexes = [models.Index(fields=["expires_at"], name="data_download_expiry")]

    def __str__(self) -> str:
        return f"Data download {self.pk} ({self.status})"
