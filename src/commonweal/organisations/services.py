"""Writes to organisations, teams and memberships (the admin uses these models directly;
commands and the demo come through here)."""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Model

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
    *,
    organisation: Organisation,
    slug: str,
    name: str,
    name_cy: str = "",
    services: Collection[Model | int] = (),
) -> Team:
    with transaction.atomic():
        team, _created = Team.objects.get_or_create(
            organisation=organisation, slug=slug, defaults={"name": name, "name_cy": name_cy}
        )
        if services:
            # Services (catalogue's, above this layer, so only a Model here) or their ids.
            team.services.add(*(s if isinstance(s, int) else s.pk for s in services))
    return team


def membership_ensure(*, user: AbstractBaseUser, team: Team, role: str) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        # By id: the user model lives in accounts, above this layer.
        user_id=user.pk,
        team=team,
        defaults={"role": role},
    )
    return membership
