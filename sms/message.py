"""An SMS, and how sending one can fail: what every part of the ``sms`` app speaks in.

Message bodies carry one-time codes: nothing here puts a body into an exception, a repr or a
log line.
"""

from __future__ import annotations

from dataclasses import dataclass


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
