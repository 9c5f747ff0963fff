"""The network failures faked in ``tests/twilio_fakes.py`` are the ones the real network makes.

twilio's own HTTP client (requests and urllib3 underneath) is pointed at a socket on 127.0.0.1
that fails as a network can: nobody listening, plain HTTP where TLS was expected, the
connection closed after the request was read, an answer cut off mid-way, no answer in time.
Each failure must reach the portal wrapped as the fake presents it, and the Twilio backend
must judge both alike: certainly not sent, or maybe sent (never to be sent again).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient

from sms.backends import TwilioBackend, never_connected
from sms.message import SmsError, SmsMessage
from tests.twilio_fakes import OUTAGES, configure_twilio

MESSAGE = SmsMessage(to="+966501234567", body="Your code is 482913", purpose="registration")
TIMEOUT = 0.5


class LocalTwilioHttpClient(TwilioHttpClient):
    """twilio's HTTP client, sending to a local socket instead of api.twilio.com."""

    def __init__(self, origin: str) -> None:
        super().__init__(timeout=TIMEOUT)
        self.origin = origin

    def request(self, method, url, *args, **kwargs):
        local = url.replace("https://api.twilio.com", self.origin)
        return super().request(method, local, *args, **kwargs)


def read_request(conn: socket.socket) -> None:
    """Read one whole HTTP request (headers and the form body Twilio's client posts)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536)


def close_after_reading(conn: socket.socket) -> None:
    read_request(conn)


def cut_the_answer_off(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
        b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"sid'
    )


def answer_tls_with_plain_http(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


def answer_too_late(conn: socket.socket) -> None:
    read_request(conn)
    conn.recv(1)  # until the client gives up and closes


#: How the local server fails for each outage, and whether it speaks TLS (None: nobody listens).
SERVERS: dict[str, tuple[Callable[[socket.socket], None] | None, str]] = {
    "connection_refused": (None, "http"),
    "tls_handshake": (answer_tls_with_plain_http, "https"),
    "reset_after_send": (close_after_reading, "http"),
    "chunked_reply": (cut_the_answer_off, "http"),
    "timeout": (answer_too_late, "http"),
}


@contextmanager
def local_server(outage: str) -> Iterator[str]:
    """Yield the origin of a socket that fails one connection the way ``outage`` says."""
    behaviour, scheme = SERVERS[outage]
    listener = socket.create_server(("127.0.0.1", 0))
    origin = f"{scheme}://127.0.0.1:{listener.getsockname()[1]}"
    if behaviour is None:
        listener.close()  # the port is free again: the connection is refused
        yield origin
        return

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            behaviour(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        thread.join(timeout=10)
        listener.close()


def wrapping(error: BaseException) -> list[type[BaseException]]:
    """The types along ``error``'s wrapping: an exception argument, ``reason``, ``__cause__``."""
    types: list[type[BaseException]] = []
    current: BaseException | None = error
    while current is not None and len(types) < 10:
        types.append(type(current))
        inner = [*current.args, getattr(current, "reason", None), current.__cause__]
        current = next((e for e in inner if isinstance(e, BaseException)), None)
    return types


@pytest.mark.parametrize("outage", sorted(SERVERS))
def test_the_real_failure_is_wrapped_as_the_fake_one(outage):
    with local_server(outage) as origin, pytest.raises(requests.RequestException) as excinfo:
        LocalTwilioHttpClient(origin).request("POST", "https://api.twilio.com/x", data={"To": "1"})

    real, fake = excinfo.value, OUTAGES[outage]
    assert wrapping(real) == wrapping(fake)
    assert never_connected(real) == never_connected(fake)


@pytest.mark.parametrize(
    ("outage", "maybe_sent"),
    [
        ("connection_refused", False),
        ("tls_handshake", False),
        ("reset_after_send", True),
        ("chunked_reply", True),
        ("timeout", True),
    ],
)
def test_the_backend_judges_a_real_failure_as_sent_or_certainly_not(
    settings, monkeypatch, outage, maybe_sent
):
    configure_twilio(settings, monkeypatch)
    with local_server(outage) as origin, pytest.raises(SmsError) as excinfo:
        TwilioBackend(http_client=LocalTwilioHttpClient(origin)).send(MESSAGE)

    assert excinfo.value.maybe_sent is maybe_sent
