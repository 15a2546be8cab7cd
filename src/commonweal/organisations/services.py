"""Writes to organisations, teams and memberships (the admin uses these models directly;
commands and the demo come through here)."""

from django.db import transaction

from .models import Membership, Organisation, Team


def organisation_ensure(
    *, slug: str, name: str, kind: str, name_cy: str = "", public_contact: str = ""
) -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name,
            "kind": kind,
            "name_cy": name_cy,
            "public_contact": public_contact,
        },
    )
    return organisation


def team_ensure(
    *, organisation: Organisation, slug: str, name: str, name_cy: str = "", services=()
) -> Team:
    with transaction.atomic():
        team, _created = Team.objects.get_or_create(
            organisation=organisation, slug=slug, defaults={"name": name, "name_cy": name_cy}
        )
        if services:
            team.services.add(*services)
    return team


def membership_ensure(*, user, team: Team, role: str) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        user=user, team=team, defaults={"role": role}
    )
    return membership
