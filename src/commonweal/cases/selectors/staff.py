"""Reads for the staff workspace: queues, search, my work, workload and the case page.

Every read takes the member of staff's `StaffContext` and filters in SQL to the cases they
may see (their teams' cases; every case of their organisation for service owners and
administrators; cases referred to their organisation). Lists cost a fixed number of queries
whatever the number of rows: the rows, their flags, and the service definitions.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from commonweal.catalogue import selectors as catalogue
from commonweal.core.references import normalise_reference
from commonweal.core.uk import normalise_ni_number, normalise_postcode
from commonweal.core.working_days import add_working_days
from commonweal.people import selectors as people_selectors

from ..models import Case, CaseEvent, CaseFlag, Decision, Referral, Task
from ..registry import CHECK_READS

if TYPE_CHECKING:
    from commonweal.organisations.selectors import StaffContext

PAGE_SIZE = 50
# The queue shows 50 cases a page, or 100 by choice; nothing else is accepted.
PER_PAGE_CHOICES = (50, 100)
# The queue counts its cases up to this many (its pages go as far), then says "more than".
QUEUE_COUNT_LIMIT = 10_000
# A name search looks at this many matching people at most (a common surname matches
# thousands; the list says when there may be more).
SEARCH_PEOPLE_LIMIT = 250

DUE_STATES = ("on_track", "at_risk", "overdue", "paused")
SORTS = {
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
}
# Flags worked out from the case rather than set by hand.
DERIVED_FLAGS = ("unanswered", "red_check", "reconsideration")


def _today() -> datetime.date:
    return timezone.localdate()


def at_risk_until(today: datetime.date) -> datetime.date:
    """Open cases due on or before this day (and not yet overdue) are at risk."""
    return add_working_days(today, settings.COMMONWEAL_AT_RISK_WORKING_DAYS)


def due_state(case: Case, today: datetime.date | None = None) -> str:
    today = today or _today()
    if case.clock_stopped_on is not None:
        return "paused"
    if case.due_date < today:
        return "overdue"
    if case.due_date <= at_risk_until(today):
        return "at_risk"
    return "on_track"


def _due_state_q(state: str, today: datetime.date) -> Q:
    running = Q(clock_stopped_on__isnull=True)
    if state == "paused":
        return Q(clock_stopped_on__isnull=False)
    if state == "overdue":
        return running & Q(due_date__lt=today)
    if state == "at_risk":
        return running & Q(due_date__gte=today, due_date__lte=at_risk_until(today))
    return running & Q(due_date__gt=at_risk_until(today))


def _active_referral(context: StaffContext) -> Exists:
    return Exists(
        Referral.objects.filter(
            case_id=OuterRef("pk"),
            organisation_id__in=context.organisation_ids,
            ended_at__isnull=True,
        )
    )


def _has_referrals(context: StaffContext) -> bool:
    """Whether any case is referred to this person's organisations now (asked once per
    request): without any, the referral branch is left out of every filter, which lets
    PostgreSQL use the team indexes instead of testing each case."""
    cache = context.cache
    if "has_referrals" not in cache:
        cache["has_referrals"] = Referral.objects.filter(
            organisation_id__in=context.organisation_ids, ended_at__isnull=True
        ).exists()
    return cache["has_referrals"]


def case_access_q(context: StaffContext, *, referrals: bool = True) -> Q:
    """The cases this member of staff may open, as one filter (without the cases referred
    to their organisation when `referrals` is false)."""
    if not context.is_staff:
        return Q(pk__in=[])
    allowed = Q(team_id__in=context.work_team_ids)
    if context.organisation_wide_ids:
        allowed |= Q(team__organisation_id__in=context.organisation_wide_ids)
    if referrals and _has_referrals(context):
        allowed |= Q(_active_referral(context))
    return allowed


def administered_cases(*, context: StaffContext) -> QuerySet[Case]:
    """The cases an administrator sees in the staff admin, as a queryset to filter other
    rows by (a subquery): the workspace's rule for their administrator memberships, which
    is every case of the organisations they administer. Cases only referred to them are
    left out: a referral shares some parts of a case, and the admin shows whole records."""
    return Case.objects.filter(case_access_q(context.administering(), referrals=False))


# The columns a list row shows (workspace/lists.py's `case_rows`) and `_shape` reads: only
# these are fetched, so a page of 100 rows does not decode every column of five tables.
ROW_FIELDS = (
    "reference",
    "person_id",
    "service_id",
    "version_id",
    "team_id",
    "stage",
    "opened_at",
    "due_date",
    "closed_at",
    "clock_stopped_on",
    "assigned_to_id",
    "awaiting_reply_since",
    "person__given_name",
    "person__family_name",
    "person__date_of_birth",
    "person__address_postcode",
    "version__updated_at",  # with its id, the key of the parsed definition's cache
    "assigned_to__display_name",
    "assigned_to__email",
)


def _rows(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """The columns a list row shows, with the joins that keep it to one query."""
    return (
        queryset.select_related("person", "version", "assigned_to")
        .only(*ROW_FIELDS)
        .annotate(has_red_check=CHECK_READS.get("red-check-exists")())
        .prefetch_related(Prefetch("flags", queryset=CaseFlag.objects.order_by("code")))
    )


@dataclass(frozen=True)
class CaseRow:
    case: Case
    stage_title: object
    service_name: object  # the plain name ("Budgeting Loan"), in both languages
    due_state: str
    flags: list[str]


def _shape(cases: list[Case]) -> list[CaseRow]:
    catalogue.definitions_for([case.version for case in cases])
    today = _today()
    rows = []
    for case in cases:
        definition = catalogue.definition_for(case.version)
        stage = definition.stage(case.stage)
        flags = [flag.code for flag in case.flags.all()]
        if case.awaiting_reply_since:
            flags.append("unanswered")
        if getattr(case, "has_red_check", False):
            flags.append("red_check")
        if stage is not None and stage.review and case.closed_at is None:
            flags.append("reconsideration")
        rows.append(
            CaseRow(
                case=case,
                stage_title=stage.title if stage else None,
                service_name=definition.name,
                due_state="closed" if case.closed_at else due_state(case, today),
                flags=flags,
            )
        )
    return rows


@dataclass
class QueueFilters:
    team: int | None = None
    service: str = ""
    stage: str = ""
    due: str = ""
    assigned: str = ""  # "", "me", "nobody", "anyone", or a user id
    flag: str = ""
    sort: str = "due"
    page: int = 1
    per_page: int = PAGE_SIZE

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueueFilters:
        """Read filters from a query string; anything unrecognised is ignored, not an error."""

        def number(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        filters = cls(
            team=number("team"),
            service=params.get("service", "")[:60],
            stage=params.get("stage", "")[:60],
            due=params.get("due", "") if params.get("due", "") in DUE_STATES else "",
            assigned=params.get("assigned", "")[:12],
            flag=params.get("flag", "")[:20],
            sort=params.get("sort", "due") if params.get("sort", "due") in SORTS else "due",
            page=max(1, number("page") or 1),
            per_page=next((n for n in PER_PAGE_CHOICES if n == number("per_page")), PAGE_SIZE),
        )
        if (
            filters.assigned not in ("", "me", "nobody", "anyone")
            and not filters.assigned.isdigit()
        ):
            filters.assigned = ""
        return filters

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters, leaving out those at their default and the page
        number: what a saved filter keeps and the sort and page-size links carry."""
        # The team always: without it the queue opens at the person's first team, while
        # an empty one means all their teams.
        query: dict[str, str] = {"team": "" if self.team is None else str(self.team)}
        for name in ("service", "stage", "due", "assigned", "flag"):
            if getattr(self, name):
                query[name] = getattr(self, name)
        if self.sort != "due":
            query["sort"] = self.sort
        if self.per_page != PAGE_SIZE:
            query["per_page"] = str(self.per_page)
        return query


@dataclass
class QueuePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    filters: QueueFilters
    teams: list = field(default_factory=list)
    # More open cases match than the queue counts (QUEUE_COUNT_LIMIT): `total` is the limit.
    more: bool = False


def _filtered(context: StaffContext, filters: QueueFilters) -> QuerySet[Case]:
    if filters.team is not None and filters.team in context.work_team_ids:
        # A team of one's own: every case in it may be seen, and the plain condition
        # lets the database walk the team's queue index.
        cases = Case.objects.filter(team_id=filters.team, closed_at__isnull=True)
    else:
        cases = Case.objects.filter(case_access_q(context), closed_at__isnull=True)
        if filters.team is not None:
            cases = cases.filter(team_id=filters.team)
    if filters.service:
        published = catalogue.published_service(slug=filters.service)
        if published:
            cases = cases.filter(service_id=published.service.pk)
        else:
            cases = cases.filter(service_id__isnull=True)  # no such service: no case
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    if filters.due:
        cases = cases.filter(_due_state_q(filters.due, _today()))
    if filters.assigned == "me":
        cases = cases.filter(assigned_to_id=context.user_id)
    elif filters.assigned == "nobody":
        cases = cases.filter(assigned_to__isnull=True)
    elif filters.assigned == "anyone":
        cases = cases.filter(assigned_to__isnull=False)
    elif filters.assigned.isdigit():
        cases = cases.filter(assigned_to_id=int(filters.assigned))
    if filters.flag == "unanswered":
        cases = cases.filter(awaiting_reply_since__isnull=False)
    elif filters.flag == "red_check":
        cases = cases.filter(CHECK_READS.get("red-check-exists")())
    elif filters.flag == "reconsideration":
        cases = cases.filter(_at_review_stage_q())
    elif filters.flag in CaseFlag.Code.values:
        cases = cases.filter(
            Exists(CaseFlag.objects.filter(case_id=OuterRef("pk"), code=filters.flag))
        )
    return cases


def _at_review_stage_q() -> Q:
    """Cases at their service version's review stage: what the rows flag "reconsideration"
    (the queue holds open cases only)."""
    at_review = Q(pk__in=[])
    for stage_id, version_ids in catalogue.review_stage_versions().items():
        at_review |= Q(stage=stage_id, version_id__in=version_ids)
    return at_review


def queue_rows_queryset(*, context: StaffContext, filters: QueueFilters) -> QuerySet[Case]:
    """The queue's rows in order, before paging (the benchmark times this bare)."""
    return _filtered(context, filters).order_by(*SORTS[filters.sort])


def queue_page(
    *, context: StaffContext, filters: QueueFilters, page_size: int | None = None
) -> QueuePage:
    """One page of the open cases matching the filters (`filters.per_page` of them unless
    `page_size` says otherwise), and how many there are."""
    page_size = page_size or filters.per_page
    cases = _filtered(context, filters)
    # Counting every open case of a big team costs more than the page of rows (84,915 open
    # cases: 4 to 6 ms on PostgreSQL, against under 1 ms to count the first 10,001), so the
    # queue counts up to QUEUE_COUNT_LIMIT and then says "more than".
    counted = cases[: QUEUE_COUNT_LIMIT + 1].count()
    total = min(counted, QUEUE_COUNT_LIMIT)
    pages = max(1, -(-total // page_size))
    page = min(filters.page, pages)
    start = (page - 1) * page_size
    rows = list(_rows(cases.order_by(*SORTS[filters.sort]))[start : start + page_size])
    return QueuePage(
        rows=_shape(rows),
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        more=counted > QUEUE_COUNT_LIMIT,
    )


# Search

_REFERENCE = re.compile(r"^[A-Z]{2,3}-?[A-Z0-9]{4}-?[A-Z0-9]{4}$", re.IGNORECASE)
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class SearchResult:
    query: str
    kind: str  # reference, ni_number, postcode, date_of_birth, name, empty
    rows: list[CaseRow]
    more: bool


def _as_date(text: str) -> datetime.date | None:
    match = _DATE_DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _DATE_ISO.match(text)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _search_q(text: str) -> tuple[str, Q]:
    """What the text looks like, and the filter for it. Each kind uses an index."""
    compact = re.sub(r"\s+", "", text).upper()
    if _REFERENCE.match(compact):
        return "reference", Q(reference=normalise_reference(compact) or compact)
    ni_number = normalise_ni_number(text)
    if ni_number:
        return "ni_number", Q(person__ni_number=ni_number)
    postcode = normalise_postcode(text)
    if postcode:
        return "postcode", Q(person__address_postcode=postcode)
    born = _as_date(text.strip())
    if born:
        return "date_of_birth", Q(person__date_of_birth=born)
    # A name: every word must start or appear in the given or family name. On PostgreSQL
    # trigram indexes (workspace migration 0001) serve these; SQLite scans.
    words = [word for word in re.split(r"[\s,]+", text) if word][:4]
    # The people first (a bounded set, through the trigram indexes), then their cases:
    # one query, which PostgreSQL cannot turn into a walk of every case in date order.
    people = people_selectors.people_named(words=words, limit=SEARCH_PEOPLE_LIMIT)
    return "name", Q(person_id__in=people)


def case_search(*, context: StaffContext, text: str, limit: int = PAGE_SIZE) -> SearchResult:
    """Cases (open first, then newest) matching a reference, NI number, postcode, date of
    birth or name, among those the member of staff may see."""
    text = (text or "").strip()[:100]
    if len(text) < 2:
        return SearchResult(text, "empty", [], False)
    kind, matching = _search_q(text)
    cases = Case.objects.filter(case_access_q(context)).filter(matching)
    found = list(_rows(cases.order_by("-opened_at", "-id"))[: limit + 1])
    return SearchResult(text, kind, _shape(found[:limit]), len(found) > limit)


# My work and workload


@dataclass(frozen=True)
class MyWork:
    cases: list[CaseRow]
    cases_total: int
    tasks: list[Task]
    unanswered: list[CaseRow]


def my_work(*, context: StaffContext, limit: int = PAGE_SIZE) -> MyWork:
    mine = Case.objects.filter(
        case_access_q(context), assigned_to_id=context.user_id, closed_at__isnull=True
    )
    tasks = list(
        Task.objects.filter(assigned_to_id=context.user_id, completed_at__isnull=True)
        .filter(case__in=Case.objects.filter(case_access_q(context)))
        .select_related("case")
        .order_by("due_date", "id")[:limit]
    )
    unanswered = Case.objects.filter(
        case_access_q(context),
        closed_at__isnull=True,
        awaiting_reply_since__isnull=False,
    ).filter(Q(assigned_to_id=context.user_id) | Q(assigned_to__isnull=True))
    return MyWork(
        cases=_shape(list(_rows(mine.order_by("due_date", "id"))[:limit])),
        cases_total=mine.count(),
        tasks=tasks,
        unanswered=_shape(list(_rows(unanswered.order_by("awaiting_reply_since", "id"))[:limit])),
    )


@dataclass(frozen=True)
class MemberLoad:
    user_id: int
    name: str
    open: int
    at_risk: int
    overdue: int


@dataclass(frozen=True)
class Workload:
    team: object
    members: list[MemberLoad]
    unassigned: int
    due_this_week: list[CaseRow]


def team_workload(*, context: StaffContext, team_id: int) -> Workload | None:
    """Open cases per member of the team, and the cases due by the end of this week; for
    the team's leaders only."""
    if not context.leads(team_id):
        return None
    from commonweal.organisations import selectors as organisations

    team = next((team for team in context.teams if team.pk == team_id), None)
    today = _today()
    risk_until = at_risk_until(today)
    running = Q(clock_stopped_on__isnull=True)
    counts = (
        Case.objects.filter(team_id=team_id, closed_at__isnull=True)
        .values("assigned_to_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=running & Q(due_date__lt=today)),
            at_risk=Count("pk", filter=running & Q(due_date__gte=today, due_date__lte=risk_until)),
        )
    )
    by_member = {row["assigned_to_id"]: row for row in counts}
    members = []
    for membership in organisations.team_members(team_ids=[team_id]):
        row = by_member.get(membership.user_id, {})
        members.append(
            MemberLoad(
                user_id=membership.user_id,
                name=str(membership.user),
                open=row.get("open", 0),
                at_risk=row.get("at_risk", 0),
                overdue=row.get("overdue", 0),
            )
        )
    end_of_week = today + datetime.timedelta(days=6 - today.weekday())
    due = Case.objects.filter(
        team_id=team_id,
        closed_at__isnull=True,
        clock_stopped_on__isnull=True,
        due_date__lte=end_of_week,
    )
    return Workload(
        team=team,
        members=members,
        unassigned=by_member.get(None, {}).get("open", 0),
        due_this_week=_shape(list(_rows(due.order_by("due_date", "id"))[:200])),
    )


# The case page


@dataclass
class CasePage:
    case: Case
    definition: object
    # None when the member of staff sees the whole case; otherwise the referral's parts.
    scope: set[str] | None
    can_act: bool
    leads: bool
    due_state: str
    events: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    check_results: list = field(default_factory=list)
    representatives: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    # What other apps hold about the case, filled by the workspace when it shows the case
    # page: the secure messages thread, the evidence, the notices and letters sent.
    thread: list = field(default_factory=list)
    uploads: list = field(default_factory=list)
    messages: list = field(default_factory=list)

    def sees(self, part: str) -> bool:
        return self.scope is None or part in self.scope


def case_for_staff(
    *, context: StaffContext, reference: str, parts: Collection[str] | None = None
) -> CasePage | None:
    """Everything the case page shows, or None when the case does not exist or is not one
    this member of staff may see (the same answer for both). `parts` narrows what is read
    beyond the case to those named ("timeline", "referrals", "decisions", "checks",
    "person"), for a section of the case page that shows only them; None reads them all."""

    def wanted(part: str) -> bool:
        return parts is None or part in parts

    case = (
        Case.objects.filter(case_access_q(context), reference=reference)
        .select_related(
            "person", "service", "version", "team__organisation", "assigned_to", "application"
        )
        .first()
    )
    if case is None:
        return None
    full = case.team_id in context.work_team_ids or (
        case.team is not None and case.team.organisation_id in context.organisation_wide_ids
    )
    scope = None
    if not full:
        scope = set()
        for parts in Referral.objects.filter(
            case=case, organisation_id__in=context.organisation_ids, ended_at__isnull=True
        ).values_list("scope", flat=True):
            scope |= set(parts)
    definition = catalogue.definition_for(case.version)
    page = CasePage(
        case=case,
        definition=definition,
        scope=scope,
        can_act=full,
        leads=context.leads(case.team_id),
        due_state="closed" if case.closed_at else due_state(case),
        flags=[flag.code for flag in CaseFlag.objects.filter(case=case)],
    )
    if page.sees("timeline") and wanted("timeline"):
        page.events = list(
            CaseEvent.objects.filter(case=case)
            .select_related("actor", "on_behalf_of")
            .order_by("-created_at", "-id")
        )
        page.tasks = list(
            Task.objects.filter(case=case).select_related("assigned_to", "completed_by")
        )
    if wanted("referrals"):
        page.referrals = list(
            Referral.objects.filter(case=case)
            .select_related("organisation", "referred_by")
            .order_by("-created_at")
        )
    if wanted("decisions"):
        page.decisions = list(Decision.objects.filter(case=case).select_related("decided_by"))
    if full and wanted("checks"):
        page.check_results = CHECK_READS.get("current-results")(case_id=case.pk)
    if page.sees("person") and wanted("person"):
        from commonweal.people import selectors as people_selectors

        page.representatives = people_selectors.representatives_of(person=case.person)
    return page


def any_cases() -> bool:
    return Case.objects.exists()


def bulk_recipients(
    *, context: StaffContext, service_id: int, stage: str = "", open_only: bool = True
) -> QuerySet[Case]:
    """The cases a bulk message goes to: those of a service the member of staff's
    organisation holds (not referred ones), optionally at one stage and still open."""
    cases = Case.objects.filter(service_id=service_id)
    teams = Q(team_id__in=context.work_team_ids)
    if context.organisation_wide_ids:
        teams |= Q(team__organisation_id__in=context.organisation_wide_ids)
    cases = cases.filter(teams)
    if stage:
        cases = cases.filter(stage=stage)
    if open_only:
        cases = cases.filter(closed_at__isnull=True)
    return cases


def case_person_details(*, case_id: int) -> Mapping[str, Any] | None:
    """The details of a case's person that matching needs (the person index's check), as
    `person__<field>` values; one query, None when there is no such case."""
    return (
        Case.objects.filter(pk=case_id)
        .values(
            "person_id",
            "person__given_name",
            "person__family_name",
            "person__date_of_birth",
            "person__ni_number",
            "person__address_postcode",
            "person__address_line_1",
            "person__email",
            "person__phone",
        )
        .first()
    )


# The parts of a case a referral can share besides the summary, in the order they are shown.
REFERRAL_SCOPES = tuple(Referral.Scope.values)


def case_by_id(*, case_id: int) -> Case | None:
    """A case by its id, for work other apps do on it (a task after a consent answer)."""
    return Case.objects.filter(pk=case_id).only("id", "team_id", "closed_at").first()


def case_referred_to(*, case_id: int, organisation_id: int) -> bool:
    """Whether the case is referred to the organisation now."""
    return Referral.objects.filter(
        case_id=case_id, organisation_id=organisation_id, ended_at__isnull=True
    ).exists()
