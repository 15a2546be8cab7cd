"""Security headers: the Content Security Policy on every page, no inline script or style in
any template, and production settings that pass Django's deployment check."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db

SOURCE_DIR = Path(__file__).resolve().parents[1] / "src" / "commonweal"

# A <script> element with anything between its tags is inline code; one with a src= is a file.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_policy(response, label: str) -> None:
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"], label
    assert policy["script-src"] == ["'self'"], label
    assert policy["style-src"] == ["'self'"], label
    assert policy["object-src"] == ["'none'"], label
    assert policy["frame-ancestors"] == ["'none'"], label
    assert policy["form-action"] == ["'self'"], label
    assert policy["base-uri"] == ["'self'"], label
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], label
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], label


def assert_no_inline_code(html: str, label: str) -> None:
    for pattern, what in (
        (INLINE_SCRIPT, "an inline <script>"),
        (STYLE_ATTRIBUTE, "a style= attribute"),
        (STYLE_ELEMENT, "a <style> element"),
        (EVENT_HANDLER, "an on…= event handler"),
    ):
        found = pattern.search(html)
        assert found is None, f"{label} has {what}: {html[found.start() : found.start() + 120]}"


# Documents a person saves and opens on their own machine (and that WeasyPrint turns into
# a PDF): their styles must travel inside them. They are only ever sent as attachments, so
# no page of the site runs them, and the site's policy still covers them if a browser shows
# one in place.
SAVED_DOCUMENTS = {"rights/jinja2/rights/export_document.html"}


def test_no_template_has_inline_script_or_style():
    """Every Jinja template of every app, including the ones no test renders."""
    templates = sorted(SOURCE_DIR.glob("*/jinja2/**/*.html"))
    assert len(templates) > 40
    for template in templates:
        html = template.read_text(encoding="utf-8")
        if str(template.relative_to(SOURCE_DIR)) in SAVED_DOCUMENTS:
            assert "<script" not in html, f"{template} must not carry script"
            continue
        assert_no_inline_code(html, str(template))


def test_the_govuk_template_inline_script_is_served_as_a_file(client):
    html = client.get("/").content.decode()
    assert "document.body.className" not in html
    script = re.search(r'<script src="([^"]*js-enabled[^"]*)"></script>', html)
    assert script, "the js-enabled script is missing"
    # It comes first in <body>, where GOV.UK's own inline script was.
    body = html[html.index("<body") :]
    assert body.index("<script") == body.index(script.group(0))
    served = client.get(script.group(1))
    assert served.status_code == 200
    assert b"js-enabled" in b"".join(served.streaming_content)


def test_citizen_pages_carry_the_policy_and_no_inline_code(client, citizen_client, citizen):
    case = submit_case(citizen)
    reference = case.application.reference
    pages = [
        "/",
        "/services/budgeting-loan/",
        "/applications/",
        f"/applications/{reference}/",
        f"/applications/{reference}/messages/",
        "/account/representatives/",
        "/account/contact-preferences/",
        "/check-status/",
        "/accessibility/",
        "/no-such-page/",
    ]
    for url in pages:
        response = citizen_client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict_policy(response, url)
        assert_no_inline_code(response.content.decode(), url)
    client.logout()
    for url in ("/sign-in/", "/staff/sign-in/"):
        response = client.get(url)
        assert_strict_policy(response, url)
        assert_no_inline_code(response.content.decode(), url)


def test_staff_pages_carry_the_policy_and_no_inline_code(client, citizen):
    staff = make_staff()
    case = submit_case(citizen)
    client.force_login(staff.leader)
    pages = [
        "/staff/",
        "/staff/queue/",
        "/staff/search/?q=Evans",
        "/staff/workload/",
        "/staff/letters/",
        "/staff/messages/",
        f"/staff/cases/{case.reference}/",
        f"/staff/cases/{case.reference}/decision/",
        f"/staff/cases/{case.reference}/preferences/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response, url)
        assert_no_inline_code(response.content.decode(), url)
    sent = client.post(
        "/staff/messages/",
        {
            "service": "budgeting-loan",
            "open_only": "yes",
            "message_en": "The office is closed on Monday.",
            "message_cy": "Mae'r swyddfa ar gau ddydd Llun.",
        },
    )
    progress = client.get(sent["Location"])
    assert "<progress" in progress.content.decode()
    assert_no_inline_code(progress.content.decode(), sent["Location"])


def test_admin_pages_carry_the_policy_and_run_no_inline_script(client, citizen):
    from commonweal.accounts.models import User

    admin = User.objects.create_superuser("admin@council.example", password="a long password 1")
    client.force_login(admin)
    for url in ("/staff/admin/", "/staff/admin/accounts/user/", "/staff/admin/cases/case/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response, url)
        # Django's admin loads its code from files and passes data in data- attributes.
        html = response.content.decode()
        assert INLINE_SCRIPT.search(html) is None, url
        assert EVENT_HANDLER.search(html) is None, url


def test_headers_and_cookies_in_development(client, citizen_client):
    response = citizen_client.get("/applications/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    client.logout()
    form = client.get("/sign-in/")
    csrf = form.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    # The demo serves plain HTTP on loopback: no Secure cookies or HSTS outside production.
    assert not csrf["secure"]
    assert "Strict-Transport-Security" not in form


def _production_environment(**extra) -> dict:
    environment = {
        **os.environ,
        "COMMONWEAL_ENV": "production",
        "SECRET_KEY": "x" * 60 + "a-long-random-secret-used-only-by-this-test",
        "ALLOWED_HOSTS": "apply.example.gov.uk",
        "DJANGO_SETTINGS_MODULE": "commonweal.settings",
        "COMMONWEAL_DATA_DIR": os.environ["COMMONWEAL_DATA_DIR"],
        **extra,
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    environment.pop("DEBUG", None)
    return environment


PRODUCTION_SETTINGS = """
import json
import django
from django.conf import settings
from django.test import Client
django.setup()
response = Client().get("/accessibility/", secure=True, HTTP_HOST="apply.example.gov.uk")
plain = Client().get("/accessibility/", HTTP_HOST="apply.example.gov.uk")
# No database here: only whether the redirect happens matters.
health = Client(raise_request_exception=False).get("/healthz", HTTP_HOST="apply.example.gov.uk")
print(json.dumps({
    "debug": settings.DEBUG,
    "session_cookie": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,
                       settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
    "csrf_cookie": [settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_HTTPONLY],
    "hsts": response.get("Strict-Transport-Security"),
    "csp": response.get("Content-Security-Policy"),
    "plain_http": [plain.status_code, plain.get("Location")],
    "health_over_http": health.status_code,
    "proxy_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
}))
"""


def test_production_settings_harden_cookies_headers_and_transport():
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SETTINGS],
        # No collected static files here: pages name them without the manifest.
        env=_production_environment(COMMONWEAL_STATIC_MANIFEST="false"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["debug"] is False
    assert found["session_cookie"] == ["__Host-commonweal_session", True, True, "Lax"]
    assert found["csrf_cookie"] == [True, True]
    assert found["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in found["csp"]
    assert "script-src 'self'" in found["csp"]
    assert found["plain_http"] == [301, "https://apply.example.gov.uk/accessibility/"]
    assert found["health_over_http"] != 301  # a load balancer's check is not redirected
    assert found["proxy_header"] is None


@pytest.mark.parametrize(
    "extra",
    [
        {},
        # Behind a proxy that ends TLS, with a domain not ready for the preload list.
        {"SECURE_PROXY_SSL_HEADER": "true", "SECURE_HSTS_PRELOAD": "false"},
    ],
)
def test_check_deploy_is_clean_with_production_settings(extra):
    result = subprocess.run(
        [sys.executable, "-m", "commonweal.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_environment(**extra),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr
