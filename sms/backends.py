"""SMS transports. Each backend has one method, ``send(message) -> provider id | None``.

Development prints to the console, tests collect in memory, browser tests read a JSON-lines
file written by the server process, production uses Twilio. Settings are read when sending,
not at import, so a test can switch them per test.
"""

from __future__ import annotations

import fcntl
import json
import logging
import ssl
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import requests
import urllib3.exceptions
from django.conf import settings
from django.utils import timezone

from sms.message import SmsError, SmsMessage, mask_recipient

if TYPE_CHECKING:
    from twilio.http import HttpClient

logger = logging.getLogger("sms.sending")

#: Twilio error codes that mean "this number cannot receive this SMS" (invalid, not a mobile,
#: region not enabled, recipient unsubscribed): retrying will not help, the number must change.
#: Messages "sent" by the locmem backend, as ``{"to", "body", "purpose"}`` dicts (tests read it).
outbox: list[dict[str, str]] = []

INVALID_NUMBER_CODES = frozenset({21211, 21614, 21408, 21610})


class BaseSmsBackend:
    """Interface every backend implements; ``SMS_BACKEND`` may name any subclass."""

    #: True for transports that do not reach a phone (console, locmem, file): refused in
    #: production unless ALLOW_TEST_MODES is set (design.md §11).
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
    """Append to ``sms.sending.outbox`` so tests can read the code that was sent."""

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
        if callback := status_callback_url(message.delivery_id):
            options["status_callback"] = callback
        try:
            client = Client(sid, token, http_client=self._http_client())
            created = client.messages.create(to=message.to, body=message.body, **options)
        except requests.exceptions.RequestException as exc:
            if never_connected(exc):
                self._fail("connection_error", message)
            # The request may have been written: Twilio may have created the message, even
            # if no answer came in time, the connection broke, or the answer was cut off.
            timeout = isinstance(exc, requests.exceptions.Timeout)
            self._fail("timeout" if timeout else "connection_error", message, maybe_sent=True)
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


def status_callback_url(delivery_id: int | None = None) -> str:
    """Where Twilio reports delivery status: ``PUBLIC_ORIGIN`` + the callback's path.

    The query names the ``SmsDelivery`` row (Twilio signs the whole URL, so nobody else can
    name one): a report that arrives before Twilio's answer to the send finds its row.
    Only for an ``https`` origin: Twilio cannot reach a developer's ``http://127.0.0.1``, and
    a callback carries the phone number, which must not cross the internet in clear text.
    """
    from django.urls import reverse

    origin = settings.PUBLIC_ORIGIN
    if not origin.startswith("https://"):
        return ""
    url = origin + reverse("sms:twilio_status_callback")
    return url if delivery_id is None else f"{url}?delivery={delivery_id}"


#: urllib3's errors for a connection that never opened: refused, unreachable, a name that
#: does not resolve (NameResolutionError is a NewConnectionError), no answer to connect.
_NOT_CONNECTED = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)


def never_connected(error: BaseException) -> bool:
    """Whether a transport error came before any of the request was written: certainly unsent.

    requests wraps urllib3's error: ``ConnectionError(MaxRetryError(reason=NewConnectionError))``
    for a refused connection or unknown name, ``ConnectTimeout`` for no answer to connect,
    ``SSLError(MaxRetryError(reason=SSLError(ssl.SSLError)))`` for a TLS failure. A TLS error
    counts only if raised by the handshake (a certificate, a protocol mismatch): once it is
    done the request may be written. Everything else, such as ``ConnectionError(ProtocolError(
    'Connection aborted.', RemoteDisconnected))`` or ``ChunkedEncodingError`` while reading the
    answer, may come after Twilio read the request.
    """
    for exc in _wrapped(error):
        if isinstance(exc, (requests.exceptions.ConnectTimeout, *_NOT_CONNECTED)):
            return True
        if isinstance(exc, ssl.SSLError) and _raised_by_handshake(exc):
            return True
    return False


def _wrapped(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception it wraps: in its arguments, ``reason`` or ``__cause__``."""
    pending, seen = [error], set()
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        inner = [*exc.args, getattr(exc, "reason", None), exc.__cause__]
        pending.extend(e for e in inner if isinstance(e, BaseException))


def _raised_by_handshake(error: ssl.SSLError) -> bool:
    """Whether the TLS handshake raised ``error`` (its traceback runs through do_handshake)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return True
    return any(
        frame.f_code.co_name == "do_handshake" and frame.f_globals.get("__name__") == "ssl"
        for frame, _line in traceback.walk_tb(error.__traceback__)
    )


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
