"""SMS transports. Each backend has one method, ``send(message) -> provider id | None``.

Development prints to the console, tests collect in memory, browser tests read a JSON-lines
file written by the server process, production uses Twilio. Settings are read when sending,
not at import, so a test can switch them per test.
"""

from __future__ import annotations

import fcntl
import json
import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import requests
from django.conf import settings
from django.utils import timezone

from accounts.sms import SmsError, SmsMessage, mask_recipient, outbox

if TYPE_CHECKING:
    from twilio.http import HttpClient

logger = logging.getLogger("accounts.sms")

#: Twilio error codes that mean "this number cannot receive this SMS" (invalid, not a mobile,
#: region not enabled, recipient unsubscribed): retrying will not help, the number must change.
INVALID_NUMBER_CODES = frozenset({21211, 21614, 21408, 21610})


class BaseSmsBackend:
    """Interface every backend implements; ``SMS_BACKEND`` may name any subclass."""

    #: True for transports that do not reach a phone (console, locmem, file): refused in
    #: production unless ALLOW_TEST_MODES is set (DESIGN §11).
    development_only = False

    def send(self, message: SmsMessage) -> str | None:
        """Deliver ``message``; return the provider's id or None; raise ``SmsError``."""
        raise NotImplementedError("SMS backends must implement send()")


class ConsoleBackend(BaseSmsBackend):
    """Print the message, code included: development mode, where reading the code is the point."""

    development_only = True

    _lock = threading.Lock()  # the dev server is threaded; keep blocks from interleaving

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: SmsMessage) -> str | None:
        stream = self.stream or sys.stdout  # looked up now so capsys/redirects see it
        block = (
            "\n===== SMS (console backend: development only) =====\n"
            f"To: {message.to}\n"
            f"Purpose: {message.purpose}\n"
            f"{message.body}\n"
            "====================================================\n"
        )
        with self._lock:
            stream.write(block)
            stream.flush()
        return None


class LocmemBackend(BaseSmsBackend):
    """Append to ``accounts.sms.outbox`` so tests can read the code that was sent."""

    development_only = True

    def send(self, message: SmsMessage) -> str | None:
        outbox.append({"to": message.to, "body": message.body, "purpose": message.purpose})
        return None


class FileBackend(BaseSmsBackend):
    """Append one JSON object per line to ``settings.SMS_FILE_PATH``.

    Browser tests run the server in another process, so the file is the only outbox they can
    read. Several server workers may send at once: the file is opened in append mode and the
    whole line is written under an exclusive ``flock``, so lines never interleave.
    """

    development_only = True

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = path

    def send(self, message: SmsMessage) -> str | None:
        path = Path(self.path or settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "to": message.to,
            "body": message.body,
            "purpose": message.purpose,
            "sent_at": timezone.now().isoformat(),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with path.open("a", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                fh.write(line)
                fh.flush()
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return None


class TwilioBackend(BaseSmsBackend):
    """Send through Twilio's Messages API and turn every failure into an ``SmsError``.

    ``http_client`` may be injected (tests pass an offline ``twilio.http.HttpClient``);
    otherwise a ``TwilioHttpClient`` with ``TWILIO_TIMEOUT_SECONDS`` is built, because
    Twilio's default client has no timeout and a stuck provider would hang the request.
    """

    def __init__(self, http_client: HttpClient | None = None) -> None:
        self.http_client = http_client

    def _http_client(self) -> HttpClient:
        if self.http_client is not None:
            return self.http_client
        from twilio.http.http_client import TwilioHttpClient

        return TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)

    def send(self, message: SmsMessage) -> str | None:
        from twilio.base.exceptions import TwilioException
        from twilio.rest import Client

        sid = settings.TWILIO_ACCOUNT_SID
        token = settings.TWILIO_AUTH_TOKEN
        service_sid = settings.TWILIO_MESSAGING_SERVICE_SID
        sender = settings.TWILIO_FROM
        if not (sid and token and (service_sid or sender)):
            # Checked here: twilio's Client would otherwise fall back to os.environ.
            self._fail("not_configured", message)
        options: dict[str, str] = (
            {"messaging_service_sid": service_sid} if service_sid else {"from_": sender}
        )
        if callback := status_callback_url():
            options["status_callback"] = callback
        try:
            client = Client(sid, token, http_client=self._http_client())
            created = client.messages.create(to=message.to, body=message.body, **options)
        except requests.exceptions.ConnectTimeout:
            # Never connected (ConnectTimeout is also a ConnectionError): certainly not sent.
            self._fail("connection_error", message)
        except requests.exceptions.Timeout:
            # Sent, but no answer in time: Twilio may have created the message anyway.
            self._fail("timeout", message, maybe_sent=True)
        except requests.exceptions.RequestException:
            self._fail("connection_error", message)
        except TwilioException as exc:
            # TwilioRestException (legacy error body) and TwilioServiceException (RFC 9457)
            # both carry ``status`` and ``code``; neither is a subclass of the other.
            status = getattr(exc, "status", None)
            code = getattr(exc, "code", None)
            self._fail(
                _reason_for(exc, status, code),
                message,
                status=status,
                code=code,
                maybe_sent=_maybe_processed(status),
            )
        except ValueError:
            # A success status with a body that is not Twilio's JSON (a proxy's page): the
            # message may exist, but its id is unknown.
            self._fail("provider_error", message, maybe_sent=True)
        return created.sid

    @staticmethod
    def _fail(
        reason: str,
        message: SmsMessage,
        *,
        status: int | None = None,
        code: int | None = None,
        maybe_sent: bool = False,
    ) -> NoReturn:
        """Log and raise; ``from None`` because the provider's text names the full number."""
        logger.warning(
            "SMS not sent: reason=%s to=%s purpose=%s status=%s code=%s maybe_sent=%s",
            reason,
            mask_recipient(message.to),
            message.purpose,
            status,
            code,
            maybe_sent,
        )
        # Twilio's own codes have five digits; without an error body the library repeats
        # the HTTP status as the code, which is no provider code at all.
        provider_code = code if isinstance(code, int) and code >= 10000 else None
        raise SmsError(reason, provider_code=provider_code, maybe_sent=maybe_sent) from None


def status_callback_url() -> str:
    """Where Twilio reports delivery status: ``PUBLIC_ORIGIN`` + the callback's path.

    Only for an ``https`` origin: Twilio cannot reach a developer's ``http://127.0.0.1``, and
    a callback carries the phone number, which must not cross the internet in clear text.
    """
    from django.urls import reverse

    origin = settings.PUBLIC_ORIGIN
    if not origin.startswith("https://"):
        return ""
    return origin + reverse("accounts:twilio_status_callback")


def _maybe_processed(status: int | None) -> bool:
    """Whether a server error may have come after Twilio created the message.

    503 and 429 say the request was not handled; other 5xx answers (500, 502, 504) do not.
    """
    return status is not None and status >= 500 and status != 503


def _reason_for(exc: Exception, status: int | None, code: int | None) -> str:
    """Map a Twilio error to a reason the person can act on."""
    if status == 429 or code == 20429:
        return "rate_limited"
    if code in INVALID_NUMBER_CODES:
        return "invalid_number"
    text = str(getattr(exc, "msg", "") or getattr(exc, "detail", "") or "")
    if status == 400 and "'to'" in text.lower():
        return "invalid_number"
    return "provider_error"
