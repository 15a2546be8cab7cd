"""`commonweal demo` from an empty data directory: serves the site, runs a worker, and
lets the demo citizen sign in with the code from the development mailbox."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.signin import totp_code


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(COMMONWEAL_DATA_DIR=str(tmp_path), COMMONWEAL_ENV="development")
    process = subprocess.Popen(
        [sys.executable, "-m", "commonweal.cli", "demo", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    # Setting up builds the demo data and a small person index first.
    deadline = time.monotonic() + 240
    while True:
        with contextlib.suppress(httpx.TransportError, ValueError):  # still starting
            if httpx.get(f"{base}/healthz", timeout=2).json()["worker"]["ok"]:
                break
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the demo did not start:\n" + process.stdout.read())
        time.sleep(0.5)
    yield base, process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


@pytest.mark.django_db
def test_the_emails_sent_while_the_demo_sets_up_link_to_the_port_it_serves(settings, monkeypatch):
    """The phone applications made as the demo sets itself up are told their reference by
    email before the server starts: the links in it lead to the demo's own port."""
    from django.core.management import call_command

    from commonweal.messaging.models import Message

    monkeypatch.delenv("COMMONWEAL_BASE_URL", raising=False)
    settings.COMMONWEAL_BASE_URL = "http://127.0.0.1:8000"  # the default, and restored after
    call_command("demo", "--setup-only", "--port", "8765")
    emails = list(Message.objects.filter(channel="email", event="application_received"))
    assert emails  # one for each phone application with an email address
    for email in emails:
        assert f"http://127.0.0.1:8765/applications/{email.case.reference}/" in email.body
        assert "http://127.0.0.1:8765/check-status/" in email.body
        assert ":8000" not in email.body


def test_the_demo_serves_the_catalogue_and_the_citizen_can_sign_in(demo):
    base, process = demo
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        home = browser.get("/")
        assert home.status_code == 200
        for title in ("Apply for a Budgeting Loan", "carers", "energy", "adapt"):
            assert title.lower() in home.text.lower()
        page = browser.get("/sign-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = browser.post(
            "/sign-in/", data={"email": "alex.morgan@example.com", "csrfmiddlewaretoken": token}
        )
        assert response.headers["location"] == "/sign-in/code/"
        mailbox = browser.get("/dev/mailbox/").text
        code = re.search(r"Your sign-in code is (\d{6})", mailbox).group(1)
        response = browser.post("/sign-in/code/", data={"code": code, "csrfmiddlewaretoken": token})
        assert response.headers["location"] == "/applications/"
        assert "Your applications" in browser.get("/applications/").text
        assert browser.get("/static/commonweal/build/app.css").status_code == 200
    # The demo caseworker signs in with the password printed on start and finds cases.
    printed = ""
    while "Press Ctrl+C to stop" not in printed:
        line = process.stdout.readline()
        assert line, "the demo printed no staff accounts"
        printed += line
    password, key = re.search(
        r"caseworker@example.com\s+password (\S+)\s+key (\S+)", printed
    ).groups()
    # The demo integration's key, printed on start, works at once.
    api_key = re.search(r"key \(new on every start\): (\S+)", printed).group(1)
    missing = httpx.get(
        f"{base}/api/v1/cases/BL-2345-6789/", headers={"Authorization": f"Bearer {api_key}"}
    )
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        assert browser.get("/staff/queue/").headers["location"].startswith("/staff/sign-in/")
        page = browser.get("/staff/sign-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = browser.post(
            "/staff/sign-in/",
            data={
                "email": "caseworker@example.com",
                "password": password,
                "csrfmiddlewaretoken": token,
            },
        )
        # Then the one-time code from the authenticator key printed beside the password.
        assert response.headers["location"] == "/staff/sign-in/code/"
        response = browser.post(
            "/staff/sign-in/code/", data={"code": totp_code(key), "csrfmiddlewaretoken": token}
        )
        assert response.headers["location"] == "/staff/"
        queue = browser.get("/staff/queue/").text
        assert re.search(r"\d+ open cases", queue), queue[:2000]
        assert "Financial support" in queue
        # Automation: the phone application whose every check truly ran and passed is
        # approved by the rules and its payment set up by the worker, with no one touching
        # it; the one paying into someone else's account and the strike case wait for a
        # caseworker.
        green, other_name, referred = re.search(
            r"Budgeting Loans were taken by phone.*?(BL-\S+) passes every check.*?"
            r"(BL-\S+) asks for the\s+money to go to an account in someone else's name.*?"
            r"(BL-\S+) says",
            printed,
            re.S,
        ).groups()

        def case_page(reference: str) -> str:
            """The case page's summary, checks and history sections, one after another."""
            return "".join(
                browser.get(f"/staff/cases/{reference}/{section}").text
                for section in ("", "checks/", "history/")
            )

        deadline = time.monotonic() + 60
        while True:
            page = case_page(green)
            if "Payment of £400.00 instructed" in page:
                break
            assert time.monotonic() < deadline, page[:3000]
            time.sleep(1)
        assert "Automation policy: budgeting-loan, version 1" in page
        # Truly all green: every check the service lists ran (the demo builds a person index
        # and has the modulus table for its sort codes) and passed.
        checks = page[page.index('class="govuk-summary-list app-checks"') :]
        checks = checks[: checks.index("</dl>")]
        tags = re.findall(r'<strong class="govuk-tag ([^"]+)">([^<]+)</strong>', checks)
        assert len(tags) == 8 and {tag for tag, _words in tags} == {"govuk-tag--green"}, tags
        assert "The applicant matches one person in the person index." in page
        assert "passes the banks&#39; modulus check" in page
        for reference in (other_name, referred):
            while True:
                waiting = case_page(reference)
                if "left this case for a person" in waiting:
                    break
                assert time.monotonic() < deadline, waiting[:3000]
                time.sleep(1)
            assert "Automation policy:" not in waiting and "Payment of" not in waiting
        assert "Name on the bank account: amber (The name on the account, S Evans" in (
            case_page(other_name)
        )
        # The strike case can be refused for the reason the rules referred it.
        decide = browser.get(f"/staff/cases/{referred}/decision/").text
        assert "You are involved in industrial action" in decide
        # The emails made as the demo set itself up (sent by now) link to where it serves.
        # (The mailbox shows the newest fifty: any of the applications' emails will do.)
        mailbox = browser.get("/dev/mailbox/").text
        assert re.search(rf"{re.escape(base)}/applications/[A-Z]{{2,3}}-", mailbox), mailbox[-3000:]
        assert "127.0.0.1:8000/" not in mailbox or base.endswith(":8000")
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    output = printed + output
    assert "Sign in as the demo citizen" in output
    assert "caseworker@example.com" in output
    assert "leader@example.com" in output and "/staff/" in output
    assert process.returncode == 0
