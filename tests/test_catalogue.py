"""Service definitions: YAML in, YAML out, and every mistake named with its line."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from commonweal.catalogue import selectors, services
from commonweal.catalogue.models import ServiceVersion
from commonweal.catalogue.yaml_io import DefinitionError, parse_definition

DEMO = Path(__file__).resolve().parents[1] / "src" / "commonweal" / "catalogue" / "demo"
BUDGETING_LOAN = (DEMO / "budgeting-loan.yaml").read_text(encoding="utf-8")


def problems_for(text: str) -> list:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    return caught.value.problems


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = text.splitlines()
    seen = 0
    for number, line in enumerate(lines, start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the text")


def test_every_demo_definition_is_valid():
    for path in DEMO.glob("*.yaml"):
        definition, _data = parse_definition(path.read_text(encoding="utf-8"))
        assert definition.slug == path.stem


def test_unknown_question_type_is_refused_with_its_line():
    text = BUDGETING_LOAN.replace("type: ni_number", "type: national_insurance")
    [problem] = problems_for(text)
    assert problem.line == line_of(text, "type: national_insurance")
    assert "ni_number" in problem.message
    assert problem.where == "pages[2].questions[0].type"


def test_missing_welsh_is_refused_with_its_line():
    text = BUDGETING_LOAN.replace("  cy: Gwneud cais am Fenthyciad Trefnu Cyllideb\n", "", 1)
    [problem] = problems_for(text)
    assert problem.message == "'cy' is required here"
    assert problem.line == line_of(text, "title:")


def test_unknown_field_is_refused():
    text = BUDGETING_LOAN.replace("target_working_days: 10", "target_working_days: 10\nsla: 5")
    [problem] = problems_for(text)
    assert problem.message == "'sla' is not a field this definition knows"
    assert problem.line == line_of(text, "sla: 5")


def test_condition_on_a_later_question_is_refused():
    text = BUDGETING_LOAN.replace("question: has-partner", "question: savings")
    [problem] = problems_for(text)
    assert "depends on 'savings', which is not a question on an earlier page" in problem.message


def test_condition_comparing_with_an_unknown_option_is_refused():
    text = BUDGETING_LOAN.replace(
        "      question: has-partner\n      equals: true",
        "      question: preferred-contact\n      equals: pigeon",
    )
    # preferred-contact comes later, so move the condition to a page after it.
    with pytest.raises(DefinitionError):
        parse_definition(text)


def test_person_field_needs_a_matching_question_type():
    text = BUDGETING_LOAN.replace("person_field: ni_number", "person_field: date_of_birth", 1)
    problems = problems_for(text)
    assert any(
        "person_field 'date_of_birth' needs a question of type date" in p.message for p in problems
    )


def test_yaml_syntax_error_names_the_line():
    [problem] = problems_for("slug: broken\ntitle: [en\n")
    assert problem.line in (2, 3)


def test_an_option_called_no_stays_a_word_not_a_boolean():
    definition, _data = parse_definition(BUDGETING_LOAN)
    rule = definition.eligibility.questions[0].not_eligible_when[0]
    assert rule.answer == ["yes"]


def test_reserved_page_ids_are_refused():
    text = BUDGETING_LOAN.replace("  - id: savings\n", "  - id: check-your-answers\n")
    [problem] = problems_for(text)
    assert "reserved" in problem.message


@pytest.mark.django_db
def test_import_is_idempotent_and_a_change_makes_a_new_published_version():
    first = services.service_import(yaml_text=BUDGETING_LOAN)
    again = services.service_import(yaml_text=BUDGETING_LOAN)
    assert again.pk == first.pk
    changed = services.service_import(
        yaml_text=BUDGETING_LOAN.replace("target_working_days: 10", "target_working_days: 12")
    )
    assert changed.number == first.number + 1
    first.refresh_from_db()
    assert first.status == ServiceVersion.Status.RETIRED
    assert changed.status == ServiceVersion.Status.PUBLISHED
    assert selectors.published_service(slug="budgeting-loan").version.pk == changed.pk


@pytest.mark.django_db
def test_reference_prefix_cannot_change_or_be_shared():
    with pytest.raises(DefinitionError, match="cannot change"):
        services.service_import(
            yaml_text=BUDGETING_LOAN.replace("reference_prefix: BL", "reference_prefix: BX")
        )
    other = BUDGETING_LOAN.replace("slug: budgeting-loan", "slug: another-loan")
    with pytest.raises(DefinitionError, match="already used"):
        services.service_import(yaml_text=other)


@pytest.mark.django_db
def test_published_version_cannot_be_edited():
    version = selectors.published_service(slug="budgeting-loan").version
    with pytest.raises(DefinitionError, match="only a draft"):
        services.service_version_update_draft(version=version, yaml_text=BUDGETING_LOAN)
    draft = services.service_version_draft_from(version=version)
    services.service_version_update_draft(
        version=draft,
        yaml_text=BUDGETING_LOAN.replace("target_working_days: 10", "target_working_days: 11"),
    )
    draft.refresh_from_db()
    assert draft.definition["target_working_days"] == 11


@pytest.mark.django_db
def test_cli_import_export_and_validate(tmp_path, capsys):
    path = tmp_path / "loan.yaml"
    path.write_text(BUDGETING_LOAN.replace("target_working_days: 10", "target_working_days: 9"))
    call_command("services", "import", str(path))
    assert "budgeting-loan version" in capsys.readouterr().out
    call_command("services", "export", "budgeting-loan")
    exported = capsys.readouterr().out
    assert "target_working_days: 9" in exported
    # What comes out goes back in unchanged.
    definition, _ = parse_definition(exported)
    assert definition.target_working_days == 9

    broken = tmp_path / "broken.yaml"
    broken.write_text(BUDGETING_LOAN.replace("type: money", "type: cash", 1))
    with pytest.raises(CommandError):
        call_command("services", "validate", str(broken))
    error = capsys.readouterr().err
    assert f"{broken}:{line_of(broken.read_text(), 'type: cash')}:" in error

    with pytest.raises(CommandError, match="No service 'nothing-here'"):
        call_command("services", "export", "nothing-here")


@pytest.mark.django_db
def test_admin_edits_a_draft_as_yaml_and_shows_the_line_of_a_mistake(admin_client):
    version = selectors.published_service(slug="budgeting-loan").version
    draft = services.service_version_draft_from(version=version)
    url = f"/staff/admin/catalogue/serviceversion/{draft.pk}/change/"
    response = admin_client.post(
        url, {"source_yaml": BUDGETING_LOAN.replace("type: money", "type: cash", 1)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"line {line_of(BUDGETING_LOAN, 'type: money')}:" in html
    response = admin_client.post(
        url,
        {
            "source_yaml": BUDGETING_LOAN.replace(
                "target_working_days: 10", "target_working_days: 7"
            )
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.definition["target_working_days"] == 7
