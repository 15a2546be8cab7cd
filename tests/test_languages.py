"""People who speak other languages: their language (any ISO 639-1 code) and the interpreter
they need are recorded on their own page or by staff, shown on the case header, and
messages go in their language when a published template exists in it, otherwise in English
with a line in their language saying how to get help. Arabic runs right to left in letters
and in the portal."""

import io
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from commonweal.core import languages
from commonweal.messaging import letters
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message
from commonweal.people.models import Person, PersonChange
from tests.test_portal_decisions import page_text
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db

URL = "/account/contact-preferences/"
DEMO_TEMPLATES = Path(__file__).resolve().parents[1] / "src/commonweal/devtools/demo/templates.yaml"


def _form(**changes) -> dict:
    form = {
        "channels": ["email"],
        "first": "email",
        "email": "sam.evans@example.com",
        "phone": "",
        "language": "other",
        "other_language": "Polish",
        "interpreter": "yes",
        "interpreter_language": "polski",
        "format": "standard",
    }
    form.update(changes)
    return form


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return submit_case(citizen)


@pytest.fixture
def demo_languages(db):
    """The demo's Polish and Arabic templates, with their help lines, published."""
    messaging.templates_load(path=DEMO_TEMPLATES)
    yield
    messaging.templates_cache_clear()


def _speaks(person: Person, language: str, interpreter: str = "") -> Person:
    Person.objects.filter(pk=person.pk).update(
        language=language,
        interpreter_needed=bool(interpreter),
        interpreter_language=interpreter,
        channels=["email"],
    )
    person.refresh_from_db()
    return person


def _tell(case, event: str) -> Message:
    person = case.person
    Message.objects.all().delete()
    notice = messaging.notice_send(
        event=event,
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language=person.language),
    )
    return notice.messages.get()


def test_a_language_is_found_by_code_or_by_name_in_english_welsh_or_itself():
    assert languages.language_from_text("pl") == "pl"
    assert languages.language_from_text(" Polish ") == "pl"
    assert languages.language_from_text("Pwyleg") == "pl"
    assert languages.language_from_text("POLSKI") == "pl"
    assert languages.language_from_text("العربية") == "ar"
    assert languages.language_from_text("Klingonish") is None
    # British Sign Language is a language for an interpreter only (its ISO 639-3 code).
    assert languages.language_from_text("BSL") is None
    assert languages.language_from_text("BSL", interpreter=True) == "bfi"
    assert languages.is_rtl("ar") and languages.is_rtl("ur") and not languages.is_rtl("pl")


def test_the_person_records_their_language_and_interpreter(citizen_client, citizen):
    response = citizen_client.post(URL, _form())
    assert response.status_code == 302
    person = Person.objects.get(account=citizen)
    assert (person.language, person.interpreter_needed, person.interpreter_language) == (
        "pl",
        True,
        "pl",
    )
    change = PersonChange.objects.filter(person=person).first()
    assert change.fields["language"] == ["", "pl"]
    assert change.fields["interpreter_language"] == ["", "pl"]
    # The form shows what was saved, by name.
    html = citizen_client.get(URL).content.decode()
    assert 'value="Polish"' in html and 'value="other" checked' in html

    # British Sign Language for an interpreter; no interpreter drops the language.
    citizen_client.post(URL, _form(interpreter_language="British Sign Language"))
    person.refresh_from_db()
    assert person.interpreter_language == "bfi"
    citizen_client.post(URL, _form(interpreter="no"))
    person.refresh_from_db()
    assert (person.interpreter_needed, person.interpreter_language) == (False, "")


def test_a_language_we_do_not_know_is_refused_with_the_reason(citizen_client, citizen):
    response = citizen_client.post(URL, _form(other_language="Klingonish"))
    assert response.status_code == 400
    assert "Enter a language we know, like Polish or Arabic" in page_text(response)
    assert 'href="#other-language"' in response.content.decode()
    response = citizen_client.post(URL, _form(interpreter_language=""))
    assert response.status_code == 400
    assert "Enter the language the interpreter should speak" in page_text(response)
    assert Person.objects.get(account=citizen).language == ""


def test_staff_see_the_language_and_interpreter_on_the_case_header(client, staff, case):
    client.force_login(staff.caseworker)
    page = client.get(f"/staff/cases/{case.reference}/")
    assert "Speaks Polish" not in page_text(page)
    _speaks(case.person, "pl", "pl")
    text = page_text(client.get(f"/staff/cases/{case.reference}/"))
    assert "Speaks Polish - Interpreter needed (Polish)" in text
    _speaks(case.person, "ar", "bfi")
    text = page_text(client.get(f"/staff/cases/{case.reference}/"))
    assert "Speaks Arabic - Interpreter needed (British Sign Language)" in text
    # Staff set it on the same form, with a reason.
    response = client.post(
        f"/staff/cases/{case.reference}/preferences/",
        _form(other_language="Urdu", interpreter="no", reason="Phoned in with a relative"),
    )
    assert response.status_code == 302
    case.person.refresh_from_db()
    assert (case.person.language, case.person.interpreter_needed) == ("ur", False)


def test_a_polish_speaker_gets_the_polish_template(case, demo_languages):
    _speaks(case.person, "pl")
    message = _tell(case, "decision_made")
    assert message.language == "pl"
    assert message.template.language == "pl"
    assert message.subject.startswith("Podjęliśmy decyzję")
    assert case.reference in message.body and "((" not in message.body


def test_without_a_template_in_their_language_english_with_the_help_line(case, demo_languages):
    _speaks(case.person, "ar")
    # No Arabic template for this notice: English, with the Arabic help line after it.
    message = _tell(case, "reconsideration_decided")
    assert message.language == "en" and message.template.language == "en"
    assert message.body.startswith("Dear ")
    assert message.body.endswith(
        "إذا كنت بحاجة إلى مساعدة باللغة العربية، اتصل بنا على 0300 123 4567 واطلب مترجمًا. "
        "الخدمة مجانية."
    )
    # A language with no help line either: English alone.
    _speaks(case.person, "so")
    message = _tell(case, "reconsideration_decided")
    assert message.language == "en"
    assert message.body.rstrip().endswith("Demo Council")


def test_welsh_is_unchanged(case, demo_languages):
    _speaks(case.person, "both")
    message = _tell(case, "decision_made")
    assert message.language == "both"
    welsh, english = message.body.split("\n\n---\n\n")
    assert "Rydym wedi gwneud penderfyniad" in welsh and "We have made a decision" in english


def _letter(language: str, body: str) -> letters.LetterContent:
    return letters.LetterContent(
        address_lines=["Amira Haddad", "1 High Street", "Caerphilly", "CF83 1AA"],
        date=timezone.localdate(),
        reference="BL-1234-5678",
        subject={language: "Subject"},
        body={language: body},
        languages=[language],
        organisation={"name": "Demo Council", "phone": "0300 123 4567"},
    )


def test_arabic_letters_run_right_to_left():
    html = letters.render_letter_html(_letter("ar", "لقد اتخذنا قرارًا بشأن طلبك."))
    assert '<html lang="ar" dir="rtl">' in html
    assert '<section class="letter-section" lang="ar" dir="rtl">' in html
    assert "رقمنا المرجعي:" in html  # the letter's own words in Arabic
    # An English letter with the Arabic help line: only that paragraph runs right to left.
    html = letters.render_letter_html(
        _letter("en", "We have made a decision.\n\nإذا كنت بحاجة إلى مساعدة، اتصل بنا.")
    )
    assert '<html lang="en" dir="ltr">' in html
    assert '<p class="letter-paragraph" dir="rtl">إذا كنت' in html
    assert '<p class="letter-paragraph">We have made a decision.' in html
    # WeasyPrint lays it out with a font that has Arabic letters (DejaVu Sans).
    pdf = letters.render_letter_pdf(_letter("ar", "لقد اتخذنا قرارًا بشأن طلبك."))
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = {str(font["/BaseFont"]).split("+")[-1] for font in page["/Resources"]["/Font"].values()}
    assert fonts <= {"DejaVu-Sans", "DejaVu-Sans-Bold"}
    # The Arabic words are in the PDF as text (glyphs found, not boxes).
    assert "لقد اتخذنا قرارًا بشأن طلبك" in page.extract_text()


def test_a_polish_letter_has_its_date_in_polish():
    content = _letter("pl", "Podjęliśmy decyzję.")
    content.date = timezone.datetime(2026, 5, 3).date()
    html = letters.render_letter_html(content)
    assert "3 maja 2026" in html and "Nasz numer:" in html


def test_the_portal_shows_arabic_messages_right_to_left(citizen_client, case, demo_languages):
    person = _speaks(case.person, "ar")
    Person.objects.filter(pk=person.pk).update(channels=["portal"])
    person.refresh_from_db()
    messaging.notice_send(
        event="decision_made",
        person=person,
        case=case,
        data=messaging.notice_data(case=case, person=person, language="ar"),
    )
    Message.objects.filter(channel="portal").update(status="sent", sent_at=timezone.now())
    html = citizen_client.get(f"/applications/{case.reference}/").content.decode()
    assert 'lang="ar" dir="rtl"' in html
    assert "لقد اتخذنا قرارًا" in html


def test_the_service_refuses_a_language_or_interpreter_it_does_not_know(citizen):
    from commonweal.people import services as people_services

    person = Person.objects.get(account=citizen)
    arguments = {
        "person": person,
        "channels": ["email"],
        "accessible_format": "standard",
        "quiet_hours": None,
        "do_not_contact": [],
        "by": citizen,
        "reason": "Changed online",
    }
    with pytest.raises(people_services.ContactPreferencesRefused) as refused:
        people_services.contact_preferences_update(language="xx", **arguments)
    assert refused.value.field == "language"
    with pytest.raises(people_services.ContactPreferencesRefused) as refused:
        people_services.contact_preferences_update(
            language="pl", interpreter=(True, "xx"), **arguments
        )
    assert refused.value.field == "interpreter_language"
    person.refresh_from_db()
    assert (person.language, person.interpreter_needed) == ("", False)
    # Left out, the interpreter need is kept as it is.
    people_services.contact_preferences_update(
        language="pl", interpreter=(True, "bfi"), **arguments
    )
    people_services.contact_preferences_update(language="ar", **arguments)
    person.refresh_from_db()
    assert (person.language, person.interpreter_language) == ("ar", "bfi")
