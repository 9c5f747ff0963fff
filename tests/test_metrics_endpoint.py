"""/metrics answers only the configured networks or the bearer token; others get a plain 404."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from tests.production_env import PRODUCTION
from tests.test_settings import start_django

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40
PUBLIC = "203.0.113.9"
PROMETHEUS = "10.0.5.7"


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    settings.METRICS_TOKEN = ""
    settings.TRUSTED_PROXY_COUNT = 0


def scrape(client, **extra):
    return client.get("/metrics", **extra)


def test_loopback_reads_the_portals_metrics_as_prometheus_text(client):
    client.get("/healthz")  # at least one latency sample
    response = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert "# TYPE portal_request_duration_seconds histogram" in text
    assert 'portal_request_duration_seconds_count{view="healthz"}' in text
    assert "no-cache" in response["Cache-Control"]


def test_another_address_gets_the_ordinary_404_page(client):
    refused = scrape(client, REMOTE_ADDR=PUBLIC)
    unknown = client.get("/no-such-page", REMOTE_ADDR=PUBLIC)
    assert refused.status_code == unknown.status_code == HTTPStatus.NOT_FOUND
    assert b"portal_" not in refused.content
    assert [t.name for t in refused.templates] == [t.name for t in unknown.templates]
    assert "WWW-Authenticate" not in refused


def test_a_configured_network_may_read(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.5.0/24"]
    assert scrape(client, REMOTE_ADDR=PROMETHEUS).status_code == HTTPStatus.OK
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == HTTPStatus.NOT_FOUND


def test_the_token_opens_it_from_anywhere_and_a_wrong_one_does_not(client, settings):
    settings.METRICS_TOKEN = TOKEN
    ok = scrape(client, REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == HTTPStatus.OK
    for header in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", TOKEN, f"Basic {TOKEN}"):
        refused = scrape(client, REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION=header)
        assert refused.status_code == HTTPStatus.NOT_FOUND, header


def test_without_a_configured_token_an_empty_bearer_opens_nothing(client):
    refused = scrape(client, REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION="Bearer ")
    assert refused.status_code == HTTPStatus.NOT_FOUND


def test_a_forged_forwarded_for_never_makes_a_stranger_local(client, settings):
    """nginx on loopback in front, client writes X-Forwarded-For: 127.0.0.1."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]
    # Through our proxy, which appended the stranger's real address.
    forged = scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {PUBLIC}")
    assert forged.status_code == HTTPStatus.NOT_FOUND
    # A request that skipped the proxy's append: not taken as the proxy's own address.
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="").status_code == 404
    assert scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=" , ").status_code == 404


def test_through_a_proxy_the_address_it_saw_decides(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["127.0.0.1/32"]
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.5.0/24"]
    allowed = scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=PROMETHEUS)
    assert allowed.status_code == HTTPStatus.OK
    garbled = scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert garbled.status_code == HTTPStatus.NOT_FOUND


def test_an_uncounted_proxy_on_loopback_does_not_make_everyone_local(client):
    """TRUSTED_PROXY_COUNT left at 0 behind nginx: every request comes from 127.0.0.1 with
    X-Forwarded-For; the header shows it was proxied, so loopback is not believed."""
    proxied = scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=PUBLIC)
    assert proxied.status_code == HTTPStatus.NOT_FOUND
    rfc7239 = scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_FORWARDED=f"for={PUBLIC}")
    assert rfc7239.status_code == HTTPStatus.NOT_FOUND


def test_an_ipv4_mapped_loopback_counts_as_loopback(client):
    assert scrape(client, REMOTE_ADDR="::ffff:127.0.0.1").status_code == HTTPStatus.OK
    assert scrape(client, REMOTE_ADDR="::1").status_code == HTTPStatus.OK


def test_posting_to_it_is_refused(client):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,not-a-net"}, "METRICS_ALLOWED_NETWORKS"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
    ],
)
def test_bad_metrics_settings_stop_the_start_with_a_clear_message(variables, message):
    result = start_django(**PRODUCTION, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
