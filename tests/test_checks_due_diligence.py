"""The Companies House and Charity Commission adapters, against a local HTTP server that
answers as their published APIs do (the real registers cannot be reached from tests): found,
dissolved or removed, unknown (404), rate-limited (429) and failing (500). The server
refuses requests without the key in the documented place, so the tests also show the key
arrives: HTTP basic auth with the key as user name for Companies House, the
`Ocp-Apim-Subscription-Key` header for the Charity Commission."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import httpx
import pytest

from commonweal.checks import due_diligence, registry

COMPANIES_HOUSE_KEY = "ch-test-key-5f2a"
CHARITY_KEY = "cc-test-key-91b0"

COMPANIES = {
    "01234567": {
        "company_name": "HELPING HANDS LIMITED",
        "company_number": "01234567",
        "company_status": "active",
        "date_of_creation": "2004-03-12",
        "type": "ltd",
    },
    "SC123456": {
        "company_name": "GONE AWAY LTD",
        "company_number": "SC123456",
        "company_status": "dissolved",
        "date_of_creation": "2010-01-05",
        "date_of_cessation": "2021-07-20",
        "type": "ltd",
    },
    "07654321": {
        "company_name": "STRUGGLING LTD",
        "company_number": "07654321",
        "company_status": "liquidation",
        "date_of_creation": "2015-06-01",
        "type": "ltd",
    },
}
CHARITIES = {
    "1100001": {
        "organisation_number": 5000001,
        "reg_charity_number": 1100001,
        "group_subsid_suffix": 0,
        "charity_name": "VALLEY FOOD BANK",
        "reg_status": "R",
        "date_of_registration": "2003-09-01T00:00:00",
        "date_of_removal": None,
    },
    "1100002": {
        "organisation_number": 5000002,
        "reg_charity_number": 1100002,
        "group_subsid_suffix": 0,
        "charity_name": "OLD TOWN TRUST",
        "reg_status": "RM",
        "date_of_registration": "1990-02-01T00:00:00",
        "date_of_removal": "2019-11-30T00:00:00",
    },
}


class Registers(BaseHTTPRequestHandler):
    requests: list = []

    def log_message(self, *args):
        """Quiet: the tests read what arrived from `requests`, not from the log."""

    def _json(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        Registers.requests.append((self.path, dict(self.headers)))
        parts = self.path.strip("/").split("/")
        if parts[0] == "company":
            expected = "Basic " + base64.b64encode(f"{COMPANIES_HOUSE_KEY}:".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._json(401, {"error": "Invalid Authorization", "type": "ch:service"})
            number = parts[1]
            if number == "00000429":
                return self._json(429, {"errors": [{"error": "rate-limit"}]})
            if number == "00000500":
                return self._json(500, {"errors": [{"error": "internal"}]})
            if number not in COMPANIES:
                return self._json(
                    404, {"errors": [{"error": "company-profile-not-found", "type": "ch:service"}]}
                )
            return self._json(200, COMPANIES[number])
        if parts[:3] == ["register", "api", "allcharitydetailsV2"]:
            if self.headers.get("Ocp-Apim-Subscription-Key") != CHARITY_KEY:
                return self._json(
                    401, {"statusCode": 401, "message": "Access denied due to missing key."}
                )
            number = parts[3]
            if number == "1100429":
                return self._json(429, {"statusCode": 429, "message": "Rate limit is exceeded."})
            if number not in CHARITIES:
                return self._json(404, {"statusCode": 404, "message": "Not found"})
            return self._json(200, CHARITIES[number])
        return self._json(404, {})


@pytest.fixture
def registers(settings):
    Registers.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Registers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.COMMONWEAL_COMPANIES_HOUSE_URL = base
    settings.COMMONWEAL_COMPANIES_HOUSE_API_KEY = COMPANIES_HOUSE_KEY
    settings.COMMONWEAL_CHARITY_COMMISSION_URL = f"{base}/register/api"
    settings.COMMONWEAL_CHARITY_COMMISSION_API_KEY = CHARITY_KEY
    yield Registers
    server.shutdown()
    server.server_close()


def case_with(**answers):
    """The checks read only the application's answers."""
    return SimpleNamespace(application=SimpleNamespace(answers=answers))


def test_both_adapters_are_registered():
    assert registry.get_check("companies-house").run is due_diligence.companies_house
    assert registry.get_check("charity-commission").run is due_diligence.charity_commission


def test_active_company_is_green_and_the_key_arrives_as_basic_auth(registers):
    result = due_diligence.companies_house(
        case_with(**{"company-number": "1234567", "organisation-name": "Helping Hands Ltd"})
    )
    assert result["status"] == "green"
    assert result["reasons"] == ["HELPING HANDS LIMITED (01234567) is an active company."]
    assert result["evidence"]["company_status"] == "active"
    path, headers = registers.requests[-1]
    assert path == "/company/01234567"
    assert headers["Authorization"].startswith("Basic ")


def test_dissolved_and_insolvent_companies_are_red(registers):
    dissolved = due_diligence.companies_house(case_with(**{"company-number": "sc 123456"}))
    assert dissolved["status"] == "red"
    assert "has closed: its status is dissolved, since 2021-07-20" in dissolved["reasons"][0]
    insolvent = due_diligence.companies_house(case_with(**{"company-number": "07654321"}))
    assert insolvent["status"] == "red"
    assert "is insolvent" in insolvent["reasons"][0]


def test_unknown_company_is_red_and_a_wrong_name_is_amber(registers):
    unknown = due_diligence.companies_house(case_with(**{"company-number": "09999999"}))
    assert unknown["status"] == "red"
    assert unknown["reasons"] == ["Companies House has no company numbered 09999999."]
    renamed = due_diligence.companies_house(
        case_with(**{"company-number": "01234567", "organisation-name": "Helping Feet Ltd"})
    )
    assert renamed["status"] == "amber"
    assert "is not the registered name, HELPING HANDS LIMITED" in renamed["reasons"][0]


def test_rate_limits_and_server_errors_raise_so_the_runner_records_an_error(registers):
    for number in ("00000429", "00000500"):
        with pytest.raises(due_diligence.RegisterUnavailable):
            due_diligence.companies_house(case_with(**{"company-number": number}))
    with pytest.raises(due_diligence.RegisterUnavailable, match="429"):
        due_diligence.charity_commission(case_with(**{"charity-number": "1100429"}))


def test_a_wrong_key_is_an_error_not_a_verdict(registers, settings):
    settings.COMMONWEAL_COMPANIES_HOUSE_API_KEY = "not-the-key"
    with pytest.raises(due_diligence.RegisterUnavailable, match="refused the API key"):
        due_diligence.companies_house(case_with(**{"company-number": "01234567"}))


def test_no_api_key_means_no_call(registers, settings):
    settings.COMMONWEAL_COMPANIES_HOUSE_API_KEY = None
    settings.COMMONWEAL_CHARITY_COMMISSION_API_KEY = None
    company = due_diligence.companies_house(case_with(**{"company-number": "01234567"}))
    charity = due_diligence.charity_commission(case_with(**{"charity-number": "1100001"}))
    assert registers.requests == []
    for result in (company, charity):
        # Nothing was looked up: "not run", never a pass (nor a finding about the organisation).
        assert result["status"] == "not_run"
        assert result["evidence"] == {"not_run": "no_api_key"}
        assert result["reasons"][0].startswith("No API key is set for")
        assert "Look the organisation up by hand." in result["reasons"][0]


def test_a_number_that_cannot_be_one_is_red_without_a_call(registers):
    result = due_diligence.companies_house(case_with(**{"company-number": "12-AB"}))
    assert result["status"] == "red"
    assert registers.requests == []


def test_registered_charity_is_green_and_the_key_arrives_in_its_header(registers):
    result = due_diligence.charity_commission(
        case_with(**{"charity-number": "1100001", "organisation-name": "Valley Food Bank"})
    )
    assert result["status"] == "green"
    assert result["reasons"] == ["VALLEY FOOD BANK (1100001) is a registered charity."]
    path, headers = registers.requests[-1]
    assert path == "/register/api/allcharitydetailsV2/1100001/0"
    assert headers["Ocp-Apim-Subscription-Key"] == CHARITY_KEY


def test_removed_and_unknown_charities_are_red(registers):
    removed = due_diligence.charity_commission(case_with(**{"charity-number": "1100002"}))
    assert removed["status"] == "red"
    assert "was removed from the register of charities on 2019-11-30" in removed["reasons"][0]
    unknown = due_diligence.charity_commission(case_with(**{"charity-number": "1234567"}))
    assert unknown["status"] == "red"
    assert "has no charity numbered 1234567" in unknown["reasons"][0]


def test_an_unreachable_register_raises(settings):
    settings.COMMONWEAL_COMPANIES_HOUSE_API_KEY = COMPANIES_HOUSE_KEY
    settings.COMMONWEAL_COMPANIES_HOUSE_URL = "http://127.0.0.1:9"
    with pytest.raises(httpx.HTTPError):
        due_diligence.companies_house(case_with(**{"company-number": "01234567"}))


def test_no_number_given_is_not_run_never_green():
    # A service that lists the check expects an organisation to check: without a number
    # there was nothing to look up, which must not read as a pass.
    for result in (
        due_diligence.companies_house(case_with()),
        due_diligence.charity_commission(case_with()),
    ):
        assert result["status"] == "not_run"
        assert "was given, so there was nothing to look up" in result["reasons"][0]
