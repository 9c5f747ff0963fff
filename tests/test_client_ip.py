"""Per-address limits key on the real client behind our proxies, never on a forged header."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from absher_portal.client_ip import client_ip


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # The client wrote the left part itself: only what our proxy appended counts.
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.5", "198.51.100.7"),
        (1, "2001:db8::1", "2001:db8::"),  # IPv6 counts per /64
    ],
)
def test_behind_proxies_the_address_our_outermost_proxy_saw_counts(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from("10.0.0.2", forwarded)) == expected


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "198.51.100.7,,"])
def test_a_missing_or_garbled_header_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


@pytest.mark.django_db
def test_sign_in_limits_count_people_behind_one_balancer_separately(client, settings):
    """Two people behind the same balancer: one's failures never lock out the other's address."""
    from django.urls import reverse

    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_ATTEMPTS_PER_IP = 2
    url = reverse("accounts:login")
    for _ in range(3):
        client.post(
            url,
            {"identifier": "nobody1", "password": "x"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    limited = client.post(
        url,
        {"identifier": "nobody2", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    other = client.post(
        url,
        {"identifier": "nobody3", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert limited.status_code == 429
    assert other.status_code == 200


def test_a_direct_connection_cannot_choose_its_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("203.0.113.5", "9.9.9.9")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7:4444", "198.51.100.7"),
        ("[2001:db8::1]:443", "2001:db8::"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
    ],
)
def test_ports_brackets_and_mapped_addresses_are_read(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", forwarded)) == expected


def test_ipv6_clients_count_per_64_so_a_new_address_is_not_a_new_limit(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    first = client_ip(request_from("2001:db8:1:2::1"))
    other_in_same_64 = client_ip(request_from("2001:db8:1:2:ffff::9"))
    next_64 = client_ip(request_from("2001:db8:1:3::1"))
    assert first == other_in_same_64 == "2001:db8:1:2::"
    assert next_64 != first


@pytest.mark.django_db
def test_sign_in_limit_holds_across_addresses_of_one_ipv6_subscriber(client, settings):
    from django.urls import reverse

    settings.LOGIN_ATTEMPTS_PER_IP = 2
    url = reverse("accounts:login")
    statuses = [
        client.post(
            url, {"identifier": f"nobody{n}", "password": "x"}, REMOTE_ADDR=address
        ).status_code
        for n, address in enumerate(["2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4"])
    ]
    assert statuses[-1] == 429


@pytest.mark.django_db
def test_request_ids_are_taken_from_trusted_proxies_only(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    from_proxy = client.get("/healthz", HTTP_X_REQUEST_ID="lb-request-0001", REMOTE_ADDR="10.0.0.2")
    direct = client.get("/healthz", HTTP_X_REQUEST_ID="forged-id-00001", REMOTE_ADDR="203.0.113.5")
    assert from_proxy["X-Request-ID"] == "lb-request-0001"
    assert direct["X-Request-ID"] != "forged-id-00001"
