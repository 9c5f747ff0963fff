"""The session engine (absher_portal.session_store): cached_db without a look-up per new key,
and still never two sessions on one key."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
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
