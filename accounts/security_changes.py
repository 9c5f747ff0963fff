"""Changes to the ways a person signs in, told to them by SMS (design.md "Security page").

A passkey added or removed, an authenticator app set up or removed, recovery codes made or
used, a passkey refused as a possible copy, a sign-in from a browser the account has not seen:
each is one ``AccountEvent`` and one owed ``security_changed`` notice, written in the same
transaction, so a change is never told without being recorded, nor recorded without being told
(the at-most-once sending of design.md §15). A person who did not make the change learns of it
on the phone they registered, whoever holds the session. The texts are in
``accounts.notifications`` (``security_change_sms_body``), the writer in ``accounts.notice_kinds``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.lifecycle import record_event
from accounts.models import AccountEvent, Notice, User
from accounts.notices import owe

Kind = AccountEvent.Kind

#: The events that are changes to the ways to sign in, each told to the person by SMS.
TOLD_KINDS = frozenset(
    {
        Kind.PASSKEY_ADDED,
        Kind.PASSKEY_REMOVED,
        Kind.PASSKEY_REFUSED,
        Kind.APP_ADDED,
        Kind.APP_REMOVED,
        Kind.RECOVERY_CODES_NEW,
        Kind.RECOVERY_CODE_USED,
        Kind.NEW_DEVICE_SIGN_IN,
    }
)


def record_security_change(
    *, account: User, kind: str, source: str, details: dict[str, Any] | None = None
) -> AccountEvent:
    """Record ``kind`` in the account's history and owe the person its SMS, together.

    ``details`` holds what the message may name (a passkey's own name, a browser), never a
    secret: the history is read by staff.
    """
    if kind not in TOLD_KINDS:
        raise ValueError(f"Not a change to the ways to sign in: {kind!r}")
    with transaction.atomic():
        event = record_event(account=account, kind=kind, source=source, details=details)
        owe(kind=Notice.Kind.SECURITY_CHANGED, account=account, subject_id=event.pk)
    return event
