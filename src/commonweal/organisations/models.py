from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """A body that works cases: a council, a department, an NHS trust, or a provider (a charity
    or contractor) that cases are referred to."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        DEPARTMENT = "department", "Government department"
        NHS = "nhs", "NHS body"
        CHARITY = "charity", "Charity"
        CONTRACTOR = "contractor", "Contractor"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    name_cy = models.CharField("name in Welsh", max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # How people can reach the organisation themselves (a phone number, a website): told to
    # someone who is asked to let us share their case with a provider, so that saying no
    # still leaves them a way to get its help.
    public_contact = models.CharField(
        max_length=300,
        blank=True,
        help_text="For charities and contractors: how people can contact you themselves "
        "(a phone number and hours, a website). Told to people asked to let a council share "
        "their details with you.",
    )
    # Publishing a version of a service this organisation's teams handle needs a second
    # person's approval (catalogue's publish requests).
    publishing_needs_second_person = models.BooleanField(
        "publishing needs a second person's approval",
        default=False,
        help_text="A new version of a service your teams handle is published only when "
        "a second service owner or administrator approves it.",
    )
    # Whether a provider's staff see a named person or only "a member of staff" (issue 5 will
    # show this to people); kept here because it is the organisation's policy.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind in (self.Kind.CHARITY, self.Kind.CONTRACTOR)


class Team(models.Model):
    """A group of staff in one organisation. New cases for a service go to the team that
    handles it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    name_cy = models.CharField("name in Welsh", max_length=200, blank=True)
    services = models.ManyToManyField(
        "catalogue.Service",
        blank=True,
        related_name="+",
        help_text="New applications for these services start in this team's queue.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="team_slug_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Caseworker"
    TEAM_LEADER = "team_leader", "Team leader"
    SERVICE_OWNER = "service_owner", "Service owner"
    ADMINISTRATOR = "administrator", "Administrator"
    PROVIDER_STAFF = "provider_staff", "Provider staff"


class Membership(models.Model):
    """A member of staff in a team, with their role there. A person can be in several teams."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team.name} as {self.get_role_display()}"
