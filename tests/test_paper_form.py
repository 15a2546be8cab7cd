"""Each service's paper form: "Get the form" on the start page leads to the service's own form,
a PDF of its questions made from the definition, read back here with pypdf."""

import io
import re
from html import unescape

import pypdf
import pytest
from django.conf import settings

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from tests.journeys import DEMO_JOURNEYS

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The PDF's words in reading order, on one line, page numbers left out."""
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    text = " ".join(page.extract_text() for page in pages)
    text = re.sub(r"\b\d+ / \d+\b", " ", text)
    return " ".join(text.replace("•", " ").split())


def words(text: str) -> str:
    return " ".join(text.split())


def form(client, slug: str, language: str = "en"):
    response = client.get(f"/services/{slug}/form-{language}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response


def test_the_start_page_links_the_services_own_form_with_its_size(client):
    html = client.get("/services/budgeting-loan/").content.decode()
    html = html[html.index("<main") : html.index("</main>")]
    assert "Get the form" not in html and 'href="/contact/"' not in html
    english = form(client, "budgeting-loan").content
    welsh = form(client, "budgeting-loan", "cy").content
    pages = len(pypdf.PdfReader(io.BytesIO(english)).pages)
    link = re.search(
        r'<a class="govuk-link" href="/services/budgeting-loan/form-en.pdf" hreflang="en" '
        r'lang="en" type="application/pdf">Download the paper form</a> '
        r'<span class="govuk-body-s" lang="en">\(PDF, (\d+) KB, (\d+) pages\)</span>',
        html,
    )
    assert link, "the form's link, with its type, size and pages"
    assert int(link.group(1)) == round(len(english) / 1024) and int(link.group(2)) == pages
    assert 'href="/services/budgeting-loan/form-cy.pdf" hreflang="cy" lang="cy"' in html
    assert f"{round(len(welsh) / 1024)} KB" in html
    # The other ways to apply are all still there.
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "By phone" in text and "0800 169 0140" in text
    assert "In person" in text and "customer service centre" in text


def test_a_welsh_start_page_offers_the_welsh_form_first(client):
    client.cookies["commonweal_language"] = "cy"
    html = client.get("/services/budgeting-loan/").content.decode()
    welsh = html.index('href="/services/budgeting-loan/form-cy.pdf"')
    english = html.index('href="/services/budgeting-loan/form-en.pdf"')
    assert welsh < english
    assert ">Download the paper form in English</a>" in html


@pytest.mark.parametrize("slug", sorted(DEMO_JOURNEYS))
def test_the_form_asks_every_question_of_the_definition(client, slug):
    response = form(client, slug)
    assert "public" in response["Cache-Control"]
    text = pdf_text(response.content)
    definition = catalogue.published_service(slug=slug).definition
    assert words(definition.title.en) in text
    for page in definition.pages:
        if page.title:
            assert words(page.title.en) in text, page.id
        for question in page.questions:
            assert words(question.label.en) in text, question.id
            if question.hint:
                assert words(question.hint.en) in text, question.id
            for option in question.options or []:
                assert words(option.label.en) in text, f"{question.id}: {option.value}"
    for question in definition.eligibility.questions if definition.eligibility else []:
        assert words(question.label.en) in text, question.id
    for paragraph in definition.declaration.en.split("\n\n"):
        assert words(paragraph) in text
    # Where to send it: the organisation's address from the settings.
    assert settings.COMMONWEAL_ORGANISATION_NAME in text
    for line in settings.COMMONWEAL_ORGANISATION_ADDRESS:
        assert line in text
    assert "Signature" in text and "Tick one." in text


def test_pages_only_some_people_answer_say_when_and_where_to_go_next(client):
    text = pdf_text(form(client, "budgeting-loan").content)
    definition = catalogue.published_service(slug="budgeting-loan").definition
    eligibility = len(definition.eligibility.questions)
    ids = [page.id for page in definition.pages]
    partner = eligibility + ids.index("partner") + 1
    partner_name = eligibility + ids.index("partner-name") + 1
    assert (
        f"Only answer question {partner_name} if you answered ‘Yes’ to question {partner}. "
        f"If not, go to question {partner_name + 1}."
    ) in text
    # An eligibility answer that means they cannot apply says so.
    assert "If you ticked ‘Yes’: You cannot get a Budgeting Loan. Do not send this form." in text
    # A choice among options names the option.
    adaptation = pdf_text(form(client, "home-adaptation").content)
    assert "if you answered ‘Someone else’ to question" in adaptation


def test_the_welsh_form_is_in_welsh(client):
    text = pdf_text(form(client, "budgeting-loan", "cy").content)
    definition = catalogue.published_service(slug="budgeting-loan").definition
    for question in definition.questions():
        assert words(question.label.cy) in text, question.id
    assert words(definition.declaration.cy.split("\n\n")[0]) in text
    assert settings.COMMONWEAL_ORGANISATION_NAME_CY in text
    assert "Tick one." not in text and "Signature" not in text


def test_a_new_version_makes_a_new_form(client):
    published = catalogue.published_service(slug="budgeting-loan")
    before = form(client, "budgeting-loan").content
    assert form(client, "budgeting-loan").content == before
    source = published.version.source_yaml.replace(
        "What is your partner’s full name?", "What is your partner’s name in full?"
    )
    catalogue_services.service_import(yaml_text=source)
    catalogue.published_cache_clear()
    after = pdf_text(form(client, "budgeting-loan").content)
    assert "What is your partner’s name in full?" in after
    assert "version 2" in after


def test_unknown_forms_are_not_found(client):
    assert client.get("/services/budgeting-loan/form-fr.pdf").status_code == 404
    assert client.get("/services/no-such-service/form-en.pdf").status_code == 404
