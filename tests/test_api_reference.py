"""UK reference data through the API: postcodes, bank holidays, working days, addresses."""

import pytest

from commonweal.api import services as api_services
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db


def test_a_postcode_is_given_back_in_its_written_form(client):
    answer = client.get("/api/v1/reference/postcodes/ cf831aa/")
    assert answer.status_code == 200
    assert answer.json() == {"postcode": "CF83 1AA", "outward": "CF83", "inward": "1AA"}


@pytest.mark.parametrize("postcode", ["QQ1 1AA", "12345", "SW1A1AAA"])
def test_a_postcode_that_cannot_exist_is_refused_with_the_field_named(client, postcode):
    answer = client.get(f"/api/v1/reference/postcodes/{postcode}/")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "postcode"


def test_bank_holidays_differ_by_nation(client):
    def days(region):
        answer = client.get(f"/api/v1/reference/bank-holidays/?year=2026&region={region}")
        assert answer.status_code == 200
        return {day["date"]: day["name"] for day in answer.json()["bank_holidays"]}

    england, scotland = days("england-and-wales"), days("scotland")
    assert "2026-12-25" in england and "2026-12-25" in scotland
    assert "2026-04-06" in england  # Easter Monday is not a bank holiday in Scotland
    assert "2026-04-06" not in scotland
    assert "2026-11-30" in scotland  # St Andrew's Day


@pytest.mark.parametrize(
    ("query", "field"),
    [("year=2026&region=wales", "region"), ("year=1066", "year"), ("year=soon", "query.year")],
)
def test_bad_bank_holiday_questions_get_the_one_error_shape(client, query, field):
    answer = client.get(f"/api/v1/reference/bank-holidays/?{query}")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == field


def test_working_days_skip_weekends_and_christmas(client):
    answer = client.get("/api/v1/reference/working-days/?start=2026-12-24&days=3")
    assert answer.status_code == 200
    # 25th Christmas, 26th-27th the weekend, 28th Boxing Day's substitute.
    assert answer.json()["date"] == "2026-12-31"


def test_working_days_refuse_negative_counts(client):
    answer = client.get("/api/v1/reference/working-days/?start=2026-12-24&days=-1")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "days"


def test_address_look_up_needs_a_key_and_finds_the_demo_addresses(client):
    assert client.get("/api/v1/reference/addresses/?postcode=CF83 1AA").status_code == 401
    council = make_staff().teams["financial-support"].organisation
    _key, token = api_services.api_key_create(
        organisation=council, name="Call centre", scopes=["cases:read"]
    )
    answer = client.get(
        "/api/v1/reference/addresses/?postcode=cf831aa", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["postcode"] == "CF83 1AA"
    assert body["addresses"] and all(a["postcode"] == "CF83 1AA" for a in body["addresses"])
    refused = client.get(
        "/api/v1/reference/addresses/?postcode=nowhere", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert refused.status_code == 400
