"""Send SMS through one small interface; the transport is chosen by ``settings.SMS_BACKEND``.

Callers build an :class:`SmsMessage` and call :func:`send_sms`. Which backend carries it
(console for development, locmem for tests, a JSON-lines file for browser tests, Twilio in
production, or any dotted path) is decided at call time, so ``override_settings`` and the
pytest ``settings`` fixture switch it without reloading anything (STYLE A2, A4).

Message bodies carry one-time codes: nothing in this package puts a body into an exception
or a log line. Backends are imported lazily, which also keeps ``backends.py`` free to import
the names defined here without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from sms.backends import BaseSmsBackend

__all__ = [
    "BACKEND_ALIASES",
    "SmsAlreadyClaimed",
    "SmsError",
    "SmsMessage",
    "get_backend",
    "get_backend_class",
    "mask_recipient",
    "outbox",
    "send_sms",
]

BACKEND_ALIASES: dict[str, str] = {
    "console": "sms.backends.ConsoleBackend",
    "locmem": "sms.backends.LocmemBackend",
    "file": "sms.backends.FileBackend",
    "twilio": "sms.backends.TwilioBackend",
}

#: Messages "sent" by the locmem backend, as ``{"to", "body", "purpose"}`` dicts (tests read it).
outbox: list[dict[str, str]] = []


@dataclass(frozen=True)
class SmsMessage:
    """One text message; ``purpose`` ("registration", "login", "reset", ...) is for logs/tests.

    ``delivery_id`` is the ``SmsDelivery`` row of this attempt, set by :func:`send_sms` before
    the backend runs: Twilio's status callback URL names it, so a report that arrives before
    Twilio's answer (and its message SID) still finds its row.
    """

    to: str
    body: str
    purpose: str
    delivery_id: int | None = None

    def __repr__(self) -> str:
        # The body holds a one-time code: keep it out of reprs that end up in tracebacks.
        return f"SmsMessage(to={mask_recipient(self.to)}, body=<hidden>, purpose={self.purpose!r})"


def mask_recipient(number: str) -> str:
    """Return ``number`` with all but its last 3 characters hidden, for logs ("***123")."""
    return f"***{number[-3:]}" if len(number) > 3 else "***"


class SmsError(Exception):
    """The provider did not accept the message.

    ``reason`` is a short, non-secret code ("timeout", "rate_limited", "invalid_number",
    "connection_error", "provider_error", "not_configured") that views map to a message for
    the person; it is also the whole exception text, so logging the error never leaks a code.
    ``provider_code`` is the provider's own error number (Twilio's 21211, 20429...), if any.
    ``maybe_sent`` is True when the request may have reached the provider before it failed
    (no answer in time, a connection lost after the request was written, a 500): the message
    may still arrive, so sending it again could send it twice.
    """

    def __init__(
        self,
        reason: str = "provider_error",
        *,
        provider_code: int | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider_code = provider_code
        self.maybe_sent = maybe_sent


class SmsAlreadyClaimed(Exception):
    """Another attempt already holds this message's ``dedupe_key``: this one sent nothing.

    Not an :class:`SmsError`: nothing failed, and a caller must neither retry nor count it.
    """


def get_backend_class() -> type[BaseSmsBackend]:
    """The backend class named by ``settings.SMS_BACKEND`` (an alias or a dotted path)."""
    name = getattr(settings, "SMS_BACKEND", "console") or "console"
    path = BACKEND_ALIASES.get(name, name)
    if "." not in path:
        raise ImproperlyConfigured(
            f"Unknown SMS_BACKEND {name!r}; use one of {sorted(BACKEND_ALIASES)} "
            "or a dotted path to a backend class."
        )
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Cannot import SMS_BACKEND {name!r}: {exc}") from exc


def get_backend(**kwargs: Any) -> BaseSmsBackend:
    """Return a new backend for ``settings.SMS_BACKEND``.

    ``kwargs`` go to the backend's constructor, e.g. ``http_client=`` for Twilio in tests.
    """
    return get_backend_class()(**kwargs)


def send_sms(message: SmsMessage, *, dedupe_key: str | None = None) -> str | None:
    """Send ``message`` with the configured backend; return the provider's id, if any.

    Raises :class:`SmsError` when the provider refuses or cannot be reached, so the request
    that sends a code can tell the person at once (design.md §5). Every attempt leaves an
    ``SmsDelivery`` row (never the body), written and committed *before* the backend runs, so
    the provider's status callbacks always find it, and completed afterwards. Call it outside
    any transaction (``sms.records.start_attempt`` refuses otherwise).

    ``dedupe_key`` makes the send at most once: the row is inserted under that unique key
    first, and a second attempt with the same key raises :class:`SmsAlreadyClaimed` without
    sending. Any other exception from the backend marks the row "may have been sent"
    (``internal_error``) and propagates.
    """
    from sms.records import finish_attempt, start_attempt

    backend_name = str(getattr(settings, "SMS_BACKEND", "") or "console")
    record = start_attempt(
        recipient=message.to,
        purpose=message.purpose,
        backend=backend_name,
        dedupe_key=dedupe_key,
    )
    if record is not None:
        message = replace(message, delivery_id=record.pk)
    try:
        provider_id = get_backend().send(message)
    except SmsError as exc:
        finish_attempt(record, error=exc)
        raise
    except Exception:
        finish_attempt(record, error=SmsError("internal_error", maybe_sent=True))
        raise
    finish_attempt(record, provider_message_id=provider_id)
    return provider_id
