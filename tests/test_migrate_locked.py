"""``migrate_locked``: web machines starting at once migrate one after another."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections

from accounts.management.commands.migrate_locked import MIGRATION_LOCK_KEY

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_migrates_when_nobody_else_is(db):
    out = StringIO()
    call_command("migrate_locked", verbosity=1, stdout=out)
    assert "No migrations to apply" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_it_waits_while_another_machine_holds_the_migration_lock():
    with connection.cursor() as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        done = threading.Event()

        def other_machine() -> None:
            try:
                call_command("migrate_locked", verbosity=0)
                done.set()
            finally:
                connections.close_all()

        thread = threading.Thread(target=other_machine)
        thread.start()
        try:
            assert not done.wait(timeout=1.5), "migrate ran while another run held the lock"
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
        thread.join(timeout=60)
        assert done.is_set(), "migrate never ran after the lock was released"
