"""Stage changes a service marks `tell_person` (issue 16): moving a case there sends the
`stage_changed` notice in the person's language, unless they chose not to get stage
updates (on their contact preferences page, or staff on the case's); other stages tell
nobody; a final stage cannot be marked."""

import pytest

from commonweal.cases import services as cases_services
from commonweal.messaging.models import Message
from commonweal.people.models import Person, PersonChange
from tests.workspace import citizen_case, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


def _move(case, staff, stage):
    return cases_services.case_move(
        case_id=case.pk, stage_id=stage, by=staff.caseworker, revision=None
    )


def _stage_notices(case):
    return Message.objects.filter(case=case, event="stage_changed")


def test_moving_to_a_stage_marked_tell_person_tells_them(staff):
    _account, case = citizen_case()
    _move(case, staff, "checking")  # marked tell_person in the demo Budgeting Loan
    message = _stage_notices(case).get()
    assert message.channel == "email" and message.to_address == "sam.evans@example.com"
    assert "Checking your application" in message.body
    assert "We are checking your answers against the benefits you get." in message.body


def test_in_welsh_for_a_person_who_chose_welsh(staff):
    _account, case = citizen_case()
    Person.objects.filter(pk=case.person_id).update(language="cy")
    _move(case, staff, "checking")
    message = _stage_notices(case).get()
    assert message.language == "cy"
    assert "Gwirio eich cais" in message.body
    assert "cam newydd" in message.body


def test_a_stage_not_marked_tells_nobody(staff):
    _account, case = citizen_case()
    _move(case, staff, "more-information")
    assert not _stage_notices(case).exists()


def test_the_person_can_choose_not_to_get_stage_updates(client, staff):
    account, case = citizen_case()
    client.force_login(account)
    page = client.get("/account/contact-preferences/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="updates" type="checkbox" value="stage_changed" checked' in html
    assert 'value="delay" checked' in html
    response = client.post(
        "/account/contact-preferences/",
        {
            "channels": ["email"],
            "first": "email",
            "language": "en",
            "format": "standard",
            "updates_shown": "yes",
            "updates": ["delay"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(pk=case.person_id)
    assert person.updates_declined == ["stage_changed"]
    assert PersonChange.objects.filter(person=person, fields__has_key="updates_declined").exists()
    _move(case, staff, "checking")
    assert not _stage_notices(case).exists()
    # Requests for more information still go.
    cases_services.case_information_request(
        case_id=case.pk,
        items=[{"kind": "question", "text": "Your rent?"}],
        reason="",
        by=staff.caseworker,
        revision=None,
    )
    assert Message.objects.filter(case=case, event="more_information_needed").count() == 1


def test_staff_see_and_change_the_choice_on_the_case(client, staff):
    _account, case = citizen_case()
    Person.objects.filter(pk=case.person_id).update(updates_declined=["delay"])
    client.force_login(staff.caseworker)
    page = client.get(f"/staff/cases/{case.reference}/preferences/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="stage_changed" checked' in html
    assert 'value="delay" checked' not in html and 'value="delay"' in html
    assert "Which other updates do they want?" in html


def test_a_final_stage_cannot_be_marked_tell_person():
    from pathlib import Path

    import commonweal.catalogue
    from commonweal.catalogue.yaml_io import DefinitionError, parse_definition

    path = Path(commonweal.catalogue.__file__).parent / "demo" / "budgeting-loan.yaml"
    text = path.read_text(encoding="utf-8")
    parse_definition(text)  # as shipped: one stage marked, and valid
    marked = text.replace("    final: true\n", "    final: true\n    tell_person: true\n", 1)
    assert marked != text
    with pytest.raises(DefinitionError, match="cannot also tell_person"):
        parse_definition(marked)


def test_a_bulk_move_tells_each_person_in_one_batch(staff):
    from commonweal.organisations.selectors import staff_context

    cases = [citizen_case(f"bulk{n}@example.com")[1] for n in range(3)]
    outcome = cases_services.cases_bulk_move(
        case_ids=[case.pk for case in cases],
        stage_id="checking",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        batch="one-batch",
    )
    assert len(outcome.changed) == 3
    for case in cases:
        message = _stage_notices(case).get()
        assert message.to_address == case.person.email
        assert "Checking your application" in message.body
