"""The session engine: Django's ``cached_db`` (PostgreSQL behind Redis), with two round trips
less wherever a session is created or replaced (issue 16, decision 277).

- A new key is not looked up before it is used. Django asks Redis and then the database
  whether 32 random characters are taken; the INSERT that creates the session already refuses
  a key that is (a unique primary key), and Django's ``create()`` then draws another.
- A session is deleted with one ``DELETE``, not a ``SELECT`` of the row and then its
  ``DELETE`` (nothing listens to a session's deletion).

And one race closed: Django writes the cache after the database transaction commits, so a
request saving a session while another ends it ("sign out everywhere else", a suspension)
could put it back in Redis just after the ending deleted it there: the row was gone, the
cached copy signed the browser in until the next once-a-minute check of its record. Here the
cache is written inside the transaction, while the row is locked by the UPDATE (or INSERT): an
ending's ``DELETE`` waits for that lock, then removes the row and the cached copy after it.

Signing in, registering and signing out each replace a session, so each saves both.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, router, transaction
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        """Django's database save, with the cache written before the commit (see above)."""
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        row = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=row)
        try:
            with transaction.atomic(using=using):
                row.save(force_insert=must_create, force_update=not must_create, using=using)
                self._cache_while_locked()
        except IntegrityError as error:
            if must_create:
                raise CreateError from error
            raise
        except DatabaseError as error:
            if not must_create:
                raise UpdateError from error
            raise
        return None

    def _cache_while_locked(self) -> None:
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=session_key).delete()
        self._cache.delete(self.cache_key_prefix + session_key)
