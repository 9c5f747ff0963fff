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

A code is counted *before* it is compared (an atomic increment), so parallel guesses cannot
slip past the cap; a code refused by the cap, and a right code, are given back.
"""

from __future__ import annotations

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


def count_check(key: str) -> tuple[Usage, int]:
    """Count one code about to be compared; with the seconds to wait if the cap refuses it.

    A refused code is given back at once, so knocking on a closed door keeps it closed no
    longer than the wrong codes already counted.
    """
    usage = LIMIT.hit(key)
    if not usage.exceeded:
        return usage, 0
    limits.give_back(usage)
    return usage, max(1, wait(key))


def forget_check(usage: Usage) -> None:
    """The code was right: it is not a wrong code."""
    limits.give_back(usage)
