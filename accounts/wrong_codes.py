"""One cap on wrong codes per person and purpose (design.md §5, decision 111).

Every wrong code is counted when it is checked, in :func:`accounts.otp.verify_code`, against
one counter for the person and the purpose (``limits.WRONG_CODES_PER_PERSON``, sliding, in the
shared cache), never on the challenge: parallel sessions, resends and new challenges all draw
on the same ``OTP_MAX_FAILURES`` a window, and once it is spent every code of that person and
purpose is refused, the right one too, until the oldest wrong one leaves the window.

"The person" depends on the purpose, so that nobody can spend the budget that protects
another person's sign-in:

- **sign-in**: the account (only someone holding its password can open a sign-in code);
- **registration**: the mobile the code went to (anyone may type it; random ID numbers with
  it bring no fresh budget);
- **password reset**: the (ID number, mobile) pair, for a real reset and a decoy alike, so the
  cap cannot tell them apart (decision 100); never the mobile or the ID alone.

Checks of one person's codes take turns (:func:`take_turn`: a transaction-scoped PostgreSQL
advisory lock on the person and purpose, held while the code is compared and counted), so the
cap is exact however many sessions guess at once, and only wrong codes are ever counted: a
right code is never refused because other codes of the same person were being checked at the
same moment. SQLite serialises writers, which is enough for development.
"""

from __future__ import annotations

import hashlib

from django.db import connection

from accounts import limits
from accounts.limits import Usage
from accounts.models import OtpChallenge, OtpPurpose

LIMIT = limits.WRONG_CODES_PER_PERSON


def person_key(*, purpose: str, mobile: str, national_id: str, user_id: int | None) -> str:
    """Whose budget a code of ``purpose`` spends (the counter's value)."""
    if purpose == OtpPurpose.LOGIN:
        return f"login:account:{user_id}" if user_id else f"login:mobile:{mobile}"
    if purpose == OtpPurpose.RESET:
        return f"reset:pair:{national_id}|{mobile}"
    return f"{purpose}:mobile:{mobile}"


def challenge_key(challenge: OtpChallenge) -> str:
    return person_key(
        purpose=challenge.purpose,
        mobile=challenge.mobile,
        national_id=challenge.national_id,
        user_id=challenge.user_id,
    )


def wait(key: str) -> int:
    """Seconds until a code of this person and purpose is checked again (0: now)."""
    return LIMIT.peek(key).time_left


def take_turn(key: str) -> None:
    """Wait until no other check of this person's codes is under way, for this transaction.

    Call it inside the transaction that compares and counts the code; the lock ends with it.
    """
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"wrong-codes:{key}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def count_wrong(key: str) -> Usage:
    """Count one wrong code; the usage says whether it reached the cap (``time_left``)."""
    return LIMIT.hit(key)
