from django.conf import settings
from django.db import models


class Case(models.Model):
    """The work for one submitted application, from its first stage to its outcome."""

    reference = models.CharField(max_length=16, unique=True)
    application = models.OneToOneField(
        "intake.Application", on_delete=models.PROTECT, related_name="case"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    service = models.ForeignKey("catalogue.Service", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        "catalogue.ServiceVersion", on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=60)
    opened_at = models.DateTimeField()
    due_date = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # The team whose queue the case is in, and who in it is working on it.
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Counts every change, so an edit made from a page that is out of date is refused
    # rather than silently overwriting someone else's.
    revision = models.PositiveIntegerField(default=1)
    # The time limit's clock stopped on this day, while the case waits for the person.
    clock_stopped_on = models.DateField(null=True, blank=True)
    # The date we last told the person to expect a decision by, when it is later than the
    # due date (a delay), and when we last told them of a delay (at most once a week).
    expected_on = models.DateField(null=True, blank=True)
    delay_told_at = models.DateTimeField(null=True, blank=True)
    # The person (or their representative) wrote and nobody on the team has answered yet.
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)
    # The latest decision's outcome while the case is closed; empty while it is open.
    outcome = models.CharField(max_length=10, blank=True)
    # How the application reached us and, when staff took it, how identity was checked.
    channel = models.CharField(max_length=10, default="online")
    identity_check = models.CharField(max_length=30, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["service", "stage"]),
            models.Index(fields=["due_date"]),
            # The team queue: open cases of a team, soonest due first.
            models.Index(
                fields=["team", "due_date", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="case_open_team_queue",
            ),
            # My work: open cases assigned to someone.
            models.Index(
                fields=["assigned_to", "due_date", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="case_open_assigned",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseEvent(models.Model):
    """One thing that happened on a case. Appended, never edited or deleted (the database
    refuses both); a correction is a new event that points at the one it corrects."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Application submitted"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        MESSAGE_SENT = "message_sent", "Message sent"
        NOTE = "note", "Internal note"
        UPDATE = "update", "Update for the person"
        ASSIGNED = "assigned", "Assigned"
        TRANSFERRED = "transferred", "Moved to another team"
        REFERRED = "referred", "Referred"
        REFERRAL_ENDED = "referral_ended", "Referral ended"
        DECIDED = "decided", "Decision made"
        DECISION_CORRECTED = "decision_corrected", "Decision corrected"
        RECONSIDERATION = "reconsideration", "Asked to look at the decision again"
        TASK_ADDED = "task_added", "Task added"
        TASK_DONE = "task_done", "Task done"
        FLAGGED = "flagged", "Flag added"
        UNFLAGGED = "unflagged", "Flag removed"
        THREAD_MESSAGE = "thread_message", "Secure message"
        CLOCK_STOPPED = "clock_stopped", "Time limit paused"
        CLOCK_RESTARTED = "clock_restarted", "Time limit restarted"
        CHECK_OVERRIDDEN = "check_overridden", "Red check overridden"
        CHECKS_RUN = "checks_run", "Automated checks run"
        MESSAGE_FAILED = "message_failed", "Message not delivered"
        PAYMENT_INSTRUCTED = "payment_instructed", "Payment instructed"
        PAYMENT_CANCELLED = "payment_cancelled", "Payment cancelled"
        PAYMENT_PAID = "payment_paid", "Payment made"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_HELD = "payment_held", "Payment held"
        PAYMENT_RELEASED = "payment_released", "Payment released"
        OFFER_MADE = "offer_made", "Offer made"
        OFFER_ACCEPTED = "offer_accepted", "Offer accepted"
        OFFER_DECLINED = "offer_declined", "Offer declined"
        OFFER_EXPIRED = "offer_expired", "Offer ended unanswered"
        OFFER_WITHDRAWN = "offer_withdrawn", "Offer withdrawn"
        INFORMATION_REQUESTED = "information_requested", "More information asked for"
        INFORMATION_RECEIVED = "information_received", "More information received"
        EXPECTED_DATE_SET = "expected_date_set", "New expected date"

    # Indexed by the (case, created_at) index below.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visible_to_person = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        db_index=False,  # corrections are rare; nothing looks them up in bulk
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Case events are appended, never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Case events are appended, never deleted")


class Decision(models.Model):
    """The outcome of a case, with the reasons the person is given. Appended, never changed
    (the database refuses both UPDATE and DELETE): a decision after the person asked for a
    reconsideration is a new row pointing at the one looked at again, and a decision
    recorded in error is corrected by a new row that supersedes it."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Reason ids from the service version's list (of this outcome), worded there for the
    # person.
    reasons = models.JSONField(default=list)
    # Said to the person in the decision, in the staff member's own words.
    explanation = models.TextField(blank=True)
    # A team leader's reason for approving while a check was red.
    override_reason = models.TextField(blank=True)
    # For a service whose approvals carry an amount: what the person gets, in pence; what
    # the rules worked out when it was decided; and why the two differ, when they do.
    amount_pence = models.PositiveBigIntegerField(null=True, blank=True)
    entitlement_pence = models.PositiveBigIntegerField(null=True, blank=True)
    amount_reason = models.TextField(blank=True, db_default="")
    # The decision the person asked us to look at again, when this one is the answer.
    reconsiders = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The decision recorded in error that this one replaces (at most once), and why.
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True, db_default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_pence__isnull=True) | models.Q(outcome="approved"),
                name="decision_amount_only_on_approval",
            ),
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(correction_reason=""),
                name="decision_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Decisions are appended, never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Decisions are appended, never deleted")


class Offer(models.Model):
    """An approval the person must accept before anything is paid (a loan), with the amount
    and repayments as they were offered; the words of the terms are in the case's service
    version. Answered once: accepted or declined (by the person, someone acting for them, or
    staff recording what they said), or it ends unanswered after its last day, or it is
    withdrawn when the decision is looked at again or corrected."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Ended unanswered"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class How(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "By phone"
        IN_PERSON = "in_person", "In person"
        LETTER = "letter", "By letter"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="offers")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="offer")
    # What is offered, in pence (None for an offer that is not of money).
    amount_pence = models.PositiveBigIntegerField(null=True, blank=True)
    # A loan's repayments, worked out from the amount by the service's terms when offered.
    repay_every = models.CharField(max_length=5, blank=True)  # "week" or "month"
    repayment_count = models.PositiveIntegerField(null=True, blank=True)
    repayment_pence = models.PositiveBigIntegerField(null=True, blank=True)
    final_repayment_pence = models.PositiveBigIntegerField(null=True, blank=True)
    made_at = models.DateTimeField()
    # The last day to answer; the offer ends unanswered after it.
    accept_by = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Who gave the answer: the account that answered online, or the member of staff who
    # recorded it (then `told_by` names who told them, and `how`).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    how = models.CharField(max_length=10, choices=How.choices, blank=True)
    told_by = models.CharField(max_length=200, blank=True)
    # The person's own words, when staff took the answer (optional).
    words = models.TextField(blank=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="waiting"),
                name="one_waiting_offer_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["waiting", "accepted", "declined", "expired", "withdrawn"]
                ),
                name="offer_status_known",
            ),
            # Waiting means unanswered; everything else happened at a moment.
            models.CheckConstraint(
                condition=models.Q(status="waiting", answered_at__isnull=True)
                | (~models.Q(status="waiting") & models.Q(answered_at__isnull=False)),
                name="offer_answered_when_not_waiting",
            ),
        ]
        indexes = [
            # The worker's look for offers past their last day.
            models.Index(
                fields=["accept_by"],
                condition=models.Q(status="waiting"),
                name="offer_waiting_accept_by",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: offer {self.status}"


class InformationRequest(models.Model):
    """Specific evidence or answers we asked the person for. The case's time limit stops
    while it waits; their response (every item answered at once) starts it again. At most
    one waits on a case at a time."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for the person"
        ANSWERED = "answered", "Answered"

    # Each item: {"kind": "document" or "question", "text": what we ask, in our words}.
    ITEM_KINDS = ("document", "question")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="information_requests")
    items = models.JSONField()
    # Why we ask, said to the person (optional).
    reason = models.TextField(blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # One per item, in the same order: {"text": their answer} or {"upload": id, "name": file}.
    answers = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-asked_at", "-id"]
        constraints = [
            # A double click, or two staff at once, cannot leave two requests waiting.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="waiting"),
                name="one_waiting_information_request_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: information {self.status}"


class Task(models.Model):
    """Something someone must do on a case by a date: call the person, chase evidence."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)
    # A phone call for a notice: the message it delivers, and the words to read out.
    message_id = models.UUIDField(null=True, blank=True, unique=True)
    script = models.TextField(blank=True)

    class Meta:
        ordering = ["completed_at", "due_date", "id"]
        indexes = [
            models.Index(
                fields=["assigned_to", "due_date"],
                condition=models.Q(completed_at__isnull=True),
                name="task_open_assigned",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CaseFlag(models.Model):
    """A marker staff put on a case so it stands out in the queue."""

    class Code(models.TextChoices):
        URGENT = "urgent", "Urgent"
        VULNERABLE = "vulnerable", "Vulnerable person"
        COMPLAINT = "complaint", "Complaint"
        SAFEGUARDING = "safeguarding", "Safeguarding concern"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=20, choices=Code.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="one_flag_per_code")]
        indexes = [models.Index(fields=["code", "case"])]

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """A case shared with another organisation (a provider, or another public body), with
    the parts of the record they may see. Ending a referral takes their access away."""

    class Scope(models.TextChoices):
        PERSON = "person", "Name and contact details"
        ANSWERS = "answers", "Answers to the application"
        EVIDENCE = "evidence", "Evidence files"
        TIMELINE = "timeline", "Timeline and notes"
        MESSAGES = "messages", "Secure messages"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="referrals"
    )
    scope = models.JSONField(default=list)
    reason = models.TextField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "case"],
                condition=models.Q(ended_at__isnull=True),
                name="referral_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} to {self.organisation_id}"


class SavedQueueFilter(models.Model):
    """A member of staff's own named choice of team queue filters (and sort and page size),
    kept as the query string the queue reads. Nobody else sees it."""

    NAME_MAX_LENGTH = 60

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Saving twice under one name (a double click) keeps one.
            models.UniqueConstraint(fields=["user", "name"], name="saved_queue_filter_name")
        ]

    def __str__(self) -> str:
        return self.name
