"""The staff sign-in in a real browser with axe-core: password, setting up the
authenticator app, recovery codes, then the workspace; with JavaScript off (mouse) and by
keyboard alone. And the page that explains a service needs proof of identity."""

from __future__ import annotations

import re

import pytest

from commonweal.accounts.models import TotpDevice
from tests.signin import totp_code
from tests.workspace import make_staff

from .citizen import Citizen
from .conftest import VIEWPORT

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
# The form's button, not the password field's "Show" toggle.
SUBMIT = "main form button.govuk-button:not(.govuk-password-input__toggle)"


@pytest.mark.parametrize("mode", ["js-off", "keyboard"])
def test_staff_sign_in_and_set_up_of_the_authenticator_app(chromium, demo_site, axe, mode):
    keyboard = mode == "keyboard"
    staff = make_staff()
    staff.caseworker.set_password(PASSWORD)
    staff.caseworker.save()
    context = chromium.new_context(
        base_url=demo_site, java_script_enabled=keyboard, viewport=VIEWPORT
    )
    if keyboard:
        axe.install(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    worker = Citizen(page, keyboard=keyboard, language="en", axe=axe)
    try:
        worker.visit("/staff/queue/")
        assert worker.path.startswith("/staff/sign-in/")
        worker.fill('[name="email"]', staff.caseworker.email)
        worker.fill('[name="password"]', "not the password")
        worker.submit(SUBMIT, "with an error")
        assert page.locator(".govuk-error-summary").count() == 1
        worker.fill('[name="email"]', staff.caseworker.email)
        worker.fill('[name="password"]', PASSWORD)
        worker.submit(SUBMIT)
        assert worker.path == "/staff/sign-in/set-up/"
        secret = page.locator("#secret").inner_text().replace(" ", "")
        worker.fill('[name="code"]', "12")
        worker.submit(SUBMIT, "with an error")
        assert page.locator(".govuk-error-summary").count() == 1
        worker.fill('[name="code"]', totp_code(secret))
        worker.submit(SUBMIT)
        assert page.locator("#recovery-codes li").count() == 10
        worker.activate("main a.govuk-button")
        assert worker.path == "/staff/queue/"
        assert worker.focus_problems == []
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
    assert TotpDevice.objects.get(user=staff.caseworker).confirmed_at is not None


def test_the_identity_page_passes_axe(chromium, demo_site, axe, settings):
    settings.COMMONWEAL_OIDC_PROVIDERS = (
        '[{"name": "one-login", "label": "GOV.UK One Login", "purpose": "citizen",'
        ' "issuer": "https://oidc.example/", "client_id": "c",'
        ' "vectors": {"medium": "Cl.Cm", "high": "Cl.Cm.P2"}}]'
    )
    from pathlib import Path

    from commonweal.catalogue import services as catalogue_services

    text = (Path(catalogue_services.__file__).parent / "demo" / "budgeting-loan.yaml").read_text(
        encoding="utf-8"
    )
    catalogue_services.service_import(yaml_text=text + "\nidentity_level: high\n")
    context = chromium.new_context(base_url=demo_site, java_script_enabled=False, viewport=VIEWPORT)
    page = context.new_page()
    person = Citizen(page, keyboard=False, language="en", axe=axe)
    try:
        person.visit("/services/budgeting-loan/identity/")
        main = page.locator("main").inner_text()
        assert "prove your identity" in main and "Continue with GOV.UK One Login" in main
        assert re.search(r"Other ways to apply", main)
    finally:
        context.close()
    axe.finish()
    assert axe.problems == []
