"""Attack 4 of issue 13: slow clients must not stall the production server.

Production is client → nginx (deploy/nginx/, run here from those very files) → gunicorn with
two sync workers (gunicorn.conf.py, ``DJANGO_DEBUG=0``). Four connections (more than the
workers) each declare a 16 kB body and send it one byte a second, while ``/healthz`` is asked
every quarter of a second: every probe must answer 200 within 1 s. Without nginx every probe
timed out (the commit that added this attack). Then what else nginx must do: cut off clients
that stall, refuse bodies over 1 MB (64 kB on the bank API) itself, and pass the client's
address, scheme and request id the way the portal's trusted-proxy settings expect.

Skipped when nginx is not installed, except on CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
import requests

from tests.e2e.live_server import scratch_database, server_environment
from tests.production_env import free_port, prepare, running_gunicorn
from tests.reverse_proxy import Nginx, directive_seconds, nginx_or_skip, running_nginx
from tests.slow_clients import SlowClient, StalledClient, probe_health

WORKERS = 2
SLOW_CLIENTS = 4
ATTACK_SECONDS = 16
BANK_API = "/api/bank/v1/activations"


@dataclass
class Stack:
    nginx: Nginx
    gunicorn_port: int


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    binary = nginx_or_skip()
    work = tmp_path_factory.mktemp("proxy")
    gunicorn_port, http_port, https_port = free_port(), free_port(), free_port()
    database_url, drop_database = scratch_database(work, suffix="proxy")
    try:
        env = {
            **server_environment(work, gunicorn_port, database_url),
            # As README "Production" says behind nginx on the same machine.
            "WEB_CONCURRENCY": str(WORKERS),
            "PUBLIC_ORIGIN": f"https://127.0.0.1:{https_port}",
            "TRUSTED_PROXY_COUNT": "1",
            "TRUSTED_PROXY_NETWORKS": "127.0.0.1/32",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "SECURE_PROXY_SSL_HEADER_TRUSTED": "1",
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_COOKIES": "1",
            # One password post per address and hour: shows which address the portal counts.
            "LOGIN_ATTEMPTS_PER_IP": "1",
        }
        prepare(env)
        with (
            running_gunicorn(env, work / "gunicorn.log"),
            running_nginx(
                binary, work, http=http_port, https=https_port, upstream=gunicorn_port
            ) as nginx,
        ):
            yield Stack(nginx, gunicorn_port)
    finally:
        drop_database()


def csrf_cookie(stack: Stack) -> str:
    """A ``csrftoken=...`` cookie from the sign-in page: with it, a post's body gets read."""
    url = stack.nginx.https_url("/login/")
    response = requests.get(url, timeout=10, verify=str(stack.nginx.certificate))
    assert response.status_code == 200, response.status_code
    return f"csrftoken={response.cookies['csrftoken']}"


def stalled_clients(port: int) -> dict[str, StalledClient]:
    """One client that stops in its headers, one that stops in its body; keyed by timeout."""
    head = b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return {
        "client_header_timeout": StalledClient("127.0.0.1", port, head),
        "client_body_timeout": StalledClient(
            "127.0.0.1", port, head + b"Content-Length: 100\r\n\r\nidentifier="
        ),
    }


def test_slow_clients_do_not_stall_the_server_and_stalled_ones_are_cut_off(stack):
    headers = {"Cookie": csrf_cookie(stack), "Origin": stack.nginx.https_url("")}
    clients = [
        SlowClient(
            "127.0.0.1", stack.nginx.https_port, headers=headers, tls=stack.nginx.tls_context()
        ).start()
        for _ in range(SLOW_CLIENTS)
    ]
    stalled = {
        name: client.start() for name, client in stalled_clients(stack.nginx.http_port).items()
    }
    try:
        probes = probe_health(stack.nginx.http_url("/healthz"), seconds=ATTACK_SECONDS)
    finally:
        still_sending = [client.closed_by_server_after is None for client in clients]
        for client in clients:
            client.stop()
    failed = [probe for probe in probes if not probe.ok]
    assert failed == [], f"{len(failed)} of {len(probes)} probes failed: {failed[:3]}"
    assert len(probes) >= ATTACK_SECONDS * 3  # about four a second, each well under 1 s
    # The attack really ran: nginx kept taking every trickling client's bytes the whole time.
    assert all(still_sending)
    assert all(client.sent >= ATTACK_SECONDS - 2 for client in clients)
    # A client that stops sending, in its headers or its body, is dropped after the timeout.
    for timeout, client in stalled.items():
        client.join(timeout=5)
        seconds = directive_seconds(timeout)
        assert client.closed_after is not None, f"{timeout}: still open after {ATTACK_SECONDS} s"
        assert seconds - 1 <= client.closed_after <= seconds + 3, (timeout, client.closed_after)


def _post(
    stack: Stack, path: str, *, length: int, body: bytes = b"", headers: dict | None = None
) -> http.client.HTTPResponse:
    """A POST declaring ``length`` bytes over TLS, sending only ``body`` before reading."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", stack.nginx.https_port, timeout=10, context=stack.nginx.tls_context()
    )
    connection.putrequest("POST", path)
    for name, value in {
        "Content-Length": str(length),
        "Content-Type": "application/json",
        **(headers or {}),
    }.items():
        connection.putheader(name, value)
    connection.endheaders(body or None)
    return connection.getresponse()


def test_a_body_over_1_mb_on_a_page_is_refused_by_nginx(stack):
    response = _post(stack, "/login/", length=1024 * 1024 + 1)
    text = response.read().decode()
    assert response.status == 413
    assert "The request is too large" in text and "الطلب أكبر" in text
    assert response.getheader("X-Request-ID") is None  # never reached the portal
    assert response.getheader("Server") == "nginx"  # server_tokens off: no version


def test_a_body_over_64_kb_on_the_bank_api_is_refused_by_nginx_in_the_api_s_json(stack):
    refused = _post(stack, BANK_API, length=64 * 1024 + 1)
    assert refused.status == 413
    assert refused.getheader("X-Request-ID") is None
    by_nginx = refused.read()
    # Between the portal's 16 KiB and nginx's 64 kB the portal answers, in the same words.
    body = b"{" + b" " * (20 * 1024) + b"}"
    by_portal_response = _post(stack, BANK_API, length=len(body), body=body)
    assert by_portal_response.status == 413
    assert by_portal_response.getheader("X-Request-ID")
    by_portal = by_portal_response.read()
    assert json.loads(by_nginx) == json.loads(by_portal)


def _sign_in_post(stack: Stack, source: str, forwarded_for: str) -> http.client.HTTPResponse:
    """A wrong-password post to ``/login/`` over TLS from ``source`` (a 127.x address)."""
    cookie = csrf_cookie(stack)
    token = cookie.partition("=")[2]
    body = urlencode(
        {"csrfmiddlewaretoken": token, "identifier": "nobody1", "password": "wrong-password"}
    ).encode()
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        stack.nginx.https_port,
        timeout=10,
        context=stack.nginx.tls_context(),
        source_address=(source, 0),
    )
    connection.request(
        "POST",
        "/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": f"https://127.0.0.1:{stack.nginx.https_port}",
            "X-Forwarded-For": forwarded_for,
            "X-Request-ID": "chosen-by-the-client",
        },
    )
    return connection.getresponse()


def test_the_portal_counts_the_address_nginx_saw_not_the_one_a_client_claims(stack):
    """One password post per address is allowed (LOGIN_ATTEMPTS_PER_IP=1 on this server).

    Three posts from 127.0.0.2, each claiming another address in X-Forwarded-For: if the claim
    were believed each would be a first post; counted on 127.0.0.2, a later one gets 429 (two
    workers each keep their own count without Redis, so the third at the latest). A post from
    127.0.0.3 is then its own first.
    """
    statuses = []
    for n in range(3):
        response = _sign_in_post(stack, "127.0.0.2", f"198.51.100.{n + 1}")
        response.read()
        statuses.append(response.status)
        request_id = response.getheader("X-Request-ID")
        assert request_id != "chosen-by-the-client"
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
    assert statuses[0] == 200 and 429 in statuses, statuses
    other = _sign_in_post(stack, "127.0.0.3", "127.0.0.2")
    other.read()
    assert other.status == 200


@pytest.mark.parametrize(
    "claim",
    [{"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"}, {"Forwarded": "proto=https"}],
)
def test_a_plain_http_client_cannot_claim_https(stack, claim):
    response = requests.get(
        stack.nginx.http_url("/login/"), headers=claim, allow_redirects=False, timeout=10
    )
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


def test_over_tls_the_portal_knows_the_request_is_secure(stack):
    response = requests.get(
        stack.nginx.https_url("/login/"),
        allow_redirects=False,
        timeout=10,
        verify=str(stack.nginx.certificate),
    )
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_flood_of_form_posts_from_one_address_is_cut_by_nginx_but_not_its_pages(stack):
    """Form posts past the burst get nginx's 429 (bilingual); GETs from there still pass."""
    statuses, refusals = [], []
    for _ in range(30):
        connection = http.client.HTTPConnection(
            "127.0.0.1", stack.nginx.http_port, timeout=10, source_address=("127.0.0.4", 0)
        )
        connection.request("POST", "/login/", body=b"", headers={"Content-Length": "0"})
        response = connection.getresponse()
        text = response.read().decode()
        statuses.append(response.status)
        if response.status == 429:
            refusals.append((text, response.getheader("X-Request-ID")))
        connection.close()
    assert refusals, statuses
    text, request_id = refusals[0]
    assert "Too many requests" in text and "طلبات كثيرة" in text
    assert request_id is None  # nginx's refusal: gunicorn never saw it
    page = http.client.HTTPConnection(
        "127.0.0.1", stack.nginx.http_port, timeout=10, source_address=("127.0.0.4", 0)
    )
    page.request("GET", "/login/")
    answer = page.getresponse()
    assert answer.status == 301  # the portal's redirect to HTTPS: it got through
    assert answer.getheader("X-Request-ID")
