"""The session engine: Django's ``cached_db`` (PostgreSQL behind Redis), minus round trips.

Two of Django's habits cost a round trip on requests that every visitor makes:

- Picking a new key, Django asks the cache and then the database whether it is taken
  (``exists()``), then inserts with ``must_create``, which refuses a taken key anyway (and
  ``create()`` draws again). With 32 characters from a 36-letter alphabet (about 165 bits) a
  collision never happens in practice; the insert alone keeps keys unique.
- Saving, Django wraps its one INSERT or UPDATE in ``transaction.atomic()``: outside a
  transaction that is a BEGIN and a COMMIT around it, and the wizard saves the session on
  every request. One statement in autocommit mode is atomic by itself, and a failed one
  leaves no transaction to spoil. Inside a transaction the savepoint that ``atomic()`` sets
  does matter (a failed insert must not spoil the caller's transaction), so there Django's own
  save runs.

The benchmarks (issue 8) found both on every step of a registration.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.db import DatabaseError, IntegrityError, connections, router
from django.utils.crypto import get_random_string

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDbSessionStore):
    def _get_new_session_key(self) -> str:
        """A fresh random key; uniqueness is enforced by the ``must_create`` insert."""
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        """Django's ``cached_db`` save, without BEGIN/COMMIT around a single statement."""
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        if connections[using].in_atomic_block:
            return super().save(must_create)
        row = self.create_model_instance(self._get_session(no_load=must_create))
        try:
            row.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError as exc:
            if must_create:
                raise CreateError from exc
            raise
        except DatabaseError as exc:
            if not must_create:
                raise UpdateError from exc
            raise
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:  # as Django's cached_db: the database row is what counts
            logger.exception("Error saving to cache (%s)", self._cache)
        return None
