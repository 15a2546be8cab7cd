"""English and Welsh: the switcher, Accept-Language, a complete Welsh catalogue."""

from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "commonweal"
CATALOGUE = SOURCE / "locale" / "cy" / "LC_MESSAGES" / "django.po"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
}
METHODS = [("**.py", "python"), ("**/jinja2/**.html", "jinja2")]
OPTIONS = {"**/jinja2/**.html": {"extensions": "jinja2.ext.i18n,jinja2.ext.do"}}


def test_every_interface_string_has_a_welsh_translation():
    """Every string the code and templates can show is in the Welsh catalogue, translated.
    Run `make messages-update` and translate the new entries when this fails."""
    with CATALOGUE.open(encoding="utf-8") as handle:
        catalogue = read_po(handle)
    translated = {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalogue
        if message.id
        and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    missing = []
    for _filename, _line, message, _comments, context in extract_from_dir(
        SOURCE, method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if (context, msgid) not in translated:
            missing.append(msgid)
    assert missing == []


@pytest.mark.django_db
def test_accept_language_welsh_gives_welsh_pages(client):
    response = client.get("/services/budgeting-loan/", HTTP_ACCEPT_LANGUAGE="cy")
    html = response.content.decode()
    assert '<html lang="cy"' in html
    assert "Gwneud cais am Fenthyciad Trefnu Cyllideb" in html  # service content
    assert "Neidio i'r prif gynnwys" in html  # interface string
    assert "Apply for a Budgeting Loan" not in html


@pytest.mark.django_db
def test_the_language_link_switches_and_remembers_the_language(client):
    html = client.get("/check-status/").content.decode()
    assert 'href="/language/cy/?next=%2Fcheck-status%2F"' in html
    response = client.get("/language/cy/?next=/check-status/")
    assert response.status_code == 302 and response["Location"] == "/check-status/"
    html = client.get("/check-status/").content.decode()
    assert '<html lang="cy"' in html
    client.get("/language/en/?next=/")
    assert '<html lang="en"' in client.get("/check-status/").content.decode()


@pytest.mark.django_db
def test_the_language_link_never_sends_people_off_the_site(client):
    response = client.get("/language/cy/?next=https://evil.example/")
    assert response["Location"] == "/"
    assert client.get("/language/xx/").status_code == 404


@pytest.mark.django_db
def test_welsh_errors_come_from_the_service_definition(client):
    client.get("/language/cy/")
    response = client.post("/services/budgeting-loan/eligibility/universal-credit/", {})
    html = unescape(response.content.decode())
    assert "Dewiswch 'ie' os ydych yn cael Credyd Cynhwysol" in html
    assert "Mae problem wedi codi" in html
