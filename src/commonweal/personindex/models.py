"""Person index: one record per person across systems: data and simple invariants.

Records imported from other systems (`SourceRecord`) are linked into clusters; each cluster
is an `IndexPerson`, whose id stays the same from one linkage run to the next (merges and
splits are recorded in `IdentityChange`). Index people are their own id space: most of them
have never applied for anything, so they are not `people.Person` rows; an index person is
tied to a `Person` when a record of the platform's own is in its cluster.
"""

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One file imported from one source system, with what was refused and why, and the
    fields set aside on the records kept."""

    source = models.CharField(max_length=60)
    file_name = models.CharField(max_length=300)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [{"line": 12, "reason": "..."}], the first thousand; `rejected` counts them all.
    errors = models.JSONField(default=list, blank=True)
    # Fields set aside on the rows kept, counted by field and reason:
    # {"date_of_birth": {"not a possible date": 3}}.
    set_aside = models.JSONField(default=dict, blank=True)
    # [{"line": 12, "field": "postcode", "reason": "..."}], the first thousand.
    set_aside_lines = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name}"


class SourceRecord(models.Model):
    """A person as another system holds them, normalised for linkage: names upper-cased
    without accents, the postcode in its standard form, digits only for phones. Empty
    values are NULL, so the linkage never counts two blanks as agreeing; so are values that
    could not be used, which are kept as given in `set_aside`."""

    id = models.BigAutoField(primary_key=True)
    source = models.CharField(max_length=60)
    source_id = models.CharField(max_length=100)
    given_name = models.CharField(max_length=200, null=True)  # noqa: DJ001
    family_name = models.CharField(max_length=200, null=True)  # noqa: DJ001
    date_of_birth = models.DateField(null=True)
    postcode = models.CharField(max_length=8, null=True)  # noqa: DJ001
    address_line_1 = models.CharField(max_length=200, null=True)  # noqa: DJ001
    town = models.CharField(max_length=100, null=True)  # noqa: DJ001
    ni_number = models.CharField(max_length=9, null=True)  # noqa: DJ001
    email = models.CharField(max_length=254, null=True)  # noqa: DJ001
    phone = models.CharField(max_length=20, null=True)  # noqa: DJ001
    # Columns of the source file beyond the standard ones, kept as they came.
    extra = models.JSONField(default=dict, blank=True)
    # Fields that could not be used (not a date, not a UK postcode...), left out of the
    # linkage and kept here as given: {"date_of_birth": {"raw": "31/02/80", "reason": "..."}}.
    set_aside = models.JSONField(default=dict, blank=True)
    # No database constraint: checking a million of these at commit costs seconds, and
    # only the import (services.records_import) writes it, with the batch it just made.
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="source_record_unique")
        ]
        # The blocking keys a single new record is scored by (see scoring.py).
        indexes = [
            models.Index(fields=["ni_number"], name="source_record_ni"),
            models.Index(fields=["date_of_birth"], name="source_record_dob"),
            models.Index(fields=["postcode", "family_name"], name="source_record_postcode"),
            models.Index(fields=["email"], name="source_record_email"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


class RecordLink(models.Model):
    """Which index person a record belongs to since the last linkage run (no row before
    the first). A narrow table of its own, because a run rewrites up to millions of these
    at once: rewriting the wide, many-indexed record rows cost ten times as much.
    No database constraints, for the same reason: only the linkage run writes here, always
    to records and people that exist (records are never deleted)."""

    record = models.OneToOneField(
        SourceRecord,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        related_name="link",
        db_constraint=False,
    )
    person = models.ForeignKey(
        "IndexPerson",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        indexes = [models.Index(fields=["person"], name="record_link_person")]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.person_id}"


class LinkRun(models.Model):
    """One run of the linkage: the model it trained (Splink settings with m and u
    probabilities, used to score new applications until the next run) and what changed."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    records = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveBigIntegerField(default=0)
    match_threshold = models.FloatField()
    review_threshold = models.FloatField()
    model = models.JSONField(default=dict)
    # {"merges": n, "splits": n, "moves": n, "new_people": n, "timings": {...}}
    summary = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Linkage run {self.pk}"


class IndexPerson(models.Model):
    """One person as the index knows them: a cluster of source records with an id that
    outlives linkage runs."""

    # A run makes up to a million at once, on the server, so these carry no database
    # constraint or index of their own (only the linkage run writes them).
    id = models.BigAutoField(primary_key=True)
    created_run = models.ForeignKey(
        LinkRun,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Set when a run left this id without records (merged into another person).
    retired_run = models.ForeignKey(
        LinkRun,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    def __str__(self) -> str:
        return f"Index person {self.pk}"


class IdentityChange(models.Model):
    """Records moving between index people in a run: a merge (the other id retired), a
    split (a new id minted for part of a person) or a move between two people who both
    remain. Appended, never edited."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Merge"
        SPLIT = "split", "Split"
        MOVE = "move", "Move"

    run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    from_person = models.ForeignKey(IndexPerson, on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey(IndexPerson, on_delete=models.PROTECT, related_name="+")
    records_moved = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.kind} {self.from_person_id} → {self.to_person_id}"


class ReviewPair(models.Model):
    """Two records the linkage was unsure about, for a caseworker to confirm (the same
    person) or reject (different people). Decisions bind every later run."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        CONFIRMED = "confirmed", "Same person"
        REJECTED = "rejected", "Different people"

    # record_a.id < record_b.id, so a pair is stored once.
    record_a = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    run = models.ForeignKey(LinkRun, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="review_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(record_a__lt=models.F("record_b")), name="review_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-match_probability"], name="review_pair_queue")]

    def __str__(self) -> str:
        return f"{self.record_a_id} ~ {self.record_b_id} ({self.status})"
