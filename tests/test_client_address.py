"""Who is asking, behind proxies: the address the trusted proxies saw, never one the client
wrote into X-Forwarded-For; and development pages are never served behind a proxy."""

import pytest
from django.test import RequestFactory

from commonweal.core.clients import client_address, client_key, development_pages_allowed

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"  # the load balancer's own address, as the app sees the connection


def _address(settings, forwarded: str | None, *, header="HTTP_X_FORWARDED_FOR", proxies=1):
    settings.COMMONWEAL_CLIENT_IP_HEADER = header
    settings.COMMONWEAL_TRUSTED_PROXIES = proxies
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


def test_without_a_proxy_header_the_connection_is_the_client(settings):
    settings.COMMONWEAL_CLIENT_IP_HEADER = None
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert client_address(request) == "203.0.113.9"


def test_the_entry_the_trusted_proxy_added_is_the_client(settings):
    # One proxy: it appended the address that connected to it, the right-most entry.
    assert _address(settings, "198.51.100.7") == "198.51.100.7"
    # Whatever the client sent before it stays to the left and is not believed.
    assert _address(settings, "127.0.0.1, 198.51.100.7") == "198.51.100.7"
    assert _address(settings, "127.0.0.1,  198.51.100.7 ") == "198.51.100.7"


def test_with_two_trusted_proxies_the_second_from_the_right_is_the_client(settings):
    # A CDN appends the client; the load balancer appends the CDN's address.
    assert _address(settings, "127.0.0.1, 198.51.100.7, 192.0.2.40", proxies=2) == "198.51.100.7"


@pytest.mark.parametrize(
    "forwarded",
    [None, "", "not-an-address", "198.51.100.7, 999.1.1.1", "198.51.100.7, <script>"],
)
def test_a_missing_or_malformed_header_falls_back_to_the_connection(settings, forwarded):
    assert _address(settings, forwarded) == PROXY


def test_fewer_entries_than_trusted_proxies_falls_back_to_the_connection(settings):
    assert _address(settings, "198.51.100.7", proxies=2) == PROXY


def test_ports_that_proxies_add_are_dropped(settings):
    assert _address(settings, "198.51.100.7:51234") == "198.51.100.7"
    assert _address(settings, "[2001:db8::1]:443") == "2001:db8::1"
    assert _address(settings, "2001:db8::1") == "2001:db8::1"


def test_a_rotated_left_most_entry_does_not_change_the_client_key(settings):
    settings.COMMONWEAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.COMMONWEAL_TRUSTED_PROXIES = 1
    keys = {
        client_key(
            RequestFactory().get(
                "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.7"
            )
        )
        for n in range(5)
    }
    assert len(keys) == 1


# Rate limits are counted against the address the proxy saw


def test_rotating_a_spoofed_forwarded_address_does_not_escape_the_sign_in_limit(client, settings):
    settings.COMMONWEAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.COMMONWEAL_TRUSTED_PROXIES = 1
    settings.COMMONWEAL_SIGN_IN_REQUESTS_PER_CLIENT_PER_HOUR = 3

    def ask(number: int):
        return client.post(
            "/sign-in/",
            {"email": f"person{number}@example.com"},
            REMOTE_ADDR=PROXY,
            # A new made-up address each time, then the one the proxy really saw.
            HTTP_X_FORWARDED_FOR=f"10.77.0.{number}, 198.51.100.7",
        )

    assert [ask(n).status_code for n in range(3)] == [302, 302, 302]
    response = ask(3)
    assert response.status_code == 429
    assert "too many attempts to sign in from your device" in response.content.decode()
    # Someone else behind the same proxy is counted separately.
    other = client.post(
        "/sign-in/",
        {"email": "someone.else@example.com"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other.status_code == 302


def test_the_status_check_limit_per_client_follows_the_proxy_address(client, settings):
    settings.COMMONWEAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_CLIENT_PER_HOUR = 2
    details = {
        "dob-day": "1",
        "dob-month": "1",
        "dob-year": "1980",
        "postcode": "CF83 1AA",
    }
    statuses = [
        client.post(
            "/check-status/",
            {**details, "reference": "BL-2345-6789"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"10.66.0.{n}, 198.51.100.7",
        ).status_code
        for n in range(3)
    ]
    assert statuses == [404, 404, 429]


# Development pages


def test_a_spoofed_loopback_address_does_not_open_the_mailbox(client, settings):
    settings.DEV_MAILBOX = True
    settings.COMMONWEAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for forwarded in ("127.0.0.1", "127.0.0.1, 127.0.0.1", "::1"):
        response = client.get(
            "/dev/mailbox/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
        )
        assert response.status_code == 404
    # Not even from the proxy's own machine: behind a proxy the page is off.
    assert client.get("/dev/mailbox/", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert "/dev/mailbox/" not in client.get("/").content.decode()


def test_the_mailbox_is_served_on_this_machine_without_a_proxy(client, settings):
    settings.DEV_MAILBOX = True
    settings.COMMONWEAL_CLIENT_IP_HEADER = None
    assert client.get("/dev/mailbox/", REMOTE_ADDR="127.0.0.1").status_code == 200
    # A forwarded header means nothing without a configured proxy.
    assert (
        client.get(
            "/dev/mailbox/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1"
        ).status_code
        == 404
    )


def test_development_pages_are_never_served_in_production(client, settings):
    settings.DEV_MAILBOX = True
    settings.COMMONWEAL_BENCH_ENDPOINTS = True
    settings.COMMONWEAL_CLIENT_IP_HEADER = None
    settings.PRODUCTION = True
    assert not development_pages_allowed()
    assert client.get("/dev/mailbox/", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.post("/bench/registration-inserts/", b"{}", "application/json").status_code == 404


def test_the_bench_floors_are_off_behind_a_proxy(client, settings):
    settings.COMMONWEAL_BENCH_ENDPOINTS = True
    settings.COMMONWEAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert not development_pages_allowed()
    assert client.post("/bench/registration-inserts/", b"{}", "application/json").status_code == 404
