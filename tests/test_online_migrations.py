"""Index migrations on big tables let the app read and write while they run (issue 6, item 7).

``accounts`` 0006 and 0008 and ``activation`` 0007 and 0010 change the indexes of tables that hold
millions of rows in production. A plain ``CREATE INDEX`` stops writes for the whole build, and
``DROP INDEX`` stops reads as well until the migration's transaction commits. These migrations
therefore run outside a transaction and, on PostgreSQL, use ``CREATE/DROP INDEX CONCURRENTLY``
under a short ``lock_timeout`` (``accounts.migration_ops``).

- Anywhere: the two migrations are non-atomic; unapplying accounts 0006 brings back exactly the
  status indexes that accounts 0001 made, and applying it leaves none on status alone.
- PostgreSQL, from ``sqlmigrate``: every index statement, either way, is ``CONCURRENTLY`` and
  runs under a ``lock_timeout``.
- PostgreSQL, for real: with ``ROWS`` accounts, 0006 is unapplied and applied again while
  another connection keeps reading and updating an account with a 50 ms ``lock_timeout``: not
  one statement waits for a lock. And 0006 run during a long snapshot (what ``pg_dump`` holds)
  stops at its ``lock_timeout``, leaving an invalid index; run again afterwards, it completes.
"""

from __future__ import annotations

import re
import threading
import time
from importlib import import_module
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connection, connections

from accounts import migration_ops
from tests.migration_helpers import migrate

#: Outside a test transaction (``CONCURRENTLY`` refuses one), restoring the seeded rows after
#: (decision 65).
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="CONCURRENTLY and lock waits are PostgreSQL's (set DATABASE_URL=postgres://...)",
)

ONLINE_MIGRATIONS = [
    ("accounts", "0006_lookup_indexes"),
    ("accounts", "0008_drop_pattern_indexes"),
    ("activation", "0007_activation_unnotified_idx"),
    ("activation", "0010_drop_sms_claim_columns"),
    # Housekeeping's sweeps (issue 17): one-time codes by age, finished task results.
    ("accounts", "0013_otpchallenge_created_idx"),
    ("housekeeping", "0001_task_results_finished_idx"),
    # Captchas by expiry, once the answer stopped sweeping them (issue 16, decision 276).
    ("housekeeping", "0002_captcha_expiration_idx"),
]
BEFORE_0006 = "0005_sms_delivery"
USER_TABLE = "accounts_user"

#: Accounts in the table while 0006 runs both ways: enough for index builds of a few tenths
#: of a second, during which the old, transactional migration kept the probe waiting.
ROWS = 300_000
#: The probe gives up on any lock after this; a statement that needs none never waits for one.
PROBE_LOCK_TIMEOUT = "50ms"


def status_indexes() -> set[str]:
    """Indexes on ``accounts_user.status`` alone (the ``_like`` one of PostgreSQL included)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, USER_TABLE)
    return {
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and info["columns"] == ["status"]
    }


# --- anywhere -------------------------------------------------------------------------------
@pytest.mark.parametrize(("app_label", "name"), ONLINE_MIGRATIONS)
def test_index_migration_runs_outside_a_transaction(app_label, name):
    migration = import_module(f"{app_label}.migrations.{name}").Migration
    assert migration.atomic is False


@pytest.mark.usefixtures("restore_latest")
def test_unapplying_0006_restores_the_status_indexes_that_0001_made():
    assert status_indexes() == set()

    migrate("accounts", BEFORE_0006)
    restored = status_indexes()
    migrate("accounts", "zero")
    migrate("accounts", BEFORE_0006)
    made_by_0001 = status_indexes()
    migrate("accounts", "0006_lookup_indexes")

    assert restored == made_by_0001
    assert len(made_by_0001) == (2 if connection.vendor == "postgresql" else 1)
    assert status_indexes() == set()


def pattern_indexes() -> set[str]:
    """``varchar_pattern_ops`` indexes on accounts_user (PostgreSQL's LIKE-only kind)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [USER_TABLE, "%varchar_pattern_ops%"],
        )
        return {row[0] for row in cursor.fetchall()}


@needs_postgresql
@pytest.mark.usefixtures("restore_latest")  # going back to 0007 also unapplies what depends on it
def test_accounts_carry_no_like_only_index_and_unapplying_0008_brings_them_back():
    """Nothing searches accounts by prefix: 0008 dropped the LIKE-only indexes 0001 made on
    the ID number and the mobile; going back before it rebuilds exactly those."""
    assert pattern_indexes() == set()

    migrate("accounts", "0007_sms_delivery_claims")
    restored = pattern_indexes()
    migrate("accounts", "0008_drop_pattern_indexes")

    assert restored == {
        "accounts_user_national_id_c2c53aca_like",
        "accounts_user_mobile_68a76a25_like",
    }
    assert pattern_indexes() == set()


# --- PostgreSQL: the SQL ----------------------------------------------------------------------
def statements(app_label: str, name: str, *, backwards: bool) -> list[str]:
    output = StringIO()
    call_command("sqlmigrate", app_label, name, backwards=backwards, stdout=output)
    return [line for line in output.getvalue().splitlines() if line and not line.startswith("--")]


@pytest.mark.parametrize("backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize(("app_label", "name"), ONLINE_MIGRATIONS)
@pytest.mark.postgres
@needs_postgresql
def test_every_index_statement_is_concurrent_and_under_a_lock_timeout(app_label, name, backwards):
    sql = statements(app_label, name, backwards=backwards)
    index_statements = [s for s in sql if re.match(r"(CREATE|DROP) INDEX", s)]

    assert index_statements, sql
    assert [s for s in index_statements if " INDEX CONCURRENTLY " not in s] == []
    assert "BEGIN;" not in sql
    timeout = None
    for statement in sql:
        if statement.startswith("SET lock_timeout"):
            timeout = statement
        elif statement == "RESET lock_timeout;":
            timeout = None
        elif statement in index_statements:
            assert timeout == f"SET lock_timeout = '{migration_ops.LOCK_TIMEOUT}';", sql
    assert timeout is None, "lock_timeout left set"


# --- PostgreSQL: for real ---------------------------------------------------------------------
@pytest.fixture
def many_accounts() -> int:
    """``ROWS`` accounts written by the database itself (seconds, not minutes); one's id."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (
                password, is_superuser, national_id, id_kind, username, mobile, email,
                preferred_language, status, is_staff, created_at, updated_at, status_changed_at
            )
            SELECT '!', false, '1' || lpad(n::text, 9, '0'), 'citizen', 'bulk' || n,
                   '+9665' || lpad(n::text, 8, '0'), 'bulk' || n || '@example.sa', 'ar',
                   (ARRAY['pending', 'active', 'active', 'expired'])[1 + n %% 4], false,
                   now() - n * interval '1 minute', now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [ROWS],
        )
        cursor.execute("ANALYZE accounts_user")
        cursor.execute("SELECT id FROM accounts_user WHERE username = %s", [f"bulk{ROWS // 2}"])
        return cursor.fetchone()[0]


class Probe(threading.Thread):
    """The app meanwhile: read and update one account, again and again, on its own connection.

    Each statement may wait for a lock at most ``PROBE_LOCK_TIMEOUT``; one that waited longer
    fails and is kept in ``failures``.
    """

    READ = "SELECT id, status, mobile FROM accounts_user WHERE id = %s"
    WRITE = "UPDATE accounts_user SET updated_at = now() WHERE id = %s"

    def __init__(self, account_id: int) -> None:
        super().__init__(name="probe", daemon=True)
        self.account_id = account_id
        self.done = threading.Event()
        self.seconds: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{PROBE_LOCK_TIMEOUT}'")
                while not self.done.is_set():
                    for sql in (self.READ, self.WRITE):
                        started = time.perf_counter()
                        try:
                            cursor.execute(sql, [self.account_id])
                        except DatabaseError as exc:
                            self.failures.append(f"{sql}: {exc}".strip())
                        self.seconds.append(time.perf_counter() - started)
                    time.sleep(0.005)  # two cores: leave the migration most of one
        except BaseException as exc:  # reported by the test, not lost with the thread
            self.failures.append(repr(exc))
        finally:
            connection.close()

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=30)


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.usefixtures("restore_latest")
def test_accounts_0006_both_ways_never_makes_readers_or_writers_wait(many_accounts):
    probe = Probe(many_accounts)
    probe.start()
    try:
        while len(probe.seconds) < 10 and probe.is_alive():
            time.sleep(0.01)
        started = time.perf_counter()
        migrate("accounts", BEFORE_0006)
        migrate("accounts", "0006_lookup_indexes")
        migrating = time.perf_counter() - started
    finally:
        probe.stop()

    assert probe.failures == []
    assert len(probe.seconds) > 20, "the probe barely ran"
    print(  # shown with -s: the figures for the decision record
        f"{ROWS} rows: 0006 back and forth in {migrating:.2f} s; {len(probe.seconds)} probe "
        f"statements, slowest {max(probe.seconds) * 1000:.0f} ms"
    )


def invalid_indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = %s::regclass AND NOT indisvalid",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.usefixtures("restore_latest")
def test_0006_stopped_by_its_lock_timeout_during_a_dump_completes_when_run_again(monkeypatch):
    monkeypatch.setattr(migration_ops, "LOCK_TIMEOUT", "300ms")
    migrate("accounts", BEFORE_0006)
    dump = connections.create_connection(DEFAULT_DB_ALIAS)  # like pg_dump: one long snapshot
    try:
        dump.set_autocommit(False)
        with dump.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT count(*) FROM accounts_user")
        with pytest.raises(OperationalError, match="lock timeout"):
            migrate("accounts", "0006_lookup_indexes")
        assert invalid_indexes(USER_TABLE) == ["user_status_created_idx"]
    finally:
        dump.rollback()
        dump.close()

    migrate("accounts", "0006_lookup_indexes")

    assert invalid_indexes(USER_TABLE) == []
    assert status_indexes() == set()
    with connection.cursor() as cursor:
        present = connection.introspection.get_constraints(cursor, USER_TABLE)
    assert "user_status_created_idx" in present
