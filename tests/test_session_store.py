"""The session engine (absher_portal/session_store.py, decision 277): Django's ``cached_db``
with one statement per deletion and no look-up before a new key is used."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from absher_portal.session_store import SessionStore

pytestmark = pytest.mark.django_db


def statements(action) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        action()
    return [q["sql"].split()[0] for q in queries if "django_session" in q["sql"]]


def test_a_new_session_is_inserted_without_asking_first_whether_its_key_is_taken():
    session = SessionStore()
    session["x"] = 1
    assert statements(session.save) == ["INSERT"]
    assert Session.objects.filter(session_key=session.session_key).exists()


def test_a_session_is_deleted_with_one_statement_from_the_database_and_the_cache():
    session = SessionStore()
    session["x"] = 1
    session.save()
    key = session.session_key
    assert statements(lambda: session.delete(key)) == ["DELETE"]
    assert not Session.objects.filter(session_key=key).exists()
    assert SessionStore(key).load() == {}
    assert cache.get(session.cache_key_prefix + key) is None


def test_cycling_the_key_keeps_the_data_and_drops_the_old_session():
    session = SessionStore()
    session["x"] = 1
    session.save()
    old = session.session_key
    session.cycle_key()
    assert session.session_key != old
    assert SessionStore(session.session_key).load() == {"x": 1}
    assert not Session.objects.filter(session_key=old).exists()


def test_a_key_already_taken_is_never_reused(monkeypatch):
    """The INSERT refuses a taken key (unique primary key): Django draws another."""
    first = SessionStore()
    first["owner"] = "first"
    first.save()
    keys = iter([first.session_key, "b" * 32])
    monkeypatch.setattr("absher_portal.session_store.get_random_string", lambda *args: next(keys))
    second = SessionStore()
    second["owner"] = "second"
    second.save()
    assert second.session_key == "b" * 32
    assert SessionStore(first.session_key).load() == {"owner": "first"}


def test_deleting_a_session_that_is_gone_is_quiet():
    SessionStore().delete("z" * 32)


def test_the_cache_is_written_while_the_sessions_row_is_locked(monkeypatch):
    """Inside the save's transaction: an ending that deletes the row waits for it, then clears
    the cached copy after, so a save racing an ending cannot put the session back in Redis."""
    session = SessionStore()
    session["x"] = 1
    session.save()
    outside = len(connection.atomic_blocks)
    depths = []
    real_set = session._cache.set

    def recording_set(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real_set(*args, **kwargs)

    monkeypatch.setattr(session._cache, "set", recording_set)
    session["x"] = 2
    session.save()
    assert depths == [outside + 1]
    assert SessionStore(session.session_key).load() == {"x": 2}


def test_saving_a_session_that_was_ended_meanwhile_is_refused_and_not_cached():
    from django.contrib.sessions.backends.base import UpdateError

    session = SessionStore()
    session["x"] = 1
    session.save()
    key = session.session_key
    SessionStore().delete(key)  # another request ended it
    session["x"] = 2
    with pytest.raises(UpdateError):
        session.save()
    assert cache.get(session.cache_key_prefix + key) is None
