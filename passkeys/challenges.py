"""WebAuthn challenges, kept in the session that asked for them: single-use, five minutes.

A challenge is not a secret of the person (the page it goes to shows it), so the session is
the right place: it binds the challenge to this browser. A response is accepted only with a
challenge this session was given for the same purpose (adding a passkey or signing in), for
the same account when adding, less than :data:`LIFETIME_SECONDS` ago, and never twice: the
challenge is taken out of the session when a response names it, whatever the outcome, and
claimed in the shared cache (``LIMITS_CACHE``), so answers sent at once in one session cannot
each find it there.

A few are kept per purpose (:data:`KEPT_PER_PURPOSE`), because one login page asks for two (the
autofill request started on arrival and the button's) and a person may have two tabs open.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import MutableMapping
from typing import Any

from django.conf import settings
from django.core.cache import caches
from webauthn.helpers import bytes_to_base64url

#: Session key: ``{purpose: [{"challenge": b64url, "expires": epoch, "account": pk|None}]}``.
SESSION_KEY = "passkeys_challenges"
#: How long a challenge may be answered, in seconds (the browser is told the same).
LIFETIME_SECONDS = 5 * 60
#: Challenges kept per purpose; asking for one more forgets the oldest.
KEPT_PER_PURPOSE = 5
#: Random bytes per challenge (WebAuthn asks for at least 16).
CHALLENGE_BYTES = 32

REGISTER = "register"
SIGN_IN = "sign_in"


def _now() -> float:
    """The current time. Used for mocking in tests."""
    return time.time()


def issue(
    session: MutableMapping[str, Any], purpose: str, *, account_id: int | None = None
) -> bytes:
    """A new challenge for ``purpose``, remembered by this session for five minutes."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    now = _now()
    kept = _live(session, purpose, now)
    kept.append(
        {
            "challenge": bytes_to_base64url(challenge),
            "expires": now + LIFETIME_SECONDS,
            "account": account_id,
        }
    )
    _store(session, purpose, kept[-KEPT_PER_PURPOSE:])
    return challenge


def take(
    session: MutableMapping[str, Any],
    purpose: str,
    challenge: bytes,
    *,
    account_id: int | None = None,
) -> bool:
    """Whether ``challenge`` was issued to this session for ``purpose`` (and ``account_id``)
    and has not expired; it is forgotten either way, so no response can use it again."""
    encoded = bytes_to_base64url(challenge)
    now = _now()
    kept = _live(session, purpose, now)
    found = next(
        (entry for entry in kept if secrets.compare_digest(entry["challenge"], encoded)), None
    )
    if found is not None:
        kept.remove(found)
    _store(session, purpose, kept)
    return found is not None and found["account"] == account_id and _claim(encoded)


def _claim(encoded: str) -> bool:
    """Mark the challenge used in the shared cache; False if a request got there first.

    The session alone cannot make a challenge single-use: requests of one session sent at
    once each read it before any writes it back, and would all find the challenge there.
    """
    key = "passkeys:challenge-used:" + hashlib.sha256(encoded.encode("ascii")).hexdigest()
    return caches[settings.LIMITS_CACHE].add(key, True, LIFETIME_SECONDS + 60)


def _live(session: MutableMapping[str, Any], purpose: str, now: float) -> list[dict[str, Any]]:
    """The unexpired challenges of ``purpose`` (a malformed record counts as none)."""
    stored = session.get(SESSION_KEY)
    entries = stored.get(purpose) if isinstance(stored, dict) else None
    if not isinstance(entries, list):
        return []
    return [
        entry
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("challenge"), str)
        and isinstance(entry.get("expires"), int | float)
        and entry["expires"] > now
    ]


def _store(session: MutableMapping[str, Any], purpose: str, entries: list[dict[str, Any]]) -> None:
    stored = session.get(SESSION_KEY)
    stored = dict(stored) if isinstance(stored, dict) else {}
    if entries:
        stored[purpose] = entries
    else:
        stored.pop(purpose, None)
    if stored:
        session[SESSION_KEY] = stored
    else:
        session.pop(SESSION_KEY, None)
