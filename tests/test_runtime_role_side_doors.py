"""Side doors to the history for the runtime database role, tried by an attack review of
issue 13 item 7: each must fail, and what production needs must still work.

Run on PostgreSQL; uses the deployment of ``tests/test_database_roles.py`` (two roles made by
``create_db_roles``'s script, then ``migrate_locked``).
"""

from __future__ import annotations

from contextlib import closing

import psycopg2
import pytest

from tests.test_database_roles import (  # noqa: F401 - the fixture
    deployment,
    history_rows,
    manage,
    pytestmark,
    runtime_role,
    server,
)

#: Ways around the history rules other than the ones tests/test_database_roles.py tries.
SIDE_DOORS = [
    "TRUNCATE django_admin_log",
    "DELETE FROM django_admin_log",
    "UPDATE django_admin_log SET change_message = 'rewritten'",
    "DELETE FROM sms_smsdelivery",
    "DELETE FROM accounts_notice",
    "DELETE FROM accounts_user",
    "TRUNCATE accounts_user CASCADE",
    "INSERT INTO django_migrations (app, name, applied) VALUES ('accounts', '9999_x', now())",
    "UPDATE django_migrations SET name = name",
    "SELECT setval(pg_get_serial_sequence('accounts_accountevent', 'id'), 1)",
    "ALTER SEQUENCE accounts_accountevent_id_seq RESTART WITH 1",
    "CREATE TEMP TABLE shadow (id int)",
    "CREATE SCHEMA shadow",
    "CREATE FUNCTION public.shadow() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE INDEX shadow_idx ON accounts_accountevent (id)",
    "COMMENT ON TABLE accounts_accountevent IS 'x'",
    "LOCK TABLE accounts_accountevent IN ACCESS EXCLUSIVE MODE",
    "SET session_replication_role = replica",
    "ALTER TABLE accounts_user DISABLE TRIGGER ALL",
    "ALTER FUNCTION accounts_event_append_only() SECURITY DEFINER",
    "CREATE OR REPLACE FUNCTION accounts_event_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'",
    "COPY accounts_accountevent TO '/tmp/attack13-events.csv'",
    "COPY accounts_accountevent FROM PROGRAM 'true'",
    "SELECT lo_import('/etc/hostname')",
    "SELECT pg_read_file('/etc/hostname')",
]


@pytest.mark.parametrize("statement", SIDE_DOORS)
def test_the_runtime_role_has_no_side_door_to_the_history(deployment, statement):  # noqa: F811
    before = history_rows(deployment)
    conn = runtime_role(deployment)
    conn.autocommit = False
    try:
        with conn.cursor() as cursor, pytest.raises(psycopg2.Error):
            cursor.execute(statement)
    finally:
        conn.rollback()
        conn.close()
    assert history_rows(deployment) == before


def test_no_security_definer_function_runs_with_the_owners_rights(deployment):  # noqa: F811
    """A SECURITY DEFINER function of the owner, callable by everyone, would be a way round."""
    with closing(server(dbname=deployment.dbname)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        )
        assert cursor.fetchall() == []


@pytest.mark.parametrize(
    "command",
    [("clearsessions",), ("captcha_clean",), ("check", "--database", "default")],
)
def test_the_runtime_role_runs_the_housekeeping_production_needs(deployment, command):  # noqa: F811
    result = manage(*command, deployment=deployment, migrations=False)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
