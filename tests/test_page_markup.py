"""Markup that makes pages usable with a screen reader, a keyboard or no JavaScript, which the
browser tests' automated checks (axe) cannot judge by themselves."""

import re

import pytest
from django.test import Client

from tests.journeys import ENERGY_SUPPORT, answer_eligibility, path_of

pytestmark = pytest.mark.django_db


def main_of_html(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def main_of(response) -> str:
    return main_of_html(response.content.decode())


def test_the_words_before_the_other_language_are_in_the_page_language(client):
    html = client.get("/").content.decode()
    link = re.search(r'<a [^>]*hreflang="cy"[^>]*>(.*?)</a>', html, re.DOTALL)
    assert 'lang="cy"' in link.group(0)
    assert '<span class="govuk-visually-hidden" lang="en">' in link.group(1)
    client.cookies["commonweal_language"] = "cy"
    html = client.get("/").content.decode()
    link = re.search(r'<a [^>]*hreflang="en"[^>]*>(.*?)</a>', html, re.DOTALL)
    assert 'lang="en"' in link.group(0)
    assert '<span class="govuk-visually-hidden" lang="cy">' in link.group(1)


def test_several_fields_under_one_heading_are_a_fieldset_with_the_heading_as_legend(
    citizen_client,
):
    answer_eligibility(citizen_client, "energy-support", ENERGY_SUPPORT["eligibility"])
    response = citizen_client.get("/services/energy-support/apply/", follow=True)
    assert path_of(response) == "/services/energy-support/apply/name/"
    main = main_of(response)
    legend = re.search(r"<legend[^>]*>\s*<h1[^>]*>\s*(.*?)\s*</h1>\s*</legend>", main, re.DOTALL)
    assert legend and legend.group(1) == "What is your name?"
    assert main.count("<fieldset") == 1
    assert main.index("</legend>") < main.index('id="given-name"') < main.index("</fieldset>")
    assert "<title>What is your name? –" in response.content.decode()


def _to_address_lookup(client):
    answer_eligibility(client, "energy-support", ENERGY_SUPPORT["eligibility"])
    client.get("/services/energy-support/apply/")
    for page_id in ("name", "date-of-birth", "ni-number"):
        client.post(f"/services/energy-support/apply/{page_id}/", ENERGY_SUPPORT["pages"][page_id])


def test_the_address_list_is_titled_as_headed_and_searching_again_asks_the_postcode(
    citizen_client,
):
    _to_address_lookup(citizen_client)
    url = "/services/energy-support/apply/address/"
    listed = citizen_client.post(url, {"address-lookup-postcode": "CF83 1JD", "action": "find"})
    html = listed.content.decode()
    assert "<title>Select the address –" in html
    search_again = re.search(r'<a href="([^"]+)"[^>]*>\s*Search again\s*</a>', html)
    assert search_again, "no Search again link"
    href = search_again.group(1).replace("&amp;", "&")
    assert href == f"{url}?address=find"
    again = citizen_client.get(href)
    assert again.status_code == 200
    html = again.content.decode()
    assert 'name="address-lookup-postcode"' in html
    assert 'name="address-choice"' not in html
    assert "<title>What is your address? –" in html


def test_searching_again_while_changing_an_answer_keeps_going_back_to_check_answers(
    citizen_client,
):
    _to_address_lookup(citizen_client)
    url = "/services/energy-support/apply/address/?address=find&change=1"
    listed = citizen_client.post(url, {"address-lookup-postcode": "CF83 1JD", "action": "find"})
    assert "?address=find&amp;change=1" in listed.content.decode()


def test_forms_post_to_their_page_without_a_fragment(citizen_client):
    # Without an action, a form posts to the page's address with any "#main-content" the
    # skip link added; the page it leads to keeps the fragment, and the browser then takes
    # focus away from the error summary.
    anonymous = Client()
    pages = [
        (anonymous, "/sign-in/?next=/applications/"),
        (anonymous, "/check-status/"),
        (anonymous, "/services/energy-support/eligibility/postcode/"),
    ]
    answer_eligibility(citizen_client, "energy-support", ENERGY_SUPPORT["eligibility"])
    citizen_client.get("/services/energy-support/apply/")
    pages.append((citizen_client, "/services/energy-support/apply/name/?change=1"))
    for who, url in pages:
        html = who.get(url).content.decode()
        forms = re.findall(r'<form method="post"[^>]*>', main_of_html(html))
        assert forms, url
        for form in forms:
            assert f'action="{url.replace("&", "&amp;")}"' in form, (url, form)


def test_service_text_becomes_paragraphs_and_bulleted_lists():
    from commonweal.core.jinja import paragraphs

    html = str(paragraphs("You will need:\n\n- your <NI> number\n- your bank details\n\nThanks"))
    assert html == (
        '<p class="govuk-body">You will need:</p>'
        '<ul class="govuk-list govuk-list--bullet"><li>your &lt;NI&gt; number</li>'
        "<li>your bank details</li></ul>"
        '<p class="govuk-body">Thanks</p>'
    )


# A quoted tag next to Jinja's `~`: with autoescaping, joining it to an escaped value escapes
# the whole string, so the tags show on the page as text.
MARKUP_JOINED = re.compile(r"""(['"])\s*</?[a-zA-Z][^'"]*\1\s*~|~\s*(['"])\s*</?[a-zA-Z]""")


def test_no_template_builds_markup_by_joining_strings():
    """Markup is written in the template (a `{% set %}` block) with values escaped as they
    go in; joining tags and escaped values with `~` shows the tags as text."""
    from pathlib import Path

    source = Path(__file__).resolve().parents[1] / "src" / "commonweal"
    templates = sorted(source.glob("*/jinja2/**/*.html"))
    assert len(templates) > 40
    joined = [
        f"{template.relative_to(source)}: {match.group(0)}"
        for template in templates
        for match in MARKUP_JOINED.finditer(template.read_text(encoding="utf-8"))
    ]
    assert joined == []
