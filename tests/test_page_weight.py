"""Every citizen page weighs at most 60 KB over the wire with compression, fonts excluded.

Pages are fetched with Accept-Encoding: gzip (GZipMiddleware compresses HTML, as in
production); the stylesheets, scripts and images a page links to are counted at their
gzip-compressed size, which is what WhiteNoise serves in production (brotli is smaller
still). Fonts would be excluded, but the service uses the system font stack and has none.
"""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import resolve

from tests.journeys import BUDGETING_LOAN, answer_eligibility, path_of

pytestmark = pytest.mark.django_db

LIMIT = 60 * 1024
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def asset_bytes(url: str) -> int:
    path = finders.find(url.removeprefix("/static/"))
    assert path, f"missing static file {url}"
    with open(path, "rb") as handle:
        data = handle.read()
    if path.endswith((".woff", ".woff2", ".ttf", ".otf")):
        return 0
    return len(gzip.compress(data, compresslevel=9))


def page_bytes(response) -> int:
    assert response.get("Content-Encoding") == "gzip"
    html = gzip.decompress(response.content).decode()
    total = len(response.content)
    for url in set(ASSET.findall(html)):
        total += asset_bytes(url)
    return total


def test_every_page_of_a_whole_application_is_under_60_kb(citizen_client):
    weights = {}
    anonymous = Client()
    for url in ("/", "/services/budgeting-loan/", "/check-status/", "/sign-in/", "/accessibility/"):
        weights[url] = page_bytes(anonymous.get(url, HTTP_ACCEPT_ENCODING="gzip"))
    client = citizen_client
    answer_eligibility(client, "budgeting-loan", BUDGETING_LOAN["eligibility"])
    response = client.get("/services/budgeting-loan/apply/", follow=True)
    for _step in range(40):
        path = path_of(response)
        weights[path] = page_bytes(client.get(path, HTTP_ACCEPT_ENCODING="gzip"))
        match = resolve(path)
        if match.url_name == "check-answers":
            response = client.post(path, follow=True)
            path = path_of(response)
            weights[path] = page_bytes(client.get(path, HTTP_ACCEPT_ENCODING="gzip"))
            reference = path.split("/")[2]
            detail = f"/applications/{reference}/"
            weights[detail] = page_bytes(client.get(detail, HTTP_ACCEPT_ENCODING="gzip"))
            break
        if match.url_name == "confirm-details":
            response = client.post(path, follow=True)
            continue
        response = client.post(path, BUDGETING_LOAN["pages"][match.kwargs["page_id"]], follow=True)
    assert len(weights) > 15
    too_heavy = {url: size for url, size in weights.items() if size > LIMIT}
    assert too_heavy == {}, too_heavy
    print("heaviest page:", max(weights.values()), "bytes")
