"""The service designer: service owners change a draft part by part in the workspace, each
edit checked as the YAML import checks it, and preview a page as the person sees it."""

from __future__ import annotations

from html import unescape

import pytest

from commonweal.accounts.models import User
from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.catalogue.models import ServiceVersion, ServiceVersionChange
from commonweal.catalogue.yaml_io import parse_definition
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(demo_services):
    return make_staff()


@pytest.fixture
def owner(staff):
    user = User.objects.create_user("owner@council.example", display_name="Owen Owner")
    organisations.membership_ensure(
        user=user, team=staff.teams["financial-support"], role=Role.SERVICE_OWNER
    )
    return user


@pytest.fixture
def draft(owner):
    published = catalogue.published_service(slug="budgeting-loan").version
    return catalogue_services.service_version_draft_from(version=published, by=owner)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def url(version, part: str = "") -> str:
    return f"/staff/services/budgeting-loan/v{version.number}/{part}"


def text(response) -> str:
    return unescape(response.content.decode())


def fresh(version) -> ServiceVersion:
    return ServiceVersion.objects.get(pk=version.pk)


def definition(version):
    return catalogue.definition_for(fresh(version))


QUESTION = {
    "id": "pet-name",
    "type": "text",
    "label-en": "What is your pet called?",
    "label-cy": "Beth yw enw eich anifail anwes?",
    "required": "1",
    "option-0-value": "",
    "option-0-en": "",
    "option-0-cy": "",
}


def test_the_list_shows_versions_and_makes_a_new_draft(owner_client, django_assert_max_num_queries):
    published = catalogue.published_service(slug="budgeting-loan").version
    assert 'href="/staff/services/"' in owner_client.get("/staff/").content.decode()
    with django_assert_max_num_queries(12):
        listing = owner_client.get("/staff/services/")
    assert listing.status_code == 200
    assert url(published) in text(listing)
    response = owner_client.post(url(published, "new-draft/"))
    made = ServiceVersion.objects.filter(service=published.service).order_by("-number").first()
    assert response.status_code == 302 and response["Location"] == url(made)
    assert made.status == ServiceVersion.Status.DRAFT
    assert made.definition == published.definition
    overview = owner_client.get(url(made))
    assert overview.status_code == 200
    assert "Do you live with a partner?" in text(overview)


def test_the_list_costs_the_same_however_many_services(owner_client, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import DEMO_DIR

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get("/staff/services/").status_code == 200
        return len(captured)

    owner_client.get("/staff/services/")
    before = queries()
    published = catalogue.published_service(slug="budgeting-loan").version
    for _count in range(3):
        catalogue_services.service_version_draft_from(version=published)
    yaml_text = (DEMO_DIR / "budgeting-loan.yaml").read_text(encoding="utf-8")
    another = catalogue_services.service_import(
        yaml_text=yaml_text.replace("slug: budgeting-loan", "slug: budgeting-loan-two").replace(
            "reference_prefix: BL", "reference_prefix: BX"
        )
    )
    staff.teams["financial-support"].services.add(another.service)
    listing = owner_client.get("/staff/services/")
    assert "/staff/services/budgeting-loan-two/v1/" in text(listing)
    assert queries() == before


def test_adding_a_page_and_changing_its_question_with_welsh_side_by_side(owner_client, draft):
    response = owner_client.post(
        url(draft, "add-page/") + "?after=phone", {"page_id": "pet", **QUESTION}
    )
    assert response.status_code == 302, text(response)
    pages = [page.id for page in definition(draft).pages]
    assert pages[pages.index("phone") + 1] == "pet"
    question = definition(draft).question("pet-name")
    assert question.label.en == "What is your pet called?"
    assert question.label.cy == "Beth yw enw eich anifail anwes?"
    page = owner_client.get(url(draft, "pages/pet/questions/pet-name/"))
    assert 'id="label-en"' in page.content.decode() and 'id="label-cy"' in page.content.decode()
    # Every answer type the schema has can be chosen and saved.
    for kind, extra in [
        (
            "radios",
            {
                "option-0-value": "cat",
                "option-0-en": "Cat",
                "option-0-cy": "Cath",
                "option-1-value": "dog",
                "option-1-en": "Dog",
                "option-1-cy": "Ci",
            },
        ),
        (
            "checkboxes",
            {
                "option-0-value": "cat",
                "option-0-en": "Cat",
                "option-0-cy": "Cath",
                "option-1-value": "none",
                "option-1-en": "None",
                "option-1-cy": "Dim",
                "option-1-exclusive": "1",
            },
        ),
        ("number", {"min": "1", "max": "20", "whole_number": "1"}),
        ("money", {"max": "500.50"}),
        ("date", {"date_must_be": "past"}),
        ("long_text", {"max_length": "300"}),
        ("yes_no", {}),
        ("address", {"lookup": "1"}),
        ("email", {}),
        ("phone", {}),
        ("ni_number", {}),
        ("bank_details", {}),
        ("file", {}),
        ("text", {}),
    ]:
        data = {
            **QUESTION,
            "type": kind,
            "option-1-value": "",
            "option-1-en": "",
            "option-1-cy": "",
            **extra,
        }
        response = owner_client.post(url(draft, "pages/pet/questions/pet-name/"), data)
        assert response.status_code == 302, (kind, text(response))
        assert definition(draft).question("pet-name").type == kind
    assert definition(draft).question("pet-name").type == "text"
    assert fresh(draft).changes.filter(by__email="owner@council.example").count() >= 15


def test_a_question_without_its_welsh_is_refused(owner_client, draft):
    response = owner_client.post(
        url(draft, "pages/phone/questions/phone/"), {**QUESTION, "id": "phone", "label-cy": ""}
    )
    assert response.status_code == 400
    assert "Enter the Welsh for the question" in text(response)
    assert definition(draft).question("phone").label.cy == "Beth yw eich rhif ffôn? (dewisol)"


def test_a_question_that_rules_use_cannot_be_removed(owner_client, draft):
    response = owner_client.post(
        url(draft, "pages/savings/questions/savings/"), {"action": "remove"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "question 'savings' is used by:" in page
    assert "decision table 'savings-allowance' input 'savings'" in page
    assert "the entitlement amount" in page
    assert definition(draft).question("savings") is not None
    # Renaming it is refused the same way; a page whose question a condition reads too.
    response = owner_client.post(
        url(draft, "pages/savings/questions/savings/"), {**QUESTION, "id": "money-saved"}
    )
    assert "question 'savings' is used by:" in text(response)
    response = owner_client.post(url(draft, "pages/partner/"), {"action": "remove"})
    assert "the condition of page 'partner-name'" in text(response)
    assert definition(draft).page("partner") is not None


def test_pages_move_and_are_removed_and_refused_when_a_condition_would_come_first(
    owner_client, draft
):
    before = [page.id for page in definition(draft).pages]
    owner_client.post(url(draft, "pages/phone/"), {"action": "up"})
    after = [page.id for page in definition(draft).pages]
    index = before.index("phone")
    assert after[index - 1] == "phone"
    # partner-name is shown only after has-partner: moving it above partner is refused.
    response = owner_client.post(url(draft, "pages/partner-name/"), {"action": "up"})
    assert response.status_code == 400
    assert "depends on 'has-partner'" in text(response)
    owner_client.post(url(draft, "pages/phone/"), {"action": "remove"})
    assert definition(draft).page("phone") is None


def test_a_condition_is_saved_and_a_bad_one_is_refused(owner_client, draft):
    condition_url = url(draft, "pages/savings/condition/")
    response = owner_client.post(
        condition_url, {"condition": "question: has-partner\nequals: false\n"}
    )
    assert response.status_code == 302
    shown = definition(draft).page("savings").show_if
    assert shown.question == "has-partner" and shown.equals is False
    response = owner_client.post(
        condition_url, {"condition": "question: nothing-here\nequals: x\n"}
    )
    assert response.status_code == 400
    assert "depends on 'nothing-here'" in text(response)
    owner_client.post(condition_url, {"condition": ""})
    assert definition(draft).page("savings").show_if is None


def test_rules_edited_as_text_are_refused_with_the_line(owner_client, draft):
    page = owner_client.get(url(draft, "rules/"))
    assert "eligibility.qualifying_benefit" in text(page)
    yaml_text = catalogue_services.section_yaml(fresh(draft), "rules")
    broken = yaml_text.replace("when: eligibility.universal_credit", "when: eligibility.nope")
    line = (
        broken.splitlines().index(
            next(row for row in broken.splitlines() if "eligibility.nope" in row)
        )
        + 1
    )
    response = owner_client.post(url(draft, "rules/"), {"yaml": broken})
    assert response.status_code == 400
    assert f"Line {line}:" in text(response)
    changed = yaml_text.replace("value: 10000", "value: 12000", 1)
    assert changed != yaml_text
    assert owner_client.post(url(draft, "rules/"), {"yaml": changed}).status_code == 302
    assert "value: 12000" in fresh(draft).source_yaml


def test_eligibility_questions_stages_reasons_texts_and_automation(owner_client, draft):
    response = owner_client.post(
        url(draft, "eligibility/add-question/"),
        {
            "id": "lives-in-wales",
            "type": "yes_no",
            "label-en": "Do you live in Wales?",
            "label-cy": "Ydych chi'n byw yng Nghymru?",
            "not_eligible_answers": "no",
            "not_eligible_outcome": "universal-credit",
        },
    )
    assert response.status_code == 302, text(response)
    asked = definition(draft).eligibility.question("lives-in-wales")
    assert asked.outcome_for("no") == "universal-credit"
    # An eligibility question a rule reads cannot go.
    response = owner_client.post(
        url(draft, "eligibility/questions/universal-credit/"), {"action": "remove"}
    )
    assert "rule 'universal-credit'" in text(response)
    response = owner_client.post(
        url(draft, "add-stage/"),
        {
            "id": "on-hold",
            "title-en": "On hold",
            "title-cy": "Wedi'i ohirio",
            "description-en": "We are waiting.",
            "description-cy": "Rydym yn aros.",
            "waiting_for_person": "1",
        },
    )
    assert response.status_code == 302, text(response)
    assert definition(draft).stage("on-hold").waiting_for_person
    response = owner_client.post(
        url(draft, "stages/"),
        {"action": "limits", "target_working_days": "15", "reconsideration_days": "40"},
    )
    assert response.status_code == 302
    assert definition(draft).target_working_days == 15
    assert definition(draft).reconsideration_days == 40
    response = owner_client.post(
        url(draft, "add-reason/"),
        {
            "id": "moved-away",
            "outcome": "withdrawn",
            "text-en": "You moved away.",
            "text-cy": "Rydych wedi symud i ffwrdd.",
        },
    )
    assert response.status_code == 302
    assert definition(draft).decision_reason("moved-away").text.cy == "Rydych wedi symud i ffwrdd."
    response = owner_client.post(url(draft, "reasons/loan-approved/"), {"action": "remove"})
    assert "the automation policy's approve_reason" in text(response)
    texts = {
        f"{name}-{lang}": f"{name} {lang}"
        for name in catalogue_services.SERVICE_TEXTS
        for lang in ("en", "cy")
    }
    assert owner_client.post(url(draft, "templates/"), texts).status_code == 302
    assert definition(draft).declaration.cy == "declaration cy"
    response = owner_client.post(
        url(draft, "automation/"), {"mode": "one_click", "approve_reason": "loan-approved"}
    )
    assert response.status_code == 302
    assert definition(draft).automation.mode == "one_click"
    assert definition(draft).automation.version == 2


def test_the_preview_shows_the_page_as_the_person_sees_it(owner_client, draft):
    page = owner_client.get(url(draft, "pages/purpose/preview/"))
    assert page.status_code == 200
    purpose = definition(draft).question("purpose")
    body = text(page)
    assert purpose.label.en in body
    assert all(option.label.en in body for option in purpose.options)
    welsh = text(owner_client.get(url(draft, "pages/purpose/preview/?lang=cy")))
    assert purpose.label.cy in welsh
    assert "Yn eich blaen" in welsh  # the Continue button, in Welsh
    assert draft.service.pk  # nothing was saved: the draft is untouched
    assert not ServiceVersionChange.objects.filter(version=draft).exists()


def test_published_versions_cannot_be_edited(owner_client):
    published = catalogue.published_service(slug="budgeting-loan").version
    before = published.definition
    response = owner_client.post(url(published, "pages/phone/"), {"action": "remove"})
    assert response.status_code == 403
    with pytest.raises(catalogue_services.DefinitionError, match="only a draft"):
        catalogue_services.draft_page_remove(version=published, by=None, page_id="phone")
    assert fresh(published).definition == before
    page = owner_client.get(url(published))
    assert "cannot change" in text(page)


def test_staff_who_do_not_own_services_are_refused(client, staff, draft):
    client.force_login(staff.leader)
    assert 'href="/staff/services/"' not in client.get("/staff/").content.decode()
    assert client.get("/staff/services/").status_code == 403
    assert client.get(url(draft)).status_code == 403
    assert client.post(url(draft, "pages/phone/"), {"action": "remove"}).status_code == 403
    assert definition(draft).page("phone") is not None


def test_an_edited_draft_exports_yaml_that_imports_to_the_same_definition(owner_client, draft):
    owner_client.post(url(draft, "add-page/"), {"page_id": "pet", **QUESTION})
    edited = fresh(draft)
    _parsed, data = parse_definition(edited.source_yaml)
    assert data == edited.definition
    export = catalogue.service_export(slug="budgeting-loan", version_number=edited.number)
    assert parse_definition(export)[1] == edited.definition


def test_the_preview_shows_an_edit_at_once(owner_client, draft):
    owner_client.get(url(draft, "pages/phone/preview/"))
    data = {**QUESTION, "id": "phone", "type": "phone", "label-en": "Your phone number, please"}
    assert owner_client.post(url(draft, "pages/phone/questions/phone/"), data).status_code == 302
    assert "Your phone number, please" in text(owner_client.get(url(draft, "pages/phone/preview/")))


def form_of(question: dict) -> dict:
    """What the question's form posts when it is saved unchanged."""
    data = {"id": question["id"], "type": question["type"]}
    for name in ("label", "hint", "summary_label"):
        for language in ("en", "cy"):
            data[f"{name}-{language}"] = (question.get(name) or {}).get(language, "")
    required = (question.get("errors") or {}).get("required") or {}
    data.update({f"error_required-{lang}": required.get(lang, "") for lang in ("en", "cy")})
    if question.get("required", True):
        data["required"] = "1"
    for index, option in enumerate(question.get("options") or []):
        data[f"option-{index}-value"] = option["value"]
        data[f"option-{index}-en"] = option["label"]["en"]
        data[f"option-{index}-cy"] = option["label"]["cy"]
        if option.get("exclusive"):
            data[f"option-{index}-exclusive"] = "1"
    for name in ("max_length", "min", "max", "date_must_be", "person_field"):
        if question.get(name) is not None:
            data[name] = str(question[name])
    for flag in ("whole_number", "lookup"):
        if question.get(flag):
            data[flag] = "1"
    return data


def test_saving_every_question_unchanged_changes_nothing(owner_client, draft):
    """What the forms do not show (options' hints, the caseworker's words) is kept."""
    before = fresh(draft).definition
    for page in before["pages"]:
        for question in page["questions"]:
            response = owner_client.post(
                url(draft, f"pages/{page['id']}/questions/{question['id']}/"), form_of(question)
            )
            assert response.status_code == 302, (question["id"], text(response))
    assert fresh(draft).definition == before


@pytest.mark.parametrize("which", ["draft", "published"])
def test_every_designer_page_opens(owner_client, draft, which):
    version = (
        draft if which == "draft" else catalogue.published_service(slug="budgeting-loan").version
    )
    parts = [
        "", "templates/", "automation/", "rules/", "eligibility/", "eligibility/add-question/",
        "eligibility/questions/universal-credit/", "add-page/", "pages/purpose/",
        "pages/partner-name/condition/", "pages/purpose/add-question/",
        "pages/purpose/questions/purpose/", "pages/address/preview/", "stages/", "add-stage/",
        "stages/received/", "reasons/", "add-reason/", "reasons/loan-approved/",
    ]  # fmt: skip
    for part in parts:
        response = owner_client.get(url(version, part))
        assert response.status_code == 200, part
        body = text(response)
        if part == "pages/purpose/questions/purpose/":
            assert 'value="furniture"' in body and "Dodrefn" in body
        if part == "stages/received/":
            assert 'id="title-cy"' in body
        if which == "published" and part == "templates/":
            assert "cannot change" in body and "Save the texts" not in body
    assert client_missing_page(owner_client, version) == 404


def client_missing_page(client, version) -> int:
    return client.get(url(version, "pages/no-such-page/")).status_code


def test_adding_the_same_page_twice_adds_it_once(owner_client, draft):
    first = owner_client.post(url(draft, "add-page/"), {"page_id": "pet", **QUESTION})
    again = owner_client.post(url(draft, "add-page/"), {"page_id": "pet", **QUESTION})
    assert first.status_code == 302
    assert again.status_code == 400 and "there is already a page 'pet'" in text(again)
    assert [page.id for page in definition(draft).pages].count("pet") == 1


def test_a_simple_condition_is_made_from_the_form(owner_client, draft):
    condition_url = url(draft, "pages/savings/condition/")
    data = {"action": "simple", "when-question": "has-partner", "when-test": "equals"}
    response = owner_client.post(condition_url, {**data, "when-value": "no"})
    assert response.status_code == 302, text(response)
    shown = definition(draft).page("savings").show_if
    assert shown.question == "has-partner" and shown.equals is False
    response = owner_client.post(condition_url, {**data, "when-value": ""})
    assert response.status_code == 400
    assert "Enter the answer to compare with" in text(response)
    data = {"action": "simple", "when-question": "purpose", "when-test": "includes"}
    response = owner_client.post(url(draft, "pages/amount/condition/"), {**data, "when-value": "x"})
    assert response.status_code == 400
    assert "'x' is not an option of 'purpose'" in text(response)
    assert definition(draft).page("amount").show_if is None
