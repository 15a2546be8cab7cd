"""`commonweal demo`: set up the embedded database with the demo services and accounts, then
serve the site and run a task worker until Ctrl+C."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from commonweal.accounts import services as accounts_services
from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue_selectors
from commonweal.catalogue import services as catalogue_services
from commonweal.checks import services as checks_services
from commonweal.devtools import organisations as demo_organisations
from commonweal.messaging import services as messaging
from commonweal.organisations import services as organisations
from commonweal.people import services as people_services

DEMO_DIR = Path(__file__).resolve().parents[3] / "catalogue" / "demo"
# The demo's community languages: Polish and Arabic templates of the main notices, and
# their help lines (docs/messaging.md, "Languages").
DEMO_TEMPLATES = Path(__file__).resolve().parents[2] / "demo" / "templates.yaml"
DEMO_CITIZEN = "alex.morgan@example.com"
# email, name, Django superuser, team, role in the team
DEMO_STAFF = [
    ("caseworker@example.com", "Casey Worker", False, "financial-support", "caseworker"),
    ("leader@example.com", "Tess Leader", False, "financial-support", "team_leader"),
    ("adaptations@example.com", "Owen Therapist", False, "adaptations", "caseworker"),
    ("provider@example.com", "Pat Provider", False, "provider", "provider_staff"),
    ("admin@example.com", "Ada Admin", True, "financial-support", "administrator"),
]
DEMO_SAVED_REPLIES = [
    (
        "Ask for a payslip",
        "Please send us your most recent payslip. You can attach a photo or a PDF to a reply "
        "to this message.",
        "Anfonwch eich slip cyflog diweddaraf atom. Gallwch atodi llun neu PDF wrth ateb y "
        "neges hon.",
    ),
    (
        "Thank you, we are checking",
        "Thank you. We have what we need and are checking it now.",
        "Diolch. Mae gennym yr hyn sydd ei angen arnom ac rydym yn ei wirio nawr.",
    ),
]


def load_demo_services() -> list[str]:
    loaded = []
    for path in sorted(DEMO_DIR.glob("*.yaml")):
        version = catalogue_services.service_import(yaml_text=path.read_text(encoding="utf-8"))
        loaded.append(f"{version.service.slug} v{version.number}")
    return loaded


def load_demo_people() -> dict[str, str]:
    """The demo citizen (with a record, so the journey can offer their details) and staff
    accounts with fresh passwords, printed on start."""
    citizen = accounts_services.account_for_email(email=DEMO_CITIZEN)
    person = people_services.person_for_account(account=citizen)
    if not person.given_name:
        people_services.person_update(
            person=person,
            details={
                "given_name": "Alex",
                "family_name": "Morgan",
                "date_of_birth": "1984-07-19",
                "ni_number": "JH803411A",
                "address": {
                    "line_1": "14 Heol y Castell",
                    "line_2": "",
                    "town": "Caerphilly",
                    "county": "",
                    "postcode": "CF83 1JD",
                },
                "phone": "+447700900982",
            },
            by=None,
            reason="Demo data",
        )
    passwords = {}
    teams = demo_organisations.organisations_demo_ensure()
    for email, name, superuser, team, role in DEMO_STAFF:
        password = secrets.token_urlsafe(9)
        user = accounts_services.staff_account_set(
            email=email, display_name=name, password=password, superuser=superuser
        )
        organisations.membership_ensure(user=user, team=teams[team], role=role)
        # Staff need a second factor: each demo account's authenticator key is printed.
        totp_key = accounts_services.staff_totp_demo_set(user=user)
        passwords[email] = (password, totp_key, f"{name}, {role.replace('_', ' ')}")
    messaging.templates_load(path=DEMO_TEMPLATES)
    for service in catalogue_selectors.published_services():
        for title, body_en, body_cy in DEMO_SAVED_REPLIES:
            messaging.saved_reply_ensure(
                service=service.service, title=title, body_en=body_en, body_cy=body_cy
            )
    # The admin is for administrators alone (their role gives them their organisation's
    # rows); a demo database made before that still has the group that let every member
    # of staff read every person, case and message there.
    accounts_services.staff_group_remove(name="Caseworkers")
    return passwords


# Three Budgeting Loans taken by phone when the demo is first set up, to show automation: the
# worker runs their checks. Megan Ellis's every check runs and passes and the rules say
# eligible, so the policy approves it: the loan is offered to her, and its payment
# instruction waits for her acceptance. Jordan Price asks for the loan to be paid into an
# account in someone else's name (S Evans), so the account holder check is amber and the
# case waits for a caseworker. Rhian Davies is involved in
# industrial action, which the rules refer to a caseworker. Each has their own details, so
# no matching check finds one in another.
DEMO_PHONE_APPLICATIONS = [
    (
        "megan.ellis@example.com",
        {
            "given-name": "Megan",
            "family-name": "Ellis",
            "date-of-birth": "1986-03-14",
            "ni-number": "MH246813C",
            "phone": "+447700900611",
            "address": {
                "line_1": "7 Heol y Nant",
                "line_2": "",
                "town": "Caerphilly",
                "county": "",
                "postcode": "CF83 2BB",
            },
            "bank-details": {
                "name": "MISS M ELLIS",
                "sort_code": "309430",
                "account_number": "28112759",
            },
        },
        False,
    ),
    (
        "jordan.price@example.com",
        {
            "given-name": "Jordan",
            "family-name": "Price",
            "ni-number": "JP123456A",
            "phone": "+447700900622",
            "address": {
                "line_1": "12 Castle Street",
                "line_2": "",
                "town": "Caerphilly",
                "county": "",
                "postcode": "CF83 1JE",
            },
            "bank-details": {
                "name": "S Evans",
                "sort_code": "309430",
                "account_number": "83604450",
            },
        },
        False,
    ),
    (
        "rhian.davies@example.com",
        {
            "given-name": "Rhian",
            "family-name": "Davies",
            "ni-number": "RW654321B",
            "phone": "+447700900456",
            "address": {
                "line_1": "3 Ffordd y Parc",
                "line_2": "",
                "town": "Caerphilly",
                "county": "",
                "postcode": "CF83 1AA",
            },
            "bank-details": {
                "name": "R Davies",
                "sort_code": "309430",
                "account_number": "12345678",
            },
        },
        True,
    ),
]
# The person index the demo builds: records from the council's other systems (synthetic).
DEMO_INDEX_RECORDS = 2_000
# A few rows of Pay.UK's modulus tables, for the sort codes the demo uses (checks/demo/).
DEMO_SORT_CODE_FILE = Path(__file__).resolve().parents[3] / "checks" / "demo" / "valacdos.txt"


def demo_phone_applications() -> list[str]:
    """The phone applications above, registered as the demo caseworker took them;
    returns their references."""
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
    from commonweal.intake import services as intake_services

    caseworker = accounts_services.account_for_email(email=DEMO_STAFF[0][0])
    council = demo_organisations.organisations_demo_ensure()["financial-support"].organisation
    published = catalogue_selectors.published_service(slug="budgeting-loan")
    references = []
    for email, answers, on_strike in DEMO_PHONE_APPLICATIONS:
        application = intake_services.application_register(
            by=caseworker,
            organisation_id=council.pk,
            published=published,
            channel="phone",
            identity_check="knowledge",
            person_email=email,
            answers={**BUDGETING_LOAN_ANSWERS, **answers},
            eligibility_answers={
                "universal-credit": "no",
                "qualifying-benefit": "yes",
                "existing-debt": "no",
                "industrial-action": "yes" if on_strike else "no",
            },
            language="en",
        )
        references.append(application.reference)
    return references


def demo_person_index() -> int:
    """A small person index, so the person-match check truly runs in the demo: records from
    the council's other systems (a synthetic population, plus council tax records of the
    people in the phone applications) and the platform's own people, linked with Splink.
    Returns how many records were linked."""
    import tempfile

    from commonweal.devtools import synthetic
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
    from commonweal.personindex import services as personindex

    population = synthetic.population(DEMO_INDEX_RECORDS, seed=1)
    by_source: dict[str, list[dict]] = {}
    for row in population.rows:
        by_source.setdefault(row["source"], []).append(row)
    for number, (email, changes, _on_strike) in enumerate(DEMO_PHONE_APPLICATIONS, start=1):
        answers = {**BUDGETING_LOAN_ANSWERS, **changes}
        by_source["council-tax"].append(
            {
                "source_id": f"ct-demo-{number}",
                "given_name": answers["given-name"],
                "family_name": answers["family-name"],
                "date_of_birth": answers["date-of-birth"],
                "postcode": answers["address"]["postcode"],
                "address_line_1": answers["address"]["line_1"],
                "town": answers["address"]["town"],
                "ni_number": answers["ni-number"],
                "email": email,
                "phone": "",
            }
        )
    with tempfile.TemporaryDirectory(prefix="commonweal-demo-") as folder:
        for source, rows in by_source.items():
            path = synthetic.write_csv(rows, Path(folder) / f"{source}.csv")
            personindex.records_import(source=source, path=path)
    personindex.platform_people_import()
    return personindex.index_link().run.records


def demo_api_key() -> str:
    """A fresh key for the demo integration (the last one is revoked), printed on start so
    an integrator can try the API at once."""
    from commonweal.api import selectors as api_selectors
    from commonweal.api import services as api_services

    council = demo_organisations.organisations_demo_ensure()["financial-support"].organisation
    for key in api_selectors.api_keys_of(organisation_id=council.pk):
        if key.name == "Demo integration":
            api_services.api_key_revoke(key=key)
    _key, token = api_services.api_key_create(
        organisation=council,
        name="Demo integration",
        scopes=["applications:register", "cases:read"],
    )
    return token


def served_at(host: str, port: int) -> str:
    """The address the demo serves on, as a link can use it."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Set up and serve the demo: web server and task worker, until Ctrl+C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--setup-only", action="store_true", help="Prepare the database, then stop"
        )

    def handle(self, *args, host, port, setup_only, **options):
        if not setup_only:
            self._check_port_free(host, port)
        base = served_at(host, port)
        # Links in the emails the demo sends while it sets itself up (the phone applications'
        # receipts and decisions) lead where it serves: the setting follows --port before
        # anything is sent, unless COMMONWEAL_BASE_URL names a public address.
        public = os.environ.get("COMMONWEAL_BASE_URL") or base
        settings.COMMONWEAL_BASE_URL = public.rstrip("/")
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if settings.STORAGES["staticfiles"]["BACKEND"].startswith("whitenoise"):
            call_command("collectstatic", interactive=False, verbosity=0)
        services = load_demo_services()
        passwords = load_demo_people()
        api_key = demo_api_key()
        # The checks need their data: the bank modulus table (a few rows of Pay.UK's, for the
        # demo's sort codes) for the worker that runs them, unless one is set already.
        os.environ.setdefault("COMMONWEAL_SORT_CODE_FILE", str(DEMO_SORT_CODE_FILE))
        phone_applications = []
        if not cases_selectors.any_cases():
            # Enough cases that the queues, search and workload have something to show.
            call_command("seed", people=150, cases=400, verbosity=0)
            # The matching checks compare with every application, seeded ones included.
            checks_services.match_keys_reindex()
            self.stdout.write("Building the person index…")
            demo_person_index()
            phone_applications = demo_phone_applications()
        if setup_only:
            self.stdout.write("Demo data loaded: " + ", ".join(services))
            return
        environment = {**os.environ, "COMMONWEAL_BASE_URL": settings.COMMONWEAL_BASE_URL}
        commonweal = [sys.executable, "-m", "commonweal.cli"]
        processes = [
            subprocess.Popen(  # noqa: S603 (our own executable and arguments)  # nosec B603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "commonweal.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    "--log-level",
                    "warning",
                ],
                env=environment,
            ),
            subprocess.Popen([*commonweal, "worker"], env=environment),  # noqa: S603  # nosec B603
        ]
        staff_lines = "\n".join(
            f"    {email:<26} password {password:<14} key {key}  {who}"
            for email, (password, key, who) in passwords.items()
        )
        automation_lines = ""
        if phone_applications:
            green, other_name, referred = phone_applications
            automation_lines = f"""
  Automation: three Budgeting Loans were taken by phone as the demo was set up. The worker
  runs their checks in the background. {green} passes every check and the rules say
  eligible, so the policy approves it: the loan is offered to the person, and its payment
  waits for them to accept it in {base}/staff/payments/pending/ (sign in as the team
  leader). {other_name} asks for the money to go to an account in someone else's name:
  that check is amber, so it waits for a caseworker. {referred} says the person is on
  strike: the rules refer it to a caseworker.

"""
        self.stdout.write(
            f"""
Commonweal demo is running.

  Citizen site   {base}/
  Workspace      {base}/staff/        (staff: email address, password and code, below)
  Staff admin    {base}/staff/admin/
  API            {base}/api/v1/schema/   key (new on every start): {api_key}
  Health         {base}/healthz
  Dev mailbox    {base}/dev/mailbox/   (every email the demo sends, sign-in codes included)

  Sign in as the demo citizen: go to {base}/sign-in/, enter {DEMO_CITIZEN},
  then read the 6-digit code in the dev mailbox (it is also logged below).

  Staff accounts (new passwords and authenticator keys on every start):
{staff_lines}
  After the password, staff enter a 6-digit code: add the key to any authenticator app
  (time-based, 6 digits), or print the code now with: commonweal totp EMAIL

  Services: {", ".join(services)}
{automation_lines}  Press Ctrl+C to stop.
"""
        )
        self._wait(processes)

    @staticmethod
    def _check_port_free(host: str, port: int) -> None:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            # As gunicorn does: connections from a demo just stopped (TIME_WAIT) do not
            # count, a server listening there does.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                raise CommandError(
                    f"Cannot serve on {host}:{port} ({error.strerror}). Is another demo running? "
                    "Stop it, or choose another port with --port."
                ) from error

    def _wait(self, processes) -> None:
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise CommandError("The web server or the worker stopped unexpectedly; see above.")
