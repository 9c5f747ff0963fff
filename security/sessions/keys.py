"""A session key kept without being stored as is (decision 261).

A session key is a bearer credential: whoever has it is signed in. The records of signed-in
sessions keep two things derived from it instead: its SHA-256 digest, which finds the record
from the request that holds the key (a 190-bit random key needs no salt), and the key sealed
with Fernet (AES-CBC and HMAC) under a key derived from ``SECRET_KEY``, which another request
opens to delete that session from the store. A copy of the records table, an export or a
reporting query then gives nobody a cookie that works. Sealed values follow
``SECRET_KEY_FALLBACKS`` as sessions themselves do: a session that outlives a key rotation can
still be ended, and one sealed under a retired key is dead anyway (its data can no longer be
read either).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "security.sessions.keys"


def digest(session_key: str) -> str:
    """The SHA-256 of ``session_key``, in hex: what the records are looked up by."""
    return hashlib.sha256(session_key.encode("ascii", "replace")).hexdigest()


def _fernet(secret: str) -> Fernet:
    derived = salted_hmac(_SALT, "fernet", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _sealer() -> MultiFernet:
    """The current secret seals; it and every fallback open (read at use time)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def seal(session_key: str) -> str:
    """``session_key`` encrypted and authenticated, as text."""
    return _sealer().encrypt(session_key.encode("ascii")).decode("ascii")


def unseal(sealed: str) -> str | None:
    """The session key sealed in ``sealed``, or None if no current secret opens it."""
    try:
        return _sealer().decrypt(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError):
        return None
