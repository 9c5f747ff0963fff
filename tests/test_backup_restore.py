"""A ``pg_dump`` of the database restores into an empty one that the portal accepts (issue 6).

The procedure of docs/operations-backup.md, on this run's test database: accounts and their
history are made through the services, the database is dumped in the custom format and
restored into a new, empty database; every table of the portal must hold the same rows,
``migrate --check`` must find nothing to apply, and the append-only trigger must still refuse
to change history.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from accounts import lifecycle
from accounts.models import AccountStatus
from activation.models import Bank, BankKey
from tests.database_urls import database_url, libpq_environment
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE, RESIDENT_ID

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("pg_dump", "pg_restore")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="pg_dump backs up PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in TOOLS),
        reason="pg_dump and pg_restore are not on PATH (apt-get install postgresql-client)",
    ),
]


def run(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - fixed commands, arguments of our own
        command,
        cwd=ROOT,
        env={**os.environ, **libpq_environment(), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result


def server_connection(dbname: str):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=dbname,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )
    conn.autocommit = True
    return conn


def portal_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND ("
        "tablename LIKE 'accounts\\_%%' OR tablename LIKE 'activation\\_%%' "
        "OR tablename LIKE 'auth\\_%%' OR tablename = 'django_migrations') ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def contents(cursor) -> dict[str, tuple[int, str]]:
    """Each portal table's row count and a digest of all its rows."""
    digests = {}
    for table in portal_tables(cursor):
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608 - names from pg_tables
            f'FROM "{table}" t'
        )
        digests[table] = cursor.fetchone()
    return digests


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A new, empty database on the same server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = server_connection("postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def test_a_dump_restores_into_an_empty_database_with_every_row(tmp_path, empty_database):
    pending = make_user("pendingone1", CITIZEN_ID, MOBILE, status=AccountStatus.PENDING)
    make_user("activetwo2", RESIDENT_ID, "0551234568")
    lifecycle.account_change_status(
        account=pending,
        to_status=AccountStatus.ACTIVE,
        kind=lifecycle.Kind.APPROVED,
        source="staff",
        reason="restore drill",
    )
    bank = Bank.objects.create(code="drillbank", name_en="Drill Bank", name_ar="بنك التمرين")
    BankKey.objects.create(bank=bank, key_id="drillbank-2026", public_key_pem="(public key)")
    source_name = connection.settings_dict["NAME"]
    dump = tmp_path / "portal.dump"

    run("pg_dump", "--format=custom", f"--file={dump}", source_name)
    run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={empty_database}", str(dump))

    with connection.cursor() as cursor:
        before = contents(cursor)
    restored = server_connection(empty_database)
    try:
        with restored.cursor() as cursor:
            assert contents(cursor) == before
            assert before["accounts_user"][0] == 2
            with pytest.raises(psycopg2.Error, match="append-only"):
                cursor.execute("UPDATE accounts_accountevent SET reason = 'rewritten'")
    finally:
        restored.close()
    check = run(
        sys.executable,
        "manage.py",
        "migrate",
        "--check",
        DATABASE_URL=database_url(empty_database),
        DJANGO_DEBUG="1",
    )
    assert check.returncode == 0
