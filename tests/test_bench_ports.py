"""The benchmark's ports (issue 12 item 9): free by default, ``BENCH_PORT`` pins them, a port
in use fails at once, and a foreign server on the port is never taken for the benchmark's.

Plain sockets and small subprocesses only: no database, no bench extras, a few seconds.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.servers import (
    Ports,
    ServerFailed,
    ensure_free,
    free_ports,
    listens_on,
    pick_ports,
    wait_ready,
)

#: A child that answers HTTP 200 on the port given as its argument, from its own socket.
CHILD_SERVER = """
import http.server, sys
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ok).serve_forever()
"""


class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def foreign_server() -> Iterator[int]:
    """A plain HTTP server of this test process on a free port: not the benchmark's."""
    server = http.server.HTTPServer(("127.0.0.1", 0), Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def child(code: str, *args: str, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, code written here
            [sys.executable, "-c", code, *args], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.kill()
        process.wait(10)


def test_default_ports_are_three_distinct_free_loopback_ports():
    ports = pick_ports(None)

    assert len({ports.portal, ports.peer, ports.large}) == 3
    for port in (ports.portal, ports.peer, ports.large):
        ensure_free(port)  # nothing listens there: no error


def test_free_ports_differ_between_runs_rather_than_sitting_on_one_fixed_port():
    picked = {port for _ in range(5) for port in free_ports(3)}

    assert len(picked) > 3


def test_an_explicit_port_keeps_the_plus_one_plus_two_plus_three_scheme():
    assert pick_ports(9100) == Ports(portal=9100, peer=9101, large=9102, peer_argon2=9103)


def test_bench_port_in_the_environment_pins_the_ports():
    read = subprocess.run(
        [sys.executable, "-c", "from bench import config; print(config.EXPLICIT_PORT)"],
        env={"BENCH_PORT": "9200", "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    unset = subprocess.run(
        [sys.executable, "-c", "from bench import config; print(config.EXPLICIT_PORT)"],
        env={"PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )

    assert read.stdout.strip() == "9200"
    assert unset.stdout.strip() == "None"


def test_an_explicit_port_held_by_another_server_fails_at_once_saying_address_in_use():
    with foreign_server() as port:
        started = time.monotonic()
        with pytest.raises(ServerFailed) as failure:
            ensure_free(port)
        took = time.monotonic() - started

    assert "address in use" in str(failure.value)
    assert str(port) in str(failure.value)
    assert took < 1


def test_readiness_refuses_a_foreign_server_answering_on_the_port(tmp_path):
    """The old check took any answer on the port; the child here never listens at all."""
    log = tmp_path / "c.log"
    with (
        foreign_server() as port,
        child("import time; time.sleep(30)", log=log) as c,
        pytest.raises(ServerFailed) as failure,
    ):
        wait_ready(c, port, f"http://127.0.0.1:{port}/", log=log, seconds=1.5)

    assert "address in use" in str(failure.value)
    assert f"port {port}" in str(failure.value)


def test_readiness_accepts_the_server_the_benchmark_started(tmp_path):
    (port,) = free_ports(1)
    with child(CHILD_SERVER, str(port), log=tmp_path / "c.log") as c:
        wait_ready(c, port, f"http://127.0.0.1:{port}/", log=tmp_path / "c.log", seconds=20)

        assert listens_on(c.pid, port)


def test_a_server_that_exits_early_is_reported_with_the_end_of_its_log(tmp_path):
    log = tmp_path / "c.log"
    log.write_text("an earlier run's line\n")
    start = log.stat().st_size
    (port,) = free_ports(1)
    crash = "import sys; print('Connection in use: 127.0.0.1', flush=True); sys.exit(3)"
    with child(crash, log=log) as c:
        started = time.monotonic()
        with pytest.raises(ServerFailed) as failure:
            wait_ready(c, port, f"http://127.0.0.1:{port}/", log=log, log_start=start)

    message = str(failure.value)
    assert time.monotonic() - started < 10
    assert "exited with code 3" in message
    assert "Connection in use" in message
    assert "an earlier run's line" not in message
