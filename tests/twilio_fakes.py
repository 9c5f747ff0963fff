"""Twilio at the network edge: its real client, answered by an offline HTTP client.

``OfflineHttpClient`` is a ``twilio.http.HttpClient``: the twilio library builds and parses
every request and answer as in production, only no socket is opened. The ``offline_twilio``
fixture (``tests/twilio_fixtures.py``) installs one as the portal's Twilio transport.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import requests
import urllib3.exceptions
from twilio.http import HttpClient
from twilio.http.response import Response

SID = "AC" + "0" * 32
TOKEN = "test-auth-token"
SENDER = "+15005550006"

#: A scripted answer: (status, JSON payload or raw text), an exception to raise, or CREATED.
Answer = tuple[int, dict | str] | BaseException | str

#: Twilio's 201 for a created message, each with a SID of its own (``message_sid(n)``).
CREATED = "created"


def message_sid(n: int) -> str:
    """The SID the fake gives the ``n``-th message it accepts."""
    return f"SM{n:032x}"


API_URL = "https://api.twilio.com/2010-04-01/Accounts/AC/Messages.json"


def _caused_by(error: Exception, cause: Exception) -> Exception:
    """``error`` as if raised ``from cause``, which is how urllib3 raises these."""
    error.__cause__ = cause
    return error


def _gave_up(reason: Exception) -> Exception:
    """urllib3's wrapper when connecting failed (requests never retries by default)."""
    return _caused_by(urllib3.exceptions.MaxRetryError(None, API_URL, reason), reason)


def _not_connected(reason: OSError) -> Exception:
    message = f"Failed to establish a new connection: {reason}"
    return _caused_by(urllib3.exceptions.NewConnectionError(None, message), reason)


def _tls_handshake_error() -> ssl.SSLError:
    """A real ``ssl.SSLError`` from a real handshake (in memory) that got plain HTTP back."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context().wrap_bio(
        incoming, outgoing, server_hostname="api.twilio.com"
    )
    incoming.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    try:
        tls.do_handshake()
    except ssl.SSLError as exc:
        return exc
    raise AssertionError("the handshake should have failed")  # pragma: no cover


def _broken_reply(reason: Exception) -> urllib3.exceptions.ProtocolError:
    return urllib3.exceptions.ProtocolError(f"Connection broken: {reason!r}", reason)


# The outages the portal must survive, as Twilio (or the network before it) presents them.
# Network failures are built the way requests 2 / urllib3 2 wrap them (tests/
# test_sms_network_failures.py checks each against a real socket): only the first group below
# happens before the request is written.
OUTAGES: dict[str, Answer] = {
    "timeout": requests.exceptions.ReadTimeout(
        _caused_by(
            urllib3.exceptions.ReadTimeoutError(None, API_URL, "Read timed out."),
            TimeoutError("timed out"),
        )
    ),
    "connect_timeout": requests.exceptions.ConnectTimeout("connect timed out"),
    "connection_refused": requests.exceptions.ConnectionError(
        _gave_up(_not_connected(ConnectionRefusedError(111, "Connection refused")))
    ),
    "dns_failure": requests.exceptions.ConnectionError(
        _gave_up(
            urllib3.exceptions.NameResolutionError(
                "api.twilio.com", None, socket.gaierror(-2, "Name or service not known")
            )
        )
    ),
    "tls_handshake": requests.exceptions.SSLError(
        _gave_up(urllib3.exceptions.SSLError(_tls_handshake_error()))
    ),
    # Written, then the connection was lost before or while Twilio's answer was read.
    "reset_after_send": requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError(
            "Connection aborted.",
            http.client.RemoteDisconnected("Remote end closed connection without response"),
        )
    ),
    "chunked_reply": requests.exceptions.ChunkedEncodingError(
        _broken_reply(http.client.IncompleteRead(b"", 2))
    ),
    "http_500": (500, "<html>Internal Server Error</html>"),
    "http_503": (503, {"code": 20503, "message": "Service Unavailable", "status": 503}),
    "http_429": (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
    "invalid_number_21211": (
        400,
        {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400},
    ),
    "not_mobile_21614": (
        400,
        {"code": 21614, "message": "'To' number is not a valid mobile number", "status": 400},
    ),
}


class OfflineHttpClient(HttpClient):
    """Records each request and answers from a script, without any network.

    ``answers`` are used in order; the last one repeats. Without a script every request gets
    ``status``/``payload`` (a created message by default), or raises ``raises``.
    """

    def __init__(
        self,
        status: int = 201,
        payload: dict | str | None = None,
        raises: BaseException | None = None,
        *,
        answers: Iterable[Answer] | None = None,
    ) -> None:
        super().__init__(logging.getLogger("tests.twilio"), is_async=False, timeout=None)
        if answers is None:
            default = CREATED if payload is None else (status, payload)
            answers = [raises if raises is not None else default]
        self.answers: list[Answer] = list(answers)
        self.calls: list[dict[str, Any]] = []
        self.created = 0
        #: Called with the request (and the ``sid`` of a created message) before answering or
        #: failing: what Twilio does meanwhile, such as posting a status callback.
        self.before_answer: Callable[[dict[str, Any]], None] | None = None

    def script(self, *answers: Answer) -> None:
        """Answer the next requests with these (the last one repeats)."""
        self.answers = list(answers)

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        call = {"method": method, "url": url, "data": data, "auth": auth, "headers": headers}
        self.calls.append(call)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == CREATED:
            self.created += 1
            call["sid"] = message_sid(self.created)
            answer = (201, {"sid": call["sid"], "status": "queued"})
        if self.before_answer is not None:
            self.before_answer(call)
        if isinstance(answer, BaseException):
            raise answer
        status, payload = answer
        call["accepted"] = status == 201
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return Response(status, text)

    def sent_bodies(self) -> list[str]:
        """The bodies of the messages Twilio accepted (a 201 answer), in order."""
        return [call["data"]["Body"] for call in self.calls if call.get("accepted")]


def configure_twilio(settings, monkeypatch) -> None:
    """Twilio as the SMS backend, with a sender number and nothing from the environment."""
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM = SENDER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_TIMEOUT_SECONDS = 7.5
    settings.PUBLIC_ORIGIN = "https://portal.example.sa"
