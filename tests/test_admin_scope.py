"""The staff admin shows each person only what their role allows (issue 12, "the staff admin
is not scoped").

The walk visits every model registered in the admin, as every kind of member of staff, with
data in two councils and two charities: only superusers and administrators get in, an
administrator never sees another organisation's rows (nor the cases merely referred to
their organisation), and every admin read of a person's data is in the access log."""

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commonweal.accounts import services as accounts_services
from commonweal.accounts.models import SignInUnlock, User
from commonweal.api import services as api_services
from commonweal.api.models import ApiKey
from commonweal.cases import services as cases_services
from commonweal.cases.models import Case
from commonweal.catalogue import selectors as catalogue
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.devtools.organisations import organisations_demo_ensure
from commonweal.intake import services as intake_services
from commonweal.intake.models import Application
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message, Notice, PrintBatch
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Organisation, Role, Team
from commonweal.organisations.selectors import staff_context
from commonweal.people import services as people_services
from commonweal.people.models import Person
from commonweal.privacy import services as privacy
from commonweal.privacy.models import AccessHold, AccessRecord, OrganisationPolicy
from commonweal.webhooks import services as webhooks
from commonweal.webhooks.models import Subscription, WebhookDelivery
from tests.workspace import agree_to_sharing

# Admins of other packages that say nothing about scope, and so are for superusers only:
# permission groups (they grant rights) and the task queue (its arguments and errors).
SUPERUSERS_ONLY_BY_DEFAULT = {"auth.Group", "django_tasks_database.DBTaskResult"}

# Organisation B's things: words and numbers found nowhere else, so any of them in a page
# an administrator of A (or anyone else) sees is B's data.
B_MARKERS = ["zebedee", "outofscope", "yarrow", "ZB482913D", "ZB 48 29 13 D", "55779911"]
A_MARKERS = ["aurelia", "inscope", "JA246813B"]

NON_ADMINISTRATORS = (
    "team leader of A",
    "caseworker of another team of A",
    "provider staff with no referrals",
    "provider staff with an active referral",
)
ADMINISTRATORS = ("administrator of A", "administrator of a provider with a referral")


@dataclass
class World:
    actors: dict[str, User]
    # Organisation B's row of every model an administrator sees only some rows of.
    out_of_scope: dict[type, object]
    case_a: Case
    case_b: Case

    @property
    def b_markers(self) -> list[str]:
        return [*B_MARKERS, self.case_b.reference]

    @property
    def a_markers(self) -> list[str]:
        return [*A_MARKERS, self.case_a.reference]


def _case(email: str, answers: dict) -> Case:
    account = accounts_services.account_for_email(email=email)
    people_services.person_for_account(account=account)
    published = catalogue.published_service(slug="budgeting-loan")
    pages = [page.id for page in published.definition.visible_pages(answers)]
    Application.objects.create(
        account=account,
        service=published.service,
        version=published.version,
        answers=answers,
        completed_pages=pages,
    )
    return intake_services.application_submit(
        account=account, service=published.service, language="en"
    ).case


def build_world() -> World:
    teams = organisations_demo_ensure()
    provider = teams["provider"].organisation
    yarrow = organisations.organisation_ensure(slug="yarrow", name="Yarrow Council", kind="council")
    yarrow_team = organisations.team_ensure(
        organisation=yarrow, slug="yarrow-support", name="Yarrow support"
    )
    quiet = organisations.organisation_ensure(
        slug="quiet-charity", name="Quiet Charity", kind="charity"
    )
    quiet_team = organisations.team_ensure(organisation=quiet, slug="helpers", name="Helpers")

    def member(email: str, name: str, team: Team, role: str) -> User:
        user = User.objects.create_user(email, display_name=name, is_staff=True)
        organisations.membership_ensure(user=user, team=team, role=role)
        # Every model permission there is: the door goes by the role, not by these.
        user.user_permissions.set(Permission.objects.all())
        return user

    actors = {
        "superuser": User.objects.create_superuser("root@system.example", "a long password 1"),
        "administrator of A": member(
            "ada.admin@council.example", "Ada Admin", teams["financial-support"], Role.ADMINISTRATOR
        ),
        "administrator of a provider with a referral": member(
            "pia.admin@care.example", "Pia Admin", teams["provider"], Role.ADMINISTRATOR
        ),
        "team leader of A": member(
            "tess.leader@council.example",
            "Tess Leader",
            teams["financial-support"],
            Role.TEAM_LEADER,
        ),
        "caseworker of another team of A": member(
            "owen.worker@council.example", "Owen Worker", teams["adaptations"], Role.CASEWORKER
        ),
        "provider staff with no referrals": member(
            "quinn@quiet.example", "Quinn Quiet", quiet_team, Role.PROVIDER_STAFF
        ),
        "provider staff with an active referral": member(
            "pat@care.example", "Pat Provider", teams["provider"], Role.PROVIDER_STAFF
        ),
    }
    colleague = member(
        "cara.worker@council.example", "Cara Worker", teams["financial-support"], Role.CASEWORKER
    )
    b_admin = member(
        "zebedee.staff@yarrow.example", "Zebedee Staff", yarrow_team, Role.ADMINISTRATOR
    )

    case_a = _case(
        "aurelia.inscope@example.com",
        {
            **BUDGETING_LOAN_ANSWERS,
            "given-name": "Aurelia",
            "family-name": "Inscope",
            "ni-number": "JA246813B",
        },
    )
    case_b = _case(
        "zebedee.outofscope@example.com",
        {
            **BUDGETING_LOAN_ANSWERS,
            "given-name": "Zebedee",
            "family-name": "Outofscope",
            "ni-number": "ZB482913D",
            "bank-details": {
                "name": "Z Outofscope",
                "sort_code": "309430",
                "account_number": "55779911",
            },
        },
    )
    # B's case is worked by Yarrow Council, with an internal note.
    Case.objects.filter(pk=case_b.pk).update(team=yarrow_team)
    case_b.refresh_from_db()
    cases_services.case_note_add(
        case_id=case_b.pk, text="Zebedee's private note", for_person=False, by=b_admin
    )
    # A's case is referred to the provider (whose staff see its shared parts in the
    # workspace, and nothing of it in the admin).
    leader = actors["team leader of A"]
    agree_to_sharing(case_a)  # sharing the person's details needs their yes
    cases_services.case_refer(
        case_id=case_a.pk,
        organisation_id=provider.pk,
        scope=["person"],
        reason="Help with furniture",
        by=leader,
        context=staff_context(user=leader),
        revision=case_a.revision,
    )
    # A's own holds and access records, seen by A's administrator.
    privacy.hold_place(
        person_id=case_a.person_id,
        reason="A's own investigation",
        by=leader,
        context=staff_context(user=leader),
    )

    # Organisation B's own things.
    b_context = staff_context(user=b_admin)
    b_key, _token = api_services.api_key_create(
        organisation=yarrow, name="Zebedee's integration", scopes=["cases:read"]
    )
    subscription = webhooks.subscription_create(
        organisation=yarrow,
        url="https://zebedee.example/hooks",
        event_types=["decision.made"],
        by=b_admin,
    )
    with transaction.atomic():
        webhooks.event_publish(
            organisation_id=yarrow.pk,
            event_type="decision.made",
            subject=case_b.reference,
            data={"reference": case_b.reference},
        )
    policy = OrganisationPolicy.objects.create(
        organisation=yarrow, show_staff_as=OrganisationPolicy.ShowStaffAs.NAME
    )
    print_batch = messaging.print_batch_for(day=timezone.localdate(), organisation_id=yarrow.pk)
    record = privacy.access_record(
        person_id=case_b.person_id,
        purpose="team_queue",
        categories=["person"],
        via="case_page",
        by=b_admin,
        context=b_context,
        case_id=case_b.pk,
        team_id=yarrow_team.pk,
    )
    hold = privacy.hold_place(
        person_id=case_b.person_id,
        reason="Zebedee investigation",
        by=b_admin,
        context=b_context,
    )
    # B's administrator unlocked a colleague of theirs (B's own staff record).
    unlock = accounts_services.sign_in_unlock(
        user=b_admin, by=b_admin, reason="Zebedee locked himself out"
    )
    out_of_scope = {
        SignInUnlock: unlock,
        User: b_admin,
        Person: case_b.person,
        Application: case_b.application,
        Case: case_b,
        Message: Message.objects.filter(case=case_b).first(),
        PrintBatch: print_batch,
        Organisation: yarrow,
        Team: yarrow_team,
        ApiKey: b_key,
        Subscription: subscription,
        WebhookDelivery: WebhookDelivery.objects.get(subscription=subscription),
        OrganisationPolicy: policy,
        AccessRecord: record,
        AccessHold: hold,
    }
    assert all(out_of_scope.values())
    assert colleague  # a colleague of A's administrator, for the accounts they see
    return World(actors, out_of_scope, case_a, case_b)


@pytest.fixture
def world(db):
    return build_world()


def _body(response) -> str:
    return response.content.decode("utf-8", "replace").lower()


def _shows(response, markers, url: str = "") -> list[str]:
    """The markers in the page, leaving out any the asker put in the address themself (a
    page's language links repeat the address)."""
    body = _body(response)
    return [m for m in markers if m.lower() in body and m.lower() not in url.lower()]


def _urls(model, world: World) -> list[tuple[str, str]]:
    """(what, url) for each page of a model's admin the walk visits."""
    info = (model._meta.app_label, model._meta.model_name)
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    urls = [
        ("list", changelist),
        ("search", f"{changelist}?q=zebedee"),
        ("pop-up", f"{changelist}?_to_field=id&_popup=1"),
        ("add", reverse("admin:{}_{}_add".format(*info))),
    ]
    outside = world.out_of_scope.get(model)
    if outside is not None:
        urls += [
            ("B's page", reverse("admin:{}_{}_change".format(*info), args=[quote(outside.pk)])),
            ("B's history", reverse("admin:{}_{}_history".format(*info), args=[quote(outside.pk)])),
        ]
    return urls


def test_every_registered_admin_declares_who_sees_what(world):
    """A newly registered model whose admin does not say which rows an administrator sees
    (or that it holds no personal data) fails here; it is for superusers only meanwhile."""
    from commonweal.core.admin_site import Scope, ScopedAdmin, ScopedInline

    problems = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if not isinstance(model_admin, ScopedAdmin):
            problems.append(f"{label}: not a ScopedAdmin")
            continue
        if not model_admin.scope_declared and label not in SUPERUSERS_ONLY_BY_DEFAULT:
            problems.append(f"{label}: its admin declares no scope (core/admin_site.py)")
        scoped = model_admin.scope in (Scope.ORGANISATION, Scope.PERSONAL)
        if scoped and model not in world.out_of_scope:
            problems.append(f"{label}: no out-of-scope row in this test's world")
        if model_admin.scope == Scope.PERSONAL and not model_admin.page_shows:
            problems.append(f"{label}: holds personal data but its pages record no reads")
        for inline in model_admin.inlines:
            if not issubclass(inline, ScopedInline):
                problems.append(f"{label}: inline {inline.__name__} is not a ScopedInline")
    assert not problems, "\n".join(problems)
    assert admin.site.superusers_only_by_default == SUPERUSERS_ONLY_BY_DEFAULT


def test_an_admin_that_declares_nothing_is_for_superusers_only(rf, world):
    from commonweal.core.admin_site import CommonwealAdminSite

    site = CommonwealAdminSite(name="elsewhere")
    site.register(Notice)
    assert site.superusers_only_by_default == {"messaging.Notice"}
    notice_admin = site._registry[Notice]
    assert not notice_admin.scope_declared
    request = rf.get("/")
    request.user = world.actors["administrator of A"]
    assert site.has_permission(request)
    assert not notice_admin.has_module_permission(request)
    assert not notice_admin.has_view_permission(request)
    assert not notice_admin.get_queryset(request).exists()
    request = rf.get("/")
    request.user = world.actors["superuser"]
    assert notice_admin.has_view_permission(request)


def test_staff_who_are_not_administrators_get_no_admin_at_all(client, world):
    """Even holding every model permission: the door goes by the administrator role."""
    problems = []
    for actor in NON_ADMINISTRATORS:
        client.force_login(world.actors[actor])
        for url in ["/staff/admin/", "/staff/admin/cases/", "/staff/admin/login/"]:
            response = client.get(url)
            if response.status_code != 403:
                problems.append(f"{actor}: {url} answered {response.status_code}")
        for model in admin.site._registry:
            for what, url in _urls(model, world):
                response = client.get(url)
                if response.status_code != 403 or _shows(
                    response, world.b_markers + world.a_markers, url
                ):
                    problems.append(f"{actor}: {what} {url} answered {response.status_code}")
    assert not problems, "\n".join(problems)


def test_administrators_see_only_their_organisations_rows(client, world):
    problems = []
    visited = 0
    for actor in ADMINISTRATORS:
        client.force_login(world.actors[actor])
        # The provider's administrator sees nothing of A's case, which is only referred to
        # them (the workspace shows its shared parts).
        hidden = world.b_markers + (world.a_markers if "provider" in actor else [])
        for model, model_admin in admin.site._registry.items():
            for what, url in _urls(model, world):
                response = client.get(url)
                visited += 1
                where = f"{actor}: {what} {url}"
                if response.status_code >= 500:
                    problems.append(f"{where}: server error")
                elif leaked := _shows(response, hidden, url):
                    problems.append(f"{where}: {response.status_code} shows {leaked}")
                elif what.startswith("B's") and response.status_code == 200:
                    problems.append(f"{where}: answered 200")
                elif (
                    getattr(model_admin, "scope", None) == "superusers only"
                    and what != "add"
                    and response.status_code != 403
                ):
                    problems.append(f"{where}: superusers only, answered {response.status_code}")
    # Autocomplete (the team's members) offers their own staff only.
    client.force_login(world.actors["administrator of A"])
    found = client.get(
        "/staff/admin/autocomplete/",
        {"app_label": "organisations", "model_name": "membership", "field_name": "user"},
    ).json()["results"]
    names = {result["text"] for result in found}
    assert "Cara Worker" in names
    assert not [m for m in world.b_markers if m.lower() in str(found).lower()]
    assert not problems, f"{len(problems)} of {visited} pages:\n" + "\n".join(problems)


def test_the_administrator_of_a_sees_their_own_rows(client, world):
    """The walk above is not passing because the pages are empty."""
    client.force_login(world.actors["administrator of A"])
    people = client.get("/staff/admin/people/person/?q=inscope")
    assert "Aurelia Inscope" in people.content.decode()
    case_page = client.get(f"/staff/admin/cases/case/{world.case_a.pk}/change/")
    assert case_page.status_code == 200 and world.case_a.reference in case_page.content.decode()
    holds = client.get("/staff/admin/privacy/accesshold/").content.decode()
    assert "Aurelia Inscope" in holds
    # A team's members are theirs to change, its routing is not.
    team = client.get(f"/staff/admin/organisations/team/{world.case_a.team_id}/change/")
    assert team.status_code == 200 and 'name="memberships-0-role"' in team.content.decode()
    assert 'name="services"' not in team.content.decode()
    # Shared settings are seen and not changed.
    assert client.get("/staff/admin/catalogue/service/").status_code == 200
    assert client.get("/staff/admin/messaging/messagetemplate/add/").status_code == 403


def test_the_superuser_sees_every_organisations_rows(client, world):
    """The markers and addresses the walk uses do name B's rows."""
    client.force_login(world.actors["superuser"])
    assert "Zebedee" in client.get("/staff/admin/people/person/?q=zebedee").content.decode()
    for model, outside in world.out_of_scope.items():
        info = (model._meta.app_label, model._meta.model_name)
        url = reverse("admin:{}_{}_change".format(*info), args=[quote(outside.pk)])
        assert client.get(url).status_code == 200, url
    assert client.get("/staff/admin/auth/group/").status_code == 200
    # Choosing a team's member offers staff, never citizens' accounts.
    found = client.get(
        "/staff/admin/autocomplete/",
        {
            "app_label": "organisations",
            "model_name": "membership",
            "field_name": "user",
            "term": "zebedee",
        },
    ).json()["results"]
    assert [result["text"] for result in found] == ["Zebedee Staff"]


def test_admin_reads_are_in_the_access_log(client, world):
    before = AccessRecord.objects.count()
    client.force_login(world.actors["administrator of A"])
    assert client.get(f"/staff/admin/cases/case/{world.case_a.pk}/change/").status_code == 200
    record = AccessRecord.objects.order_by("-pk").first()
    assert AccessRecord.objects.count() == before + 1
    assert (record.person_id, record.case_id) == (world.case_a.person_id, world.case_a.pk)
    assert (record.purpose, record.via, record.role) == ("administration", "admin", "administrator")
    assert record.organisation_id == world.case_a.team.organisation_id
    assert set(record.categories) == {"person", "timeline", "decisions"}
    assert record.actor == world.actors["administrator of A"]

    # A superuser's reads too: a page of people is one INSERT for everyone on it.
    client.force_login(world.actors["superuser"])
    shown = Person.objects.exclude(given_name="").count()
    assert shown >= 2
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/staff/admin/people/person/")
    assert page.status_code == 200
    inserts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("INSERT") and "privacy_accessrecord" in q["sql"]
    ]
    assert len(inserts) == 1
    listed = AccessRecord.objects.filter(actor=world.actors["superuser"], via="admin")
    assert {r.person_id for r in listed} == set(Person.objects.values_list("pk", flat=True))
    assert {r.role for r in listed} == {"superuser"} and {r.organisation_id for r in listed} == {
        None
    }

    client.get(f"/staff/admin/intake/application/{world.case_b.application_id}/change/")
    answers = AccessRecord.objects.order_by("-pk").first()
    assert answers.person_id == world.case_b.person_id and "answers" in answers.categories

    # The person sees who looked, and why (once the investigation's hold on their access
    # records is lifted).
    hold = world.out_of_scope[AccessHold]
    privacy.hold_lift(hold_id=hold.pk, by=world.actors["superuser"], context=None)
    citizen = User.objects.get(email="zebedee.outofscope@example.com")
    client.force_login(citizen)
    page = client.get("/your-data/access/").content.decode()
    assert "Looked at in the administration pages" in page
    assert "Administrators of this system" in page and "System administrator" in page


def test_a_page_outside_the_scope_writes_no_access_record(client, world):
    client.force_login(world.actors["administrator of A"])
    before = AccessRecord.objects.count()
    response = client.get(f"/staff/admin/people/person/{world.case_b.person_id}/change/")
    assert response.status_code == 302
    assert AccessRecord.objects.count() == before


def test_the_demo_gives_staff_no_admin_rights(client, db):
    from commonweal.devtools.management.commands.demo import DEMO_STAFF, load_demo_people

    # A demo database from before still has the group that let every member of staff read
    # every person, case and message in the admin.
    old = Group.objects.create(name="Caseworkers")
    old.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    load_demo_people()
    load_demo_people()  # and again, as each start of the demo does
    for email, _name, superuser, _team, _role in DEMO_STAFF:
        user = User.objects.get(email=email)
        client.force_login(user)
        status = client.get("/staff/admin/people/person/").status_code
        if superuser:
            assert status == 200
        else:
            assert user.get_all_permissions() == set(), email
            assert status == 403, email


def _form_data(page) -> dict:
    """What the browser would send back from an admin change page, as it stands."""
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def test_administrators_cannot_act_on_another_organisations_rows(client, world):
    admin_a = world.actors["administrator of A"]
    b_admin = world.out_of_scope[User]
    client.force_login(admin_a)

    # Actions on B's rows, by id, change nothing.
    b_key = world.out_of_scope[ApiKey]
    client.post("/staff/admin/api/apikey/", {"action": "revoke", "_selected_action": [b_key.pk]})
    b_key.refresh_from_db()
    assert b_key.revoked_at is None
    b_hold = world.out_of_scope[AccessHold]
    client.post(
        "/staff/admin/privacy/accesshold/", {"action": "lift", "_selected_action": [b_hold.pk]}
    )
    b_hold.refresh_from_db()
    assert b_hold.lifted_at is None

    # A hold is placed on A's people only.
    held_from = timezone.localtime().strftime("%Y-%m-%d")
    refused = client.post(
        "/staff/admin/privacy/accesshold/add/",
        {
            "person": world.case_b.person_id,
            "held_from_0": held_from,
            "held_from_1": "00:00:00",
            "reason": "Looking into Zebedee",
        },
    )
    assert refused.status_code == 200 and "person" in refused.context["adminform"].form.errors
    placed = client.post(
        "/staff/admin/privacy/accesshold/add/",
        {
            "person": world.case_a.person_id,
            "held_from_0": held_from,
            "held_from_1": "00:00:00",
            "reason": "Looking into a complaint",
        },
    )
    assert placed.status_code == 302
    assert AccessHold.objects.filter(placed_by=admin_a, person_id=world.case_a.person_id).exists()
    assert not AccessHold.objects.filter(placed_by=admin_a, person_id=world.case_b.person_id)

    # A team's new member is one of their organisation's staff, not B's.
    team_url = f"/staff/admin/organisations/team/{world.case_a.team_id}/change/"
    data = _form_data(client.get(team_url))
    new = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": new + 1,
            f"memberships-{new}-user": b_admin.pk,
            f"memberships-{new}-role": Role.ADMINISTRATOR,
            f"memberships-{new}-team": world.case_a.team_id,
        }
    )
    refused = client.post(team_url, data)
    assert refused.status_code == 200
    assert refused.context["inline_admin_formsets"][0].formset.errors[new]["user"]
    assert not b_admin.memberships.filter(team_id=world.case_a.team_id).exists()
    colleague = User.objects.get(email="owen.worker@council.example")
    data[f"memberships-{new}-user"] = colleague.pk
    assert client.post(team_url, data).status_code == 302
    assert colleague.memberships.filter(team_id=world.case_a.team_id).exists()


def test_an_administrator_revokes_their_organisations_key_and_the_revocation_says_who(
    client, world
):
    admin_a = world.actors["administrator of A"]
    organisation_a = Team.objects.get(slug="financial-support").organisation
    key, _token = api_services.api_key_create(
        organisation=organisation_a, name="Housing system", scopes=["cases:read"]
    )
    client.force_login(admin_a)
    response = client.post(
        "/staff/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin_a
    assert api_services.api_key_authenticate(token=_token) is None
