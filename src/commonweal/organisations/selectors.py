"""Who a member of staff is at work: their teams, organisations and roles.

Read once per request (one query) and passed to the case selectors, which turn it into a
filter in SQL, so no list checks permissions row by row."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from .models import Membership, Role, Team
from .models import Organisation as Organisation  # for other apps' hints

# Roles that see every case of their organisation, not only their own teams'.
ORGANISATION_WIDE_ROLES = {Role.SERVICE_OWNER, Role.ADMINISTRATOR}
# Roles that can override a red check, see workload and assign to others.
LEADING_ROLES = {Role.TEAM_LEADER, Role.SERVICE_OWNER, Role.ADMINISTRATOR}


@dataclass(frozen=True)
class StaffContext:
    user_id: int
    # team id -> role there
    roles: dict[int, str] = field(default_factory=dict)
    # team id -> organisation id
    team_organisations: dict[int, int] = field(default_factory=dict)
    teams: tuple[Team, ...] = ()
    # Answers worked out once per request by the readers that use this context.
    cache: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def organisation_ids(self) -> set[int]:
        return set(self.team_organisations.values())

    @property
    def work_team_ids(self) -> set[int]:
        """Teams whose queue this person works (provider staff have no queue of their own)."""
        return {team for team, role in self.roles.items() if role != Role.PROVIDER_STAFF}

    @property
    def organisation_wide_ids(self) -> set[int]:
        return {
            self.team_organisations[team]
            for team, role in self.roles.items()
            if role in ORGANISATION_WIDE_ROLES
        }

    @property
    def led_team_ids(self) -> set[int]:
        return {team for team, role in self.roles.items() if role in LEADING_ROLES}

    def leads(self, team_id: int | None) -> bool:
        """Team leader (or above) for this team, or organisation-wide for its organisation."""
        if team_id is None:
            return False
        if team_id in self.led_team_ids:
            return True
        organisation = self.team_organisations.get(team_id)
        return organisation is not None and organisation in self.organisation_wide_ids

    @property
    def is_leader(self) -> bool:
        return bool(self.led_team_ids)

    @property
    def administered_organisation_ids(self) -> set[int]:
        """Organisations in which this person is an administrator (what the staff admin
        goes by)."""
        return {
            self.team_organisations[team]
            for team, role in self.roles.items()
            if role == Role.ADMINISTRATOR
        }

    def administering(self) -> StaffContext:
        """The same person with only their administrator memberships: what they may see in
        the staff admin, where their other roles give nothing."""
        teams = {team for team, role in self.roles.items() if role == Role.ADMINISTRATOR}
        return StaffContext(
            user_id=self.user_id,
            roles={team: self.roles[team] for team in teams},
            team_organisations={team: self.team_organisations[team] for team in teams},
            teams=tuple(team for team in self.teams if team.pk in teams),
        )


def staff_context(*, user: AbstractBaseUser | AnonymousUser) -> StaffContext:
    if not user.is_authenticated:
        return StaffContext(user_id=0)
    memberships = list(
        # By id: the user model lives in accounts, above this layer.
        Membership.objects.filter(user_id=user.pk)
        .select_related("team__organisation")
        .order_by("pk")
    )
    return StaffContext(
        user_id=user.pk,
        roles={m.team_id: m.role for m in memberships},
        team_organisations={m.team_id: m.team.organisation_id for m in memberships},
        teams=tuple(m.team for m in memberships),
    )


_SERVICE_TEAMS_SECONDS = 30
_service_teams: dict[int, tuple[float, int | None]] = {}


def team_for_service(*, service_id: int) -> int | None:
    """The team new applications for a service go to (the first that handles it); kept
    for half a minute per process, as teams change rarely and every submission asks."""
    import time

    now = time.monotonic()
    cached = _service_teams.get(service_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    team_id = (
        Team.objects.filter(services=service_id).order_by("pk").values_list("pk", flat=True).first()
    )
    _service_teams[service_id] = (now + _SERVICE_TEAMS_SECONDS, team_id)
    return team_id


def service_teams_cache_clear() -> None:
    _service_teams.clear()


def service_ids_handled_by(*, organisation_ids: Collection[int]) -> set[int]:
    """The services any team of these organisations handles (one query): what their staff
    may take an application for, by phone, in person or from a paper form."""
    if not organisation_ids:
        return set()
    return set(
        Team.services.through.objects.filter(
            team__organisation_id__in=organisation_ids
        ).values_list("service_id", flat=True)
    )


def team_members(*, team_ids: Collection[int]) -> list[Membership]:
    """Staff in these teams who can be given cases, by name."""
    return list(
        Membership.objects.filter(team_id__in=team_ids)
        .exclude(role=Role.PROVIDER_STAFF)
        .select_related("user", "team")
        .order_by("user__display_name", "user__email")
    )


def staff_of_organisations(*, organisation_ids: Collection[int]) -> QuerySet[Membership, int]:
    """The ids of everyone with a membership in these organisations' teams, as a subquery
    (the staff admin's accounts and holds filter by it)."""
    return Membership.objects.filter(team__organisation_id__in=organisation_ids).values_list(
        "user_id", flat=True
    )


def member_id_by_email(*, organisation_id: int, email: str) -> int | None:
    """The account id of a member of staff (not a provider's) in one of the organisation's
    teams, by their email address; None when there is no such member."""
    return (
        Membership.objects.filter(
            team__organisation_id=organisation_id, user__email__iexact=(email or "").strip()
        )
        .exclude(role=Role.PROVIDER_STAFF)
        .values_list("user_id", flat=True)
        .first()
    )


def is_team_member(*, user_id: int, team_id: int) -> bool:
    return (
        Membership.objects.filter(user_id=user_id, team_id=team_id)
        .exclude(role=Role.PROVIDER_STAFF)
        .exists()
    )


def teams_for_transfer(*, organisation_ids: Collection[int]) -> list[Team]:
    """Teams a case can be moved to: any team in the same organisations."""
    return list(
        Team.objects.filter(organisation_id__in=organisation_ids).select_related("organisation")
    )


def organisations_for_referral(*, exclude_ids: Collection[int]) -> list[Organisation]:
    return list(Organisation.objects.exclude(pk__in=exclude_ids).order_by("name"))


def organisation(*, organisation_id: int) -> Organisation | None:
    return Organisation.objects.filter(pk=organisation_id).first()


def organisation_by_slug(*, slug: str) -> Organisation | None:
    return Organisation.objects.filter(slug=slug).first()


def integration_context(*, organisation_id: int, user_id: int) -> StaffContext:
    """What an integration (an API key) may do: work every team's cases in its
    organisation, as a caseworker would (never overriding a red check)."""
    teams = list(Team.objects.filter(organisation_id=organisation_id))
    return StaffContext(
        user_id=user_id,
        roles={team.pk: Role.CASEWORKER for team in teams},
        team_organisations={team.pk: organisation_id for team in teams},
        teams=tuple(teams),
    )


_team_organisations: dict[int, int] = {}


def organisation_of_team(*, team_id: int) -> int:
    """A team's organisation (a team never moves between organisations; kept per process)."""
    if team_id not in _team_organisations:
        _team_organisations[team_id] = (
            Team.objects.filter(pk=team_id).values_list("organisation_id", flat=True).get()
        )
    return _team_organisations[team_id]


def caches_clear() -> None:
    """Forget what this process remembered about teams (tests, and after admin changes)."""
    _service_teams.clear()
    _team_organisations.clear()


def organisations_of_service(*, service_id: int) -> set[int]:
    """The organisations whose teams handle a service (one query): whose service owners
    and administrators look after its versions and its life."""
    return set(
        Team.services.through.objects.filter(service_id=service_id).values_list(
            "team__organisation_id", flat=True
        )
    )


def publishing_needs_second_person(*, service_id: int) -> bool:
    """Whether any organisation handling the service asks for a second person's approval
    before a version is published (one query)."""
    return Team.services.through.objects.filter(
        service_id=service_id, team__organisation__publishing_needs_second_person=True
    ).exists()
