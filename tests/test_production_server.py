"""`make serve` for real: gunicorn workers with production settings, over HTTP.

One server is started for the module (collectstatic, migrate, gunicorn with two workers and
DJANGO_DEBUG=0 on a scratch SQLite database) and probed the way a load balancer and a browser
would: health, HTTPS redirect, HSTS, CSP, static files from WhiteNoise, and JSON logs that carry
the request id and never a full ID number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.people import OTHER_RESIDENT_ID
from tests.production_env import PRODUCTION, free_port, prepare, process_env, running_gunicorn
from tests.waiting import wait_for

HTTPS = {"X-Forwarded-Proto": "https", "Host": "portal.example.sa"}
TIMEOUT = 30


@dataclass
class Server:
    url: str
    log_path: Path

    def log_lines(self) -> list[dict]:
        """The JSON lines the workers logged so far (gunicorn's own text lines are skipped)."""
        text = self.log_path.read_text(encoding="utf-8")
        complete = text[: text.rfind("\n") + 1]  # not a line a worker is still writing
        lines = []
        for line in complete.splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = process_env(
        **PRODUCTION,
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        STATIC_ROOT=str(work / "static"),
        SECURE_PROXY_SSL_HEADER_TRUSTED="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        TRUSTED_PROXY_COUNT="1",  # the test plays the balancer, from 127.0.0.1
        CACHE_KEY_PREFIX=f"serve-test-{port}",  # the shared Redis, keys of its own
    )
    prepare(env)
    log_path = work / "server.log"
    with running_gunicorn(env, log_path, host="portal.example.sa") as (url, _process):
        yield Server(url=url, log_path=log_path)


def test_gunicorn_runs_several_workers(server):
    """Forked from a preloaded master, the first worker may answer before the second has
    logged that it booted: wait for both."""

    def workers() -> set[str]:
        found = set(re.findall(r"Booting worker with pid: (\d+)", server.log_path.read_text()))
        return found if len(found) >= 2 else set()

    assert len(wait_for(workers, what="two workers booted")) >= 2


def test_the_master_loads_and_warms_the_portal_once_before_forking(server):
    """preload_app with the warm-up (decision 274): the log says so before the first worker
    boots, so a worker replaced after max_requests starts with templates compiled."""
    text = server.log_path.read_text()
    warmed = re.search(r"warmed up (\d+) templates before forking", text)
    assert warmed and int(warmed.group(1)) > 100
    assert text.index(warmed.group(0)) < text.index("Booting worker")


def test_healthz_is_ok_over_plain_http_for_the_load_balancer(server):
    response = requests.get(
        f"{server.url}/healthz", headers={"Host": "portal.example.sa"}, timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_plain_http_is_redirected_to_https(server):
    response = requests.get(
        f"{server.url}/",
        headers={"Host": "portal.example.sa"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://portal.example.sa/"


def test_https_pages_carry_hsts_csp_and_secure_cookies(server):
    response = requests.get(
        f"{server.url}/login/", headers=HTTPS, allow_redirects=False, timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    csrf_cookie = response.headers["Set-Cookie"]
    assert "Secure" in csrf_cookie and "SameSite=Lax" in csrf_cookie


def test_unknown_hosts_are_refused(server):
    response = requests.get(
        f"{server.url}/", headers={**HTTPS, "Host": "evil.example"}, timeout=TIMEOUT
    )
    assert response.status_code == 400


def test_static_files_are_served_hashed_compressed_and_cached_for_ever(server):
    page = requests.get(f"{server.url}/login/", headers=HTTPS, timeout=TIMEOUT).text
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page must link the hashed file name from the manifest"
    response = requests.get(
        f"{server.url}{stylesheet.group(1)}",
        headers={**HTTPS, "Accept-Encoding": "gzip"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers.get("Content-Encoding") == "gzip"


def test_the_web_font_is_served_hashed_as_woff2_under_the_csp(server):
    """The preloaded face and the stylesheet's @font-face name the same hashed file."""
    page = requests.get(f"{server.url}/login/", headers=HTTPS, timeout=TIMEOUT)
    assert "font-src 'self'" in page.headers["Content-Security-Policy"]
    preload = re.search(
        r'<link rel="preload" href="(/static/fonts/ibm-plex-sans-arabic-arabic-400\.[0-9a-f]{12}'
        r'\.woff2)" as="font" type="font/woff2" crossorigin>',
        page.text,
    )
    assert preload, "the Arabic page must preload its hashed Arabic face"
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.text)
    css = requests.get(f"{server.url}{stylesheet.group(1)}", headers=HTTPS, timeout=TIMEOUT).text
    assert preload.group(1).rsplit("/", 1)[1] in css
    font = requests.get(f"{server.url}{preload.group(1)}", headers=HTTPS, timeout=TIMEOUT)
    assert font.status_code == 200
    assert font.headers["Content-Type"] == "font/woff2"
    assert "immutable" in font.headers["Cache-Control"]
    assert font.content[:4] == b"wOF2"


def test_logs_are_json_with_the_request_id_and_no_full_id_number(server):
    request_id = "lb-0123456789abcdef"
    response = requests.get(
        f"{server.url}/no-such-page/2123456788/",
        headers={**HTTPS, "X-Request-ID": request_id},
        timeout=TIMEOUT,
    )
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == request_id

    def both_lines_logged() -> list[dict]:
        lines = [line for line in server.log_lines() if line.get("request_id") == request_id]
        loggers = {line["logger"] for line in lines}
        return lines if {"django.request", "gunicorn.access"} <= loggers else []

    lines = wait_for(
        both_lines_logged, what=f"the django.request and gunicorn.access lines of {request_id}"
    )
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    django_line, access_line = (
        next(line for line in lines if line["logger"] == name)
        for name in ("django.request", "gunicorn.access")
    )
    assert "21******88" in django_line["message"]
    assert access_line["message"] == "GET /no-such-page/21******88/ 404"
    assert access_line["status"] == 404
    assert OTHER_RESIDENT_ID not in server.log_path.read_text()


def test_the_access_log_never_holds_the_query_string(server):
    def access_lines() -> int:
        return sum(line.get("logger") == "gunicorn.access" for line in server.log_lines())

    before = access_lines()
    requests.get(f"{server.url}/login/?q=secret-query", headers=HTTPS, timeout=TIMEOUT)
    wait_for(lambda: access_lines() > before, what="the request's gunicorn.access line")
    assert "secret-query" not in server.log_path.read_text()
