"""Send SMS through one small interface; the transport is chosen by ``settings.SMS_BACKEND``.

Callers build an :class:`SmsMessage` and call :func:`send_sms`. Which backend carries it
(console for development, locmem for tests, a JSON-lines file for browser tests, Twilio in
production, or any dotted path) is decided at call time, so ``override_settings`` and the
pytest ``settings`` fixture switch it without reloading anything (STYLE A2, A4).

The message and its errors are in ``sms.message``; every attempt is recorded by
``sms.records``. Backends are imported by name when sending.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from sms.message import SmsError, SmsMessage
from sms.records import finish_attempt, start_attempt

if TYPE_CHECKING:
    from sms.backends import BaseSmsBackend

__all__ = ["BACKEND_ALIASES", "get_backend", "get_backend_class", "send_sms"]

BACKEND_ALIASES: dict[str, str] = {
    "console": "sms.backends.ConsoleBackend",
    "locmem": "sms.backends.LocmemBackend",
    "file": "sms.backends.FileBackend",
    "twilio": "sms.backends.TwilioBackend",
}


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
