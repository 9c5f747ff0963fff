"""Logging filters: every line carries the request id, and no line carries a full ID number.

They sit on the handler (see ``LOGGING`` in settings), so they apply to every logger, Django's
and libraries' included, whatever the output format (text in development, JSON in production).
The portal never logs passwords or one-time codes in the first place; the redaction below is
the safety net for the one secret that is easy to log by accident: a national ID, iqama or
border number (ten digits) inside a message, its arguments or a traceback.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest

from absher_portal.request_id import current_request_id

#: Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "request_id",  # ours: hex or the proxy's id, never personal data
}

#: Ten digits standing alone, in any script (``\d`` matches Arabic-Indic and Persian digits).
_TEN_DIGITS = re.compile(r"(?<!\d)(\d{2})\d{6}(\d{2})(?!\d)")


def redact(text: str) -> str:
    """Mask every standalone 10-digit number: ``2123456788`` becomes ``21******88``."""
    return _TEN_DIGITS.sub(r"\1******\2", text)


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` to every record ("-" outside a request: commands, the worker).

    Django logs a response's 4xx/5xx status after the middleware has returned, with the request
    in ``extra``: the id is then read from the request itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id() or "-"
        return True


class RedactFilter(logging.Filter):
    """Mask ID numbers in the message, its arguments and any traceback, before formatting.

    The message is rendered once and frozen (``args`` cleared), so no formatter downstream can
    bring the raw arguments back; a traceback is rendered to ``exc_text`` the same way.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not lose the line or raise
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # formatters use exc_text, already masked
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            # Extras are written out by the JSON formatter: keep only their masked text. A
            # request (Django passes one) becomes its method and path: its repr would carry
            # the query string, which can hold anything the client typed.
            if name in _STANDARD_ATTRIBUTES or isinstance(value, int | float | None):
                continue
            if isinstance(value, HttpRequest):
                value = f"{value.method} {value.path}"
            setattr(record, name, redact(str(value)))
        return True
