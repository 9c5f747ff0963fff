"""What a session proved at sign-in: the factors it passed, and when (design.md §7).

A factor is a thing the session records, not a flag of one method. The portal's sign-in
records ``password`` and ``sms`` once the code was right; the pages that need a completed
sign-in (the person's pages, the admin) ask :func:`passed_second_factor`, which holds when the
factors passed prove two different kinds of thing: something the person knows and something
they have. A passkey (the passkeys issue) will prove both alone, so it will count by itself;
a recovery code or a TOTP code will count with the password, like the SMS code today.

Only names and times are stored, never a password, a code or anything derived from one. The
record names the account it was made for: a session signed in as someone else by another
door (``login()`` keeps the session of the same account, flushes it for another) never
inherits it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping
from enum import StrEnum
from typing import Any

from django.contrib.auth import SESSION_KEY

#: Session key of the record: ``{"account": "<pk>", "passed": {"<factor>": <epoch seconds>}}``.
FACTORS_KEY = "_portal_factors"


class Factor(StrEnum):
    """The ways to prove who one is, each with what it proves in :data:`PROVES`."""

    PASSWORD = "password"  # noqa: S105  # nosec B105 - the name of a factor, not a password
    SMS = "sms"
    #: A passkey asserted with user verification: the device (possession) unlocked by the
    #: person's face, finger or PIN (inherence or knowledge). It is a whole sign-in alone.
    WEBAUTHN = "webauthn"
    #: A code from the authenticator app set up on the security page.
    TOTP = "totp"
    #: One of the ten single-use recovery codes the person printed or downloaded.
    RECOVERY_CODE = "recovery_code"


class Proof(StrEnum):
    """The kinds of evidence; two different kinds make a second factor."""

    KNOWLEDGE = "knowledge"  # something the person knows
    POSSESSION = "possession"  # something the person has
    INHERENCE = "inherence"  # something the person is


#: What passing each factor proves. A factor missing here proves nothing (a stale record).
PROVES: dict[str, frozenset[str]] = {
    Factor.PASSWORD: frozenset({Proof.KNOWLEDGE}),
    Factor.SMS: frozenset({Proof.POSSESSION}),
    Factor.WEBAUTHN: frozenset({Proof.POSSESSION, Proof.INHERENCE}),
    Factor.TOTP: frozenset({Proof.POSSESSION}),
    Factor.RECOVERY_CODE: frozenset({Proof.POSSESSION}),
}

#: Factors that a phishing site or a SIM swap cannot take over as easily as an SMS code: what
#: the admin may require of staff (``STAFF_REQUIRE_STRONG_FACTOR``).
STRONG_FACTORS = frozenset({Factor.WEBAUTHN, Factor.TOTP})


def _now() -> int:
    """Used for mocking in tests."""
    return int(time.time())


def record(session: MutableMapping[str, Any], factor: str, *, at: int | None = None) -> None:
    """Record that this signed-in session passed ``factor`` (at ``at``, default now).

    Call it after ``login()``: the record is for the account the session is signed in as,
    and ``login()`` starts a new record-less session when the account changes.
    """
    if factor not in PROVES:
        raise ValueError(f"Unknown factor: {factor!r}")
    account = session.get(SESSION_KEY)
    if account is None:
        raise ValueError("Record a factor after the session is signed in.")
    current = session.get(FACTORS_KEY)
    passed = dict(current["passed"]) if _belongs_to(current, account) else {}
    passed[str(factor)] = int(_now() if at is None else at)
    session[FACTORS_KEY] = {"account": str(account), "passed": passed}


def passed(session: Mapping[str, Any]) -> dict[str, int]:
    """The factors this session passed for the account it is signed in as, with when."""
    current = session.get(FACTORS_KEY)
    account = session.get(SESSION_KEY)
    if account is None or not _belongs_to(current, account):
        return {}
    return {
        factor: when
        for factor, when in current["passed"].items()
        if factor in PROVES and isinstance(when, int) and not isinstance(when, bool)
    }


def passed_second_factor(session: Mapping[str, Any]) -> bool:
    """Whether the session proved two kinds of thing (password and SMS code, or a passkey)."""
    proofs: set[str] = set()
    for factor in passed(session):
        proofs |= PROVES[factor]
    return len(proofs) >= 2


def recently_passed_second_factor(session: Mapping[str, Any], *, within_seconds: int) -> bool:
    """Whether the session proved two kinds of thing, each within the last ``within_seconds``:
    what adding or removing a way to sign in asks for (a re-authentication)."""
    since = _now() - within_seconds
    proofs: set[str] = set()
    for factor, when in passed(session).items():
        if when >= since:
            proofs |= PROVES[factor]
    return len(proofs) >= 2


def passed_strong_factor(session: Mapping[str, Any]) -> bool:
    """Whether the session passed a passkey or an authenticator app (not SMS alone)."""
    return any(factor in STRONG_FACTORS for factor in passed(session))


def _belongs_to(current: object, account: object) -> bool:
    return (
        isinstance(current, dict)
        and current.get("account") == str(account)
        and isinstance(current.get("passed"), dict)
    )
