"""The organisations the demo, `commonweal seed`, the benches and the tests use."""

from django.conf import settings

from commonweal.catalogue.models import Service
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Team

# The organisations the demo and `commonweal seed` use: a council with two teams, and a
# charity that cases can be referred to. The council is the organisation running the site,
# so its names are the site's (COMMONWEAL_ORGANISATION_NAME and _CY), read when it is made.
DEMO_STRUCTURE = {
    "organisation": ("demo-council", "council"),
    "teams": [
        (
            "financial-support",
            "Financial support",
            "Cymorth ariannol",
            ["budgeting-loan", "energy-support", "carers-grant"],
        ),
        ("adaptations", "Home adaptations", "Addasiadau yn y cartref", ["home-adaptation"]),
    ],
    "provider": ("care-and-repair", "Care and Repair Cymru", "Gofal a Thrwsio Cymru", "charity"),
    "provider_contact": "0808 157 0192 (Monday to Friday, 9am to 5pm)",
    "provider_team": ("caseworkers", "Caseworkers", "Gweithwyr achos"),
}


def organisations_demo_ensure() -> dict[str, Team]:
    """Make the demo organisations and teams if they are missing; returns teams by slug
    (the provider's team as "provider")."""
    slug, kind = DEMO_STRUCTURE["organisation"]
    name, name_cy = settings.COMMONWEAL_ORGANISATION_NAME, settings.COMMONWEAL_ORGANISATION_NAME_CY
    council = organisations.organisation_ensure(slug=slug, name=name, name_cy=name_cy, kind=kind)
    if (council.name, council.name_cy) != (name, name_cy):
        # One name everywhere: a demo database made under another name takes the site's.
        council.name, council.name_cy = name, name_cy
        council.save(update_fields=["name", "name_cy"])
    teams = {}
    for team_slug, team_name, team_name_cy, service_slugs in DEMO_STRUCTURE["teams"]:
        teams[team_slug] = organisations.team_ensure(
            organisation=council,
            slug=team_slug,
            name=team_name,
            name_cy=team_name_cy,
            services=list(Service.objects.filter(slug__in=service_slugs)),
        )
    slug, name, name_cy, kind = DEMO_STRUCTURE["provider"]
    provider = organisations.organisation_ensure(
        slug=slug,
        name=name,
        name_cy=name_cy,
        kind=kind,
        public_contact=DEMO_STRUCTURE["provider_contact"],
    )
    team_slug, team_name, team_name_cy = DEMO_STRUCTURE["provider_team"]
    teams["provider"] = organisations.team_ensure(
        organisation=provider, slug=team_slug, name=team_name, name_cy=team_name_cy
    )
    return teams
