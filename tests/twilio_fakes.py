"""Twilio at the network edge: its real client, answered by an offline HTTP client.

``OfflineHttpClient`` is a ``twilio.http.HttpClient``: the twilio library builds and parses
every request and answer as in production, only no socket is opened. The ``offline_twilio``
fixture (``tests/twilio_fixtures.py``) installs one as the portal's Twilio transport.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import requests
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


# The outages the portal must survive, as Twilio (or the network before it) presents them.
OUTAGES: dict[str, Answer] = {
    "timeout": requests.exceptions.ReadTimeout("read timed out"),
    "connect_timeout": requests.exceptions.ConnectTimeout("connect timed out"),
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
        if isinstance(answer, BaseException):
            raise answer
        if answer == CREATED:
            self.created += 1
            answer = (201, {"sid": message_sid(self.created), "status": "queued"})
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
