"""Staff, teams and submitted cases for the workspace tests."""

from dataclasses import dataclass

from commonweal.accounts.models import User
from commonweal.devtools.organisations import organisations_demo_ensure
from commonweal.intake import services as intake_services
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from tests.journeys import complete_draft


@dataclass
class Staff:
    caseworker: User
    colleague: User
    leader: User
    other_team: User
    provider: User
    teams: dict


def make_staff() -> Staff:
    teams = organisations_demo_ensure()

    def member(email: str, name: str, team: str, role: str) -> User:
        user = User.objects.create_user(email, display_name=name, is_staff=True)
        organisations.membership_ensure(user=user, team=teams[team], role=role)
        return user

    return Staff(
        caseworker=member(
            "case.worker@council.example", "Casey Worker", "financial-support", Role.CASEWORKER
        ),
        colleague=member(
            "col.league@council.example", "Col League", "financial-support", Role.CASEWORKER
        ),
        leader=member(
            "team.leader@council.example", "Tess Leader", "financial-support", Role.TEAM_LEADER
        ),
        other_team=member(
            "adapt.worker@council.example", "Ada Worker", "adaptations", Role.CASEWORKER
        ),
        provider=member("help@care.example", "Pat Provider", "provider", Role.PROVIDER_STAFF),
        teams=teams,
    )


def submit_case(account):
    """A Budgeting Loan submitted by `account`; returns its case."""
    published = complete_draft(account)
    application = intake_services.application_submit(
        account=account, service=published.service, language="en"
    )
    return application.case


def citizen_case(email: str = "sam.evans@example.com"):
    """A citizen's account (with their own record) and a Budgeting Loan case they sent."""
    from commonweal.accounts import services as accounts_services
    from commonweal.people import services as people_services

    account = accounts_services.account_for_email(email=email)
    people_services.person_for_account(account=account)
    return account, submit_case(account)


def agree_to_sharing(case):
    """The person has said yes to sharing their details with organisations that help (which
    a referral that shares anything beyond the summary needs)."""
    from commonweal.rights import services as rights_services

    return rights_services.consent_record(
        person=case.person,
        purpose="provider_sharing",
        given=True,
        method="online",
        by=case.person.account,
        words="Can we share your details with organisations that help?",
    )
