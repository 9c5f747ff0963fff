"""The session engine: Django's ``cached_db`` (PostgreSQL behind Redis), minus one round trip.

Every visitor who opens the wizard gets a new session. Django picks the new key by asking the
cache and then the database whether it is taken (``exists()``: a Redis ``EXISTS`` and, on a
miss, a ``SELECT``) and then inserts the row with ``must_create``, which fails on a taken key
anyway: ``create()`` catches that and draws again. With 32 characters from a 36-letter
alphabet (about 165 bits) a collision never happens in practice, so the look-up buys nothing;
the insert alone keeps keys unique. The benchmarks (issue 8) showed the look-up on every new
visitor's first page.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.utils.crypto import get_random_string


class SessionStore(CachedDbSessionStore):
    def _get_new_session_key(self) -> str:
        """A fresh random key; uniqueness is enforced by the ``must_create`` insert."""
        return get_random_string(32, VALID_KEY_CHARS)
