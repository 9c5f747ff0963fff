"""Slow clients and a health prober, for the attack of issue 13 (item 5) on a live server.

A slow client declares a body and trickles it, one byte a second: on a server with sync
workers and nothing in front, each such connection holds a worker for as long as it likes.
The prober asks ``/healthz`` every quarter of a second meanwhile and notes every answer that
is not a 200 within its timeout.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

import requests


@dataclass
class SlowClient:
    """One connection that declares ``length`` bytes of body and sends one byte per ``pace`` s."""

    host: str
    port: int
    path: str = "/login/"
    length: int = 16 * 1024
    pace: float = 1.0
    host_header: str = "127.0.0.1"
    # A CSRF cookie (and, over HTTPS, an Origin), so the CSRF middleware, which checks those
    # first, goes on to read the body.
    headers: dict[str, str] = field(default_factory=dict)
    tls: ssl.SSLContext | None = None  # speak TLS (the portal redirects plain HTTP unread)
    sent: int = 0
    closed_by_server_after: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> SlowClient:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        started = time.monotonic()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host_header}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {self.length}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
            + "\r\n"
        ).encode()
        with socket.create_connection((self.host, self.port), timeout=5) as raw:
            sock = self.tls.wrap_socket(raw, server_hostname=self.host) if self.tls else raw
            try:
                sock.sendall(head)
                while not self._stop.is_set() and self.sent < self.length:
                    sock.sendall(b"a")
                    self.sent += 1
                    self._stop.wait(self.pace)
            except OSError:  # reset or broken pipe: the server let go of us
                self.closed_by_server_after = time.monotonic() - started


@dataclass
class Probe:
    """One ``GET /healthz``: when it was sent, how long it took, what came back."""

    at: float
    seconds: float
    outcome: str

    @property
    def ok(self) -> bool:
        return self.outcome == "200"


def probe_health(
    url: str, *, seconds: float, interval: float = 0.25, timeout: float = 1.0, host: str = ""
) -> list[Probe]:
    """``GET url`` every ``interval`` s for ``seconds`` s, each allowed ``timeout`` s."""
    probes = []
    start = time.monotonic()
    headers = {"Host": host} if host else {}
    while (now := time.monotonic()) - start < seconds:
        try:
            response = requests.get(url, headers=headers, timeout=timeout)
            outcome = str(response.status_code)
        except requests.RequestException as error:
            outcome = type(error).__name__
        probes.append(Probe(round(now - start, 2), round(time.monotonic() - now, 3), outcome))
        time.sleep(max(0.0, interval - (time.monotonic() - now)))
    return probes


@dataclass
class StalledClient:
    """One connection that sends ``head`` and then nothing: when does the server hang up?"""

    host: str
    port: int
    head: bytes
    closed_after: float | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> StalledClient:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _run(self) -> None:
        with socket.create_connection((self.host, self.port), timeout=60) as sock:
            sock.sendall(self.head)
            started = time.monotonic()
            try:
                while sock.recv(4096):
                    pass
            except OSError:  # reset: hung up all the same
                pass
            self.closed_after = time.monotonic() - started
