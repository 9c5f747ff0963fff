"""The session engine (absher_portal.session_store): cached_db without a look-up per new key
or a BEGIN/COMMIT around one statement, and still never two sessions on one key."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from absher_portal.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_the_project_uses_this_engine(settings):
    assert settings.SESSION_ENGINE == "absher_portal.session_store"


def test_a_new_session_is_one_insert_without_a_look_up_first():
    store = SessionStore()
    store["wizard"] = {"step": "identity"}
    with CaptureQueriesContext(connection) as queries:
        store.save()
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SELECT" not in statements
    assert statements.count("INSERT") == 1
    assert SessionStore(session_key=store.session_key)["wizard"] == {"step": "identity"}


def test_a_drawn_key_that_is_taken_is_drawn_again_never_overwritten(monkeypatch):
    taken = SessionStore()
    taken["owner"] = "first"
    taken.save()
    fresh_key = "k" * 32
    draws = iter([taken.session_key, fresh_key])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(draws))

    second = SessionStore()
    second["owner"] = "second"
    second.save()

    assert second.session_key == fresh_key
    assert SessionStore(session_key=taken.session_key)["owner"] == "first"
    assert Session.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_save_is_one_statement_without_begin_or_commit():
    store = SessionStore()
    store["step"] = "identity"
    store.save()
    store["step"] = "account"
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["UPDATE"]
    # The cache was written too: a fresh store reads the new value without the database.
    with CaptureQueriesContext(connection) as reads:
        assert SessionStore(session_key=store.session_key)["step"] == "account"
    assert not reads.captured_queries


@pytest.mark.django_db(transaction=True)
def test_saving_a_session_deleted_meanwhile_raises_update_error_and_writes_nothing():
    store = SessionStore()
    store["step"] = "identity"
    store.save()
    Session.objects.filter(session_key=store.session_key).delete()
    store["step"] = "account"
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.exists()


def test_inside_a_transaction_a_refused_insert_leaves_the_transaction_usable():
    """Within ``atomic()`` Django's own save runs, with its savepoint: a taken key is refused
    (``CreateError``) and the caller's transaction goes on."""
    taken = SessionStore()
    taken.save()
    clash = SessionStore(session_key=taken.session_key)
    with transaction.atomic():
        with pytest.raises(CreateError):
            clash.save(must_create=True)
        assert Session.objects.count() == 1
