"""A service's versions in the workspace: the list, the difference between two versions in
plain words, and publishing, directly or with a second person's approval."""

from __future__ import annotations

import pytest
from django.test import Client

from commonweal.accounts.models import User
from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.catalogue.models import PublishRequest, ServiceVersion
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

MIDDLE_NAME = """      - id: middle-name
        type: text
        required: false
        max_length: 100
        label:
          en: Middle name
          cy: Enw canol
"""
OLD_RULE_TEXT = "people who get Universal Credit cannot get a Budgeting Loan"
NEW_RULE_TEXT = "people on Universal Credit apply for a Budgeting Advance instead"


def _owner(staff, email: str, name: str) -> User:
    user = User.objects.create_user(email, display_name=name, is_staff=True)
    organisations.membership_ensure(
        user=user, team=staff.teams["financial-support"], role=Role.SERVICE_OWNER
    )
    return user


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db):
    staff = make_staff()
    published = catalogue.published_service(slug="budgeting-loan")
    draft = catalogue_services.service_version_draft_from(version=published.version)
    text = published.version.source_yaml
    assert "      - id: family-name\n" in text and OLD_RULE_TEXT in text
    text = text.replace("      - id: family-name\n", MIDDLE_NAME + "      - id: family-name\n", 1)
    text = text.replace(OLD_RULE_TEXT, NEW_RULE_TEXT, 1)
    catalogue_services.service_version_update_draft(version=draft, yaml_text=text)
    return {
        "staff": staff,
        "owner": _owner(staff, "owen.owner@council.example", "Owen Owner"),
        "second": _owner(staff, "sian.second@council.example", "Sian Second"),
        "published": published.version,
        "draft": draft,
    }


def _needs_second_person(world, value: bool = True) -> None:
    organisation = world["staff"].teams["financial-support"].organisation
    organisation.publishing_needs_second_person = value
    organisation.save(update_fields=["publishing_needs_second_person"])


def _publish_url(world) -> str:
    return f"/staff/services/budgeting-loan/versions/{world['draft'].number}/publish/"


def test_compare_shows_an_added_question_and_a_changed_rule(world):
    old, new = world["published"].number, world["draft"].number
    client = _signed_in(world["owner"])
    # Choosing two versions on the list goes to their difference.
    chosen = client.get("/staff/services/budgeting-loan/versions/", {"from": old, "to": new})
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/staff/services/budgeting-loan/versions/{old}/compare/{new}/"
    page = client.get(chosen["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    parts = catalogue.versions_compare(old=world["published"], new=world["draft"]).parts
    questions = next(part for part in parts if part.key == "questions")
    rules = next(part for part in parts if part.key == "rules")
    assert [(c.kind, c.where) for c in questions.changes] == [("added", "question ‘middle-name’")]
    assert "Middle name" in questions.changes[0].new
    assert [(c.kind, c.where, c.old, c.new) for c in rules.changes] == [
        ("changed", "rules › ‘universal-credit’ › text › English", OLD_RULE_TEXT, NEW_RULE_TEXT)
    ]
    # Nothing else changed, and the page says so part by part.
    assert [part.key for part in parts if part.changes] == ["questions", "rules"]
    assert "question ‘middle-name’" in text and "Enw canol" in text
    assert OLD_RULE_TEXT in text and NEW_RULE_TEXT in text
    assert text.count("No changes.") == len(parts) - 2
    # The YAML's unified diff is there too, for those who read one.
    assert f"+++ v{new}" in text and "+      - id: middle-name" in text


def test_choosing_the_same_version_twice_is_refused_in_the_page(world):
    number = world["draft"].number
    page = _signed_in(world["owner"]).get(
        "/staff/services/budgeting-loan/versions/", {"from": number, "to": number}
    )
    assert page.status_code == 400
    assert "Choose two different versions to compare" in page.content.decode()


def test_versions_list_shows_each_version_and_who_made_it_in_constant_queries(
    world, django_assert_max_num_queries
):
    client = _signed_in(world["owner"])
    client.get("/staff/services/budgeting-loan/versions/")
    for _ in range(3):
        catalogue_services.service_version_draft_from(version=world["draft"], by=world["owner"])
    with django_assert_max_num_queries(12):
        page = client.get("/staff/services/budgeting-loan/versions/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("Waiting for approval") == 0
    assert "by Owen Owner" in text
    assert ServiceVersion.objects.filter(service__slug="budgeting-loan").count() == 5


def test_publishing_directly_when_no_second_person_is_needed(world):
    client = _signed_in(world["owner"])
    response = client.post(_publish_url(world), {"action": "ask"})
    assert response.status_code == 302
    world["draft"].refresh_from_db()
    world["published"].refresh_from_db()
    assert world["draft"].status == "published"
    assert world["published"].status == "retired"
    request = PublishRequest.objects.get(version=world["draft"])
    assert (request.status, request.requested_by, request.decided_by) == (
        "approved",
        world["owner"],
        world["owner"],
    )
    history = client.get(_publish_url(world)).content.decode()
    assert "Approved by Owen Owner" in history


def test_two_person_approval_the_asker_cannot_approve_another_can(world):
    _needs_second_person(world)
    asker, second = _signed_in(world["owner"]), _signed_in(world["second"])
    assert asker.post(_publish_url(world), {"action": "ask"}).status_code == 302
    # A double click makes no second request.
    assert asker.post(_publish_url(world), {"action": "ask"}).status_code == 302
    waiting = PublishRequest.objects.get(version=world["draft"])
    assert waiting.status == "waiting"
    world["draft"].refresh_from_db()
    assert world["draft"].status == "draft"
    # The person who asked sees that someone else must decide, and cannot approve.
    page = asker.get(_publish_url(world)).content.decode()
    assert "A different service owner or administrator must approve or reject it" in page
    refused = asker.post(_publish_url(world), {"action": "approve"})
    assert refused.status_code == 400
    assert "a different person must decide" in refused.content.decode()
    world["draft"].refresh_from_db()
    assert world["draft"].status == "draft"
    # Another service owner approves: published now.
    assert "Approve and publish" in second.get(_publish_url(world)).content.decode()
    assert second.post(_publish_url(world), {"action": "approve"}).status_code == 302
    world["draft"].refresh_from_db()
    assert world["draft"].status == "published"
    waiting.refresh_from_db()
    assert (waiting.status, waiting.requested_by, waiting.decided_by) == (
        "approved",
        world["owner"],
        world["second"],
    )
    assert catalogue.published_service(slug="budgeting-loan").version == world["draft"]
    # Deciding again is refused, not done twice.
    again = second.post(_publish_url(world), {"action": "approve"})
    assert again.status_code == 400


def test_two_person_approval_rejected_with_a_reason(world):
    _needs_second_person(world)
    asker, second = _signed_in(world["owner"]), _signed_in(world["second"])
    asker.post(_publish_url(world), {"action": "ask"})
    # A rejection needs a reason.
    no_reason = second.post(_publish_url(world), {"action": "reject", "reason": "  "})
    assert no_reason.status_code == 400
    assert "Say why you are rejecting it" in no_reason.content.decode()
    assert PublishRequest.objects.get(version=world["draft"]).status == "waiting"
    # The asker cannot reject their own either.
    assert asker.post(_publish_url(world), {"action": "reject", "reason": "no"}).status_code == 400
    done = second.post(_publish_url(world), {"action": "reject", "reason": "The rule is wrong"})
    assert done.status_code == 302
    request = PublishRequest.objects.get(version=world["draft"])
    assert (request.status, request.decided_by, request.reason) == (
        "rejected",
        world["second"],
        "The rule is wrong",
    )
    world["draft"].refresh_from_db()
    assert world["draft"].status == "draft"
    page = asker.get(_publish_url(world)).content.decode()
    assert "Rejected by Sian Second" in page and "The rule is wrong" in page
    # It can be asked for again.
    asker.post(_publish_url(world), {"action": "ask"})
    assert PublishRequest.objects.filter(version=world["draft"], status="waiting").count() == 1


def test_publishing_without_the_welsh_text_is_refused(world):
    draft = world["draft"]
    data = dict(draft.definition)
    data["title"] = {"en": data["title"]["en"]}
    ServiceVersion.objects.filter(pk=draft.pk).update(definition=data, source_yaml="")
    response = _signed_in(world["owner"]).post(_publish_url(world), {"action": "ask"})
    assert response.status_code == 400
    assert "cannot be published until these problems are put right" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not PublishRequest.objects.filter(version=draft).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/services/budgeting-loan/versions/",
        "/staff/services/budgeting-loan/versions/1/compare/2/",
        "/staff/services/budgeting-loan/versions/2/publish/",
    ],
)
def test_only_the_services_owners_reach_its_versions(world, path):
    staff = world["staff"]
    for user in (staff.caseworker, staff.leader, staff.provider):
        assert _signed_in(user).get(path).status_code == 403
        assert _signed_in(user).post(path, {"action": "ask"}).status_code in (403, 405)
    assert Client().get(path).status_code == 302
    # An owner of an organisation that does not handle the service is not shown it.
    other = _signed_in(world["owner"]).get(path.replace("budgeting-loan", "no-such-service"))
    assert other.status_code == 404
    world["draft"].refresh_from_db()
    assert world["draft"].status == "draft"
