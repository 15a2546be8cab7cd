import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class IdentityLevel(models.TextChoices):
    """How sure we are that a person is who they say, lowest first (see docs/sign-in.md)."""

    NONE = "none", "None"
    LOW = "low", "Low: controls an email address"
    MEDIUM = "medium", "Medium: two-factor sign-in (Cl.Cm)"
    HIGH = "high", "High: identity proved (Cl.Cm.P2, or documents seen in person)"


IDENTITY_LEVEL_ORDER = [level.value for level in IdentityLevel]


class IdentitySource(models.TextChoices):
    NONE = "", "None"
    EMAIL_CODE = "email_code", "Signed in with a code sent by email"
    PROVIDER_SIGN_IN = "provider_sign_in", "Signed in with a two-factor provider"
    ONLINE_PROOF = "online_proof", "Proved their identity online"
    IN_PERSON = "in_person", "Staff saw identity documents in person"
    # Checks made by a member of staff taking an application by phone or from a paper form.
    STAFF_QUESTIONS = (
        "staff_questions",
        "Answered a member of staff's questions only they would know",
    )
    STAFF_DOCUMENT = "staff_document", "A member of staff saw an identity document, not in person"


class Person(models.Model):
    """One record per human, whoever applies for them and however they contact us."""

    # The languages of the platform's own words. `language` may also be any ISO 639-1 code
    # (core.languages): the language the person wants messages in.
    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        WELSH = "cy", "Cymraeg"
        BOTH = "both", "English and Welsh (Welsh first)"

    class Channel(models.TextChoices):
        """The ways we can reach someone, in the order they prefer (`channels`)."""

        PORTAL = "portal", "Message in their account"
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        LETTER = "letter", "Letter"
        PHONE = "phone", "Phone call"

    class Format(models.TextChoices):
        STANDARD = "standard", "Standard"
        LARGE_PRINT = "large_print", "Large print"
        BRAILLE = "braille", "Braille"
        EASY_READ = "easy_read", "Easy read"
        AUDIO = "audio", "Audio"

    class Update(models.TextChoices):
        """The updates about a case a person may choose not to get. Requests for more
        information, decisions and offers always go."""

        STAGE_CHANGED = "stage_changed", "Stage changes"
        DELAY = "delay", "Delays"

    class ContactMethod(models.TextChoices):
        EMAIL = "email", gettext_lazy("Email")
        PHONE = "phone", gettext_lazy("Phone")
        LETTER = "letter", gettext_lazy("Letter")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    ni_number = models.CharField("National Insurance number", max_length=9, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    address_town = models.CharField(max_length=100, blank=True)
    address_county = models.CharField(max_length=100, blank=True)
    address_postcode = models.CharField(max_length=8, blank=True, db_index=True)
    # The email address and phone number we use now. What we know about particular values
    # (verified, used before) is kept in ContactPoint.
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    # en, cy, both (Welsh first), or any other ISO 639-1 code (see core.languages).
    language = models.CharField(max_length=4, blank=True)
    # Whether they need an interpreter to talk with us, and in which language: an ISO 639-1
    # code, or "bfi" (ISO 639-3) for British Sign Language.
    interpreter_needed = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=3, blank=True)
    accessibility_needs = models.TextField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices, blank=True)
    # How they want to hear from us: channels in order of preference (empty: worked out from
    # `preferred_contact` and what we hold), the format, and when not to text them.
    channels = models.JSONField(default=list, blank=True)
    accessible_format = models.CharField(
        max_length=12, choices=Format.choices, default=Format.STANDARD
    )
    quiet_hours_start = models.TimeField(null=True, blank=True, default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(null=True, blank=True, default=datetime.time(8, 0))
    # The optional updates (`Update`) they chose not to get; empty: they get them all.
    updates_declined = models.JSONField(default=list, blank=True)
    # Channels never to use (for example after a request, or a safeguarding concern).
    do_not_contact = models.JSONField(default=list, blank=True)
    # Some address or number of theirs has failed (a bounce, a returned letter): routing
    # then checks which. Most people never have one, so most notices skip that query.
    has_failing_contact = models.BooleanField(default=False)
    # New contact details someone else gave for them wait for a check (ContactChange);
    # the case page shows it without a query.
    has_pending_contact_change = models.BooleanField(default=False)
    # The highest level at which we know who they are, where it came from and when.
    identity_level = models.CharField(
        max_length=10, choices=IdentityLevel.choices, default=IdentityLevel.NONE
    )
    identity_source = models.CharField(
        max_length=20, choices=IdentitySource.choices, blank=True, default=IdentitySource.NONE
    )
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["ni_number"]),
        ]

    def __str__(self) -> str:
        return self.full_name or f"Person {self.public_id}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def postal_address(self) -> str:
        """Name and address as they go on an envelope, a line each (empty lines left out)."""
        lines = (
            self.full_name,
            self.address_line_1,
            self.address_line_2,
            self.address_town,
            self.address_county,
            self.address_postcode,
        )
        return "\n".join(line for line in lines if line)


class ContactPoint(models.Model):
    """What we know about one of a person's email addresses or phone numbers: verified (an
    address used to sign in), and whether it is the one in use now (`is_primary`)."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        ADDRESS = "address", "Postal address"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)
    is_primary = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    # A bounce, a returned letter or an unknown number: when, and what the provider said.
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "value"], name="contact_point_unique"
            ),
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(is_primary=True),
                name="one_primary_contact_point_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class PersonChange(models.Model):
    """One change to a person's record: which fields, from what to what, who and why.
    Appended, never edited (the database refuses both UPDATE and DELETE)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    # {"field": [old value, new value], ...}, as text so the history reads the same forever.
    fields = models.JSONField()
    # PROTECT: history keeps who acted, so an account that acted is deactivated, not deleted.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{', '.join(self.fields)} changed on {self.created_at:%Y-%m-%d}"


class ContactChange(models.Model):
    """New contact details (email address, phone number, postal address) given for a person
    by someone else, such as a member of staff taking an application by phone. They are
    kept here, not on the record, until the person confirms them with a code sent to a
    contact point already on the record (which they read out), or a team leader approves
    them with a reason. Until then notices use the details on the record."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a check"
        APPLIED = "applied", "Checked and applied"
        KEPT = "kept", "The details on record were kept"
        SUPERSEDED = "superseded", "Replaced by a later change"

    class How(models.TextChoices):
        CODE_EMAIL = "code_email", "A code sent to the email address on record"
        CODE_SMS = "code_sms", "A code sent to the mobile number on record"
        TEAM_LEADER = "team_leader", "Approved by a team leader with a reason"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_changes")
    # {"email": [old, new], "phone": [old, new], "address": [{old parts}, {new parts}]}
    fields = models.JSONField()
    # Why they were given, e.g. "Given while applying for Budgeting Loan (BL-…), by phone".
    reason = models.CharField(max_length=500)
    case_reference = models.CharField(max_length=20, blank=True, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # The latest code: a keyed hash only, where it went (email or sms), and its limits.
    code_hash = models.CharField(max_length=64, blank=True)
    code_channel = models.CharField(max_length=10, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failed_attempts = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    how = models.CharField(max_length=12, choices=How.choices, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["person"],
                condition=models.Q(status="pending"),
                name="contact_change_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.fields)} for {self.person} ({self.status})"


class Representative(models.Model):
    """Someone with authority to act for a person: given by the person in the portal, or a
    legal authority (appointee, power of attorney) recorded by staff. They sign in as
    themselves and see only what the scope covers, until the end date or until revoked."""

    # Labels in the reader's language (the workspace and the portal both show them).
    class Relationship(models.TextChoices):
        CARER = "carer", gettext_lazy("Carer")
        APPOINTEE = "appointee", gettext_lazy("Appointee")
        ADVOCATE = "advocate", gettext_lazy("Advocate")
        POWER_OF_ATTORNEY = "power_of_attorney", gettext_lazy("Power of attorney")
        FAMILY = "family", gettext_lazy("Family member or friend")

    class Scope(models.TextChoices):
        VIEW = "view", gettext_lazy("See applications, their progress and decisions")
        MESSAGES = "messages", gettext_lazy("Read and send secure messages")
        ACT = (
            "act",
            gettext_lazy("Apply, answer questions and ask for a decision to be looked at again"),
        )

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="representatives")
    # The representative's sign-in address; their account is found by it when they sign in.
    email = models.EmailField()
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    scope = models.JSONField(default=list)
    ends_on = models.DateField(null=True, blank=True)
    # A legal authority seen by staff (a DWP appointee, a registered power of attorney).
    legal_authority = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["email"],
                condition=models.Q(revoked_at__isnull=True),
                name="representative_active_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} for {self.person}"
