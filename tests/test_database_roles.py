"""The history cannot be wiped with the application's database credentials (issue 13, attack 6).

A deployment is set up on a fresh database as the README tells an operator to, and its
history is written through the portal's own code. Then, connected as the role the web and the
workers use (``DATABASE_URL``), every way to erase or rewrite the history is tried: TRUNCATE,
DELETE, UPDATE, disabling or dropping the append-only trigger, dropping the table. Each must
be refused by PostgreSQL itself (permission denied), and the rows must still be there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
from django.db import DatabaseError, connection, transaction

from absher_portal.database_roles import TABLE_PRIVILEGES, separate_roles
from tests.database_urls import libpq_environment

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's"),
]

#: What an attacker holding the application's credentials would run to erase the history.
WIPES = [
    "TRUNCATE accounts_accountevent CASCADE",
    "DELETE FROM accounts_accountevent",
    "UPDATE accounts_accountevent SET reason = 'rewritten'",
    "ALTER TABLE accounts_accountevent DISABLE TRIGGER accounts_event_append_only",
    "ALTER TABLE accounts_accountevent DISABLE TRIGGER USER",
    "DROP TRIGGER accounts_event_append_only ON accounts_accountevent",
    "DROP TABLE accounts_accountevent CASCADE",
    "TRUNCATE activation_activationevent CASCADE",
    "DELETE FROM activation_activationevent",
    "UPDATE activation_activationevent SET outcome = 'activated'",
]

#: Made through the portal's code, as the role DATABASE_URL names: an account, its history.
SEED = """
from accounts import lifecycle
from accounts.models import AccountStatus
from tests.factories import make_user
account = make_user("rolesone1", "1000000008", "0551234567", status=AccountStatus.PENDING)
lifecycle.account_change_status(
    account=account, to_status=AccountStatus.ACTIVE, kind=lifecycle.Kind.ACTIVATED,
    source="test", reason="roles test",
)
"""


@dataclass(frozen=True)
class Deployment:
    """A database set up as the README says, and the URLs its processes are given."""

    dbname: str
    runtime_url: str  # DATABASE_URL: the web processes and the workers
    migration_url: str  # what the release step migrates with


def server(user: str | None = None, dbname: str = "postgres"):
    """An autocommit connection to this run's PostgreSQL server, as ``user`` (default: ours)."""
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=dbname,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or None,
        user=user or db["USER"] or None,
        password=None if user else db["PASSWORD"] or None,
    )
    conn.autocommit = True
    return conn


def manage(
    *args: str, deployment: Deployment, migrations: bool = True
) -> subprocess.CompletedProcess[str]:
    """``manage.py`` in a subprocess configured as the deployment's processes are.

    ``migrations``: given the migration URL too, as the release step is; the web processes,
    the workers and cron commands get ``DATABASE_URL`` alone.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update(DATABASE_URL=deployment.runtime_url, DJANGO_SETTINGS_MODULE="absher_portal.settings")
    if migrations:
        env["DATABASE_MIGRATION_URL"] = deployment.migration_url
    return subprocess.run(  # noqa: S603 - a fixed argv built here
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def role_url(user: str, dbname: str) -> str:
    """A ``DATABASE_URL`` for ``dbname`` on this run's server, as ``user`` (trust or peer)."""
    db = connection.settings_dict
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}{port}/{dbname}"


def may_create_roles() -> bool:
    with closing(server()) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) FROM pg_roles "
            "WHERE rolname = current_user"
        )
        return bool(cursor.fetchone()[0])


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """Two roles and their database made by ``create_db_roles``'s script, then ``make migrate``."""
    if not may_create_roles():
        pytest.skip("this run's database role may not create roles and databases")
    if not shutil.which("psql"):
        pytest.skip("psql is not on PATH (apt-get install postgresql-client)")
    tag = uuid.uuid4().hex[:10]
    owner, runtime, dbname = f"absher_t{tag}_owner", f"absher_t{tag}_app", f"absher_t{tag}_roles"
    made = Deployment(
        dbname=dbname, runtime_url=role_url(runtime, dbname), migration_url=role_url(owner, dbname)
    )
    try:
        script = manage(
            "create_db_roles",
            f"--owner={owner}",
            f"--runtime={runtime}",
            f"--database={dbname}",
            deployment=made,
        )
        assert script.returncode == 0, script.stderr
        created = subprocess.run(
            ["psql", "-X", "-q", "-d", "postgres"],  # noqa: S607 - psql from PATH, checked above
            input=script.stdout,
            env={**os.environ, **libpq_environment()},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, created.stderr
        migrated = manage("migrate_locked", "-v", "0", deployment=made)
        assert migrated.returncode == 0, migrated.stderr
        seeded = manage("shell", "-c", SEED, deployment=made, migrations=False)
        assert seeded.returncode == 0, seeded.stderr
        yield made
    finally:
        with closing(server()) as admin, admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{runtime}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{owner}"')


def runtime_role(deployment: Deployment):
    """A connection as DATABASE_URL's role: what SQL injection or a leaked env would give."""
    user = deployment.runtime_url.split("://", 1)[1].split("@", 1)[0]
    return server(user, deployment.dbname)


def history_rows(deployment: Deployment) -> tuple[int, int]:
    with closing(server(dbname=deployment.dbname)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_accountevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM accounts_accountevent WHERE reason = 'rewritten'")
        return events, cursor.fetchone()[0]


@pytest.mark.parametrize("statement", WIPES)
def test_the_application_role_cannot_wipe_history(deployment, statement):
    assert history_rows(deployment)[0] >= 1, "the seed wrote no history"
    conn = runtime_role(deployment)
    conn.autocommit = False  # rolled back below, whatever happens: each attempt starts equal
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute(statement)
    finally:
        conn.rollback()
        conn.close()


def test_disabling_the_trigger_then_deleting_leaves_the_history(deployment):
    before = history_rows(deployment)
    conn = runtime_role(deployment)
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute("ALTER TABLE accounts_accountevent DISABLE TRIGGER USER")
            cursor.execute("DELETE FROM accounts_accountevent")
    finally:
        conn.close()
    assert history_rows(deployment) == before


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE accounts_shadow (id int)",
        "DELETE FROM django_migrations",
        "DROP SCHEMA public",
    ],
)
def test_the_application_role_cannot_change_the_schema(deployment, statement):
    conn = runtime_role(deployment)
    conn.autocommit = False
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cursor.execute(statement)
    finally:
        conn.rollback()
        conn.close()


def test_every_table_has_a_privilege_rule(deployment):
    with closing(server(dbname=deployment.dbname)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s",
            [deployment.runtime_url.split("://", 1)[1].split("@", 1)[0]],
        )
        owned_by_runtime = cursor.fetchone()[0]
    assert tables == set(TABLE_PRIVILEGES)
    assert owned_by_runtime == 0


def test_the_runtime_role_runs_the_workers_wait_and_the_cron_commands(deployment):
    for command in (
        ("migrate", "--check"),  # make worker's wait
        ("migrate_locked", "--wait", "-v", "0"),  # make serve given DATABASE_URL alone
        ("expire_pending_accounts",),
        ("send_missed_notices",),
    ):
        result = manage(*command, deployment=deployment, migrations=False)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"


def test_the_runtime_role_alone_never_migrates(deployment):
    result = manage("migrate_locked", "--language", "en", deployment=deployment, migrations=False)
    assert result.returncode == 1
    assert "DATABASE_MIGRATION_URL" in result.stderr


def test_the_release_step_runs_again_and_grants_again(deployment):
    result = manage("migrate_locked", "--language", "en", deployment=deployment)
    assert result.returncode == 0, result.stderr
    assert "Privileges of the runtime role" in result.stdout
    assert result.stderr == ""


@pytest.mark.django_db
@pytest.mark.skipif(
    not separate_roles(), reason="this run has one database role (no DATABASE_MIGRATION_URL)"
)
def test_this_run_connects_as_the_runtime_role():
    """In the runtime-role run (.ci/run), every test of it runs with the web's privileges."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == connection.settings_dict["USER"]
        for statement in WIPES[:4]:
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute(statement)


def test_housekeeping_deletes_sms_records_as_the_owner_and_says_so_without_it(deployment):
    """SMS delivery records are history to the runtime role (no DELETE): housekeeping deletes
    them as the owner (decision 295), and given ``DATABASE_URL`` alone says what it needs."""
    with closing(server(dbname=deployment.dbname)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sms_smsdelivery (recipient, purpose, backend, status, error_reason, "
            "created_at, updated_at) VALUES ('+966500000009', 'login', 'locmem', 'sent', '', "
            "now() - interval '400 days', now())"
        )

    alone = manage("housekeeping", "--language", "en", deployment=deployment, migrations=False)
    with_owner = manage("housekeeping", "--language", "en", deployment=deployment)

    assert alone.returncode == 1
    assert "give this command DATABASE_MIGRATION_URL" in alone.stderr
    assert "Traceback" not in alone.stderr
    assert with_owner.returncode == 0, with_owner.stderr
    assert "SMS delivery records: 1 row deleted (batches: 1)." in with_owner.stdout
