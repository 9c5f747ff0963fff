"""Attack 4 of issue 13: slow clients must not stall the production server.

Four connections (more than the two sync workers) each declare a 16 kB body and send it one
byte a second, while ``/healthz`` is asked every quarter of a second: every probe must answer
200 within 1 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.e2e.live_server import scratch_database, server_environment
from tests.production_env import free_port, prepare, running_gunicorn
from tests.slow_clients import SlowClient, probe_health

WORKERS = 2
SLOW_CLIENTS = 4
ATTACK_SECONDS = 16


@dataclass
class Stack:
    """What the attacker can reach."""

    host: str
    port: int

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("proxy")
    port = free_port()
    database_url, drop_database = scratch_database(work, suffix="proxy")
    try:
        env = {
            **server_environment(work, port, database_url),
            "WEB_CONCURRENCY": str(WORKERS),
        }
        prepare(env)
        with running_gunicorn(env, work / "gunicorn.log"):
            yield Stack("127.0.0.1", port)
    finally:
        drop_database()


def csrf_cookie(url: str) -> str:
    """A ``csrftoken=...`` cookie from the sign-in page: with it, a post's body gets read."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.status_code
    return f"csrftoken={response.cookies['csrftoken']}"


def test_slow_clients_do_not_stall_the_server(stack):
    cookie = csrf_cookie(stack.url("/login/"))
    clients = [
        SlowClient(stack.host, stack.port, cookie=cookie).start() for _ in range(SLOW_CLIENTS)
    ]
    try:
        probes = probe_health(stack.url("/healthz"), seconds=ATTACK_SECONDS)
    finally:
        for client in clients:
            client.stop()
    failed = [probe for probe in probes if not probe.ok]
    assert failed == [], f"{len(failed)} of {len(probes)} probes failed: {failed[:3]}"
    assert len(probes) >= ATTACK_SECONDS * 3  # about four a second, each well under 1 s
