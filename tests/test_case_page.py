"""What the case page says about the person, as a caseworker reads it."""

import pytest

from commonweal.people import services as people_services
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


def staff_client(client, user):
    client.force_login(user)
    return client


def test_accessibility_needs_are_shown_with_a_bold_label_and_the_words_escaped(
    client, staff, citizen
):
    case = submit_case(citizen)
    people_services.person_update(
        person=case.person,
        details={"accessibility_needs": "<script>alert(1)</script> Large print, please"},
        changed_by=None,
        reason="Test",
    )
    html = staff_client(client, staff.caseworker).get(f"/staff/cases/{case.reference}/")
    html = html.content.decode()
    assert "<strong>Accessibility needs:</strong> &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Large print, please" in html
    assert "<script>alert(1)" not in html
    assert "&lt;strong&gt;" not in html
