"""Two PostgreSQL roles: the schema's owner migrates, the runtime role only reads and writes rows.

The web processes and task workers connect as ``DATABASE_URL``'s role. Whoever holds those
credentials (a leaked environment, SQL injection anywhere) must not be able to erase the
history: no TRUNCATE, no DELETE or UPDATE of history rows, and no ownership of any table, so
no ALTER TABLE (a disabled append-only trigger) and no DROP. The schema belongs to
``DATABASE_MIGRATION_URL``'s role, which runs the migrations (``manage.py migrate_locked``) and
then grants the runtime role exactly what :data:`TABLE_PRIVILEGES` lists, table by table, on
every run (docs/design.md §17, decision 131). With one URL (SQLite, single-role set-ups) nothing
here changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

#: What names a connection: switching these switches the role (and nothing else).
CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")

_ROWS = ("SELECT", "INSERT", "UPDATE", "DELETE")
_HISTORY = ("SELECT", "INSERT")
_RECORDS = ("SELECT", "INSERT", "UPDATE")
_READ = ("SELECT",)

#: The runtime role's privileges on every table of the schema. A table missing here gets
#: SELECT only (and the test of this list fails): a new table's writers are decided, not assumed.
TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    # History: written once, never changed or removed (design.md §7, §8, §9).
    "accounts_accountevent": _HISTORY,
    "activation_activationevent": _HISTORY,
    "django_admin_log": _HISTORY,
    # Records that move forward (a delivery's status, a notice's claim), never removed (§15);
    # housekeeping deletes old SMS records as the owner (design.md §20, decision 295).
    "sms_smsdelivery": _RECORDS,
    "accounts_notice": _RECORDS,
    # Closed through their status, never deleted: accounts, banks and their keys (§7, §8).
    "accounts_user": _RECORDS,
    "activation_bank": _RECORDS,
    "activation_bankkey": _RECORDS,
    # A passkey user handle is made once per account and never changed (passkeys/models.py).
    "passkeys_userhandle": _HISTORY,
    # Written by migrations only (the owner); read by everything.
    "django_migrations": _READ,
    "django_content_type": _READ,
    "auth_permission": _READ,
    # Rows the portal creates, changes and removes.
    "accounts_otpchallenge": _ROWS,
    "accounts_user_groups": _ROWS,
    "accounts_user_user_permissions": _ROWS,
    "activation_activationchannel": _ROWS,
    "authenticator_authenticatorapp": _ROWS,
    "authenticator_recoverycode": _ROWS,
    "auth_group": _ROWS,
    "auth_group_permissions": _ROWS,
    "captcha_captchastore": _ROWS,
    "django_session": _ROWS,
    # The index of signed-in sessions, removed with them (design.md §19).
    "security_signedinsession": _ROWS,
    "django_tasks_database_dbtaskresult": _ROWS,
    "passkeys_passkey": _ROWS,
}

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def separate_roles() -> bool:
    """True when migrations run as another role than the web (PostgreSQL, two URLs)."""
    runtime, migration = settings.DATABASES[DEFAULT_DB_ALIAS], settings.MIGRATION_DATABASE
    return any(runtime.get(key) != migration.get(key) for key in ("USER", "PASSWORD", "HOST"))


@contextmanager
def connected_as(
    target: Mapping[str, Any], *, alias: str = DEFAULT_DB_ALIAS
) -> Iterator[BaseDatabaseWrapper]:
    """Let ``alias`` connect with ``target``'s credentials until the block ends.

    The connection is closed on the way in and out, so every query in the block, Django's own
    (``migrate``, ``post_migrate`` handlers, data migrations) included, runs as that role.
    """
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in CONNECTION_KEYS}
    if all(target.get(key) == saved[key] for key in CONNECTION_KEYS):
        yield connection
        return
    connection.close()
    connection.settings_dict.update({key: target.get(key) for key in CONNECTION_KEYS})
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def migration_owner() -> AbstractContextManager[BaseDatabaseWrapper]:
    """The default connection as ``DATABASE_MIGRATION_URL``'s role, for the block.

    With one role nothing is switched, whatever the two URLs' database names say (a test run
    renames only ``DATABASES``' to its ``test_…`` database).
    """
    if not separate_roles() and not _migrations_elsewhere():
        return nullcontext(connections[DEFAULT_DB_ALIAS])
    return connected_as(settings.MIGRATION_DATABASE)


def _migrations_elsewhere() -> bool:
    """The same role at another port: the web through PgBouncer, migrations (a session
    advisory lock, ``SET lock_timeout``) straight to PostgreSQL (design.md §16)."""
    runtime, migration = settings.DATABASES[DEFAULT_DB_ALIAS], settings.MIGRATION_DATABASE
    return str(runtime.get("PORT") or "") != str(migration.get("PORT") or "")


def may_migrate(connection: BaseDatabaseWrapper) -> bool:
    """Whether the connected role may change the schema: it owns it, or it is still empty.

    The runtime role owns nothing and may not create tables, so ``make serve`` given only
    ``DATABASE_URL`` waits for the release step instead of trying (and failing) to migrate.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN to_regclass('django_migrations') IS NULL "
            "THEN has_schema_privilege(current_schema(), 'CREATE') "
            "ELSE pg_has_role((SELECT relowner FROM pg_class "
            "WHERE oid = to_regclass('django_migrations')), 'USAGE') END"
        )
        return bool(cursor.fetchone()[0])


def runtime_role() -> str:
    """The role ``DATABASE_URL`` connects as (the one to grant)."""
    return settings.DATABASES[DEFAULT_DB_ALIAS].get("USER") or ""


def grant_runtime_privileges(*, connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """Give ``role`` exactly :data:`TABLE_PRIVILEGES` on every table, as the schema's owner.

    Revoke-then-grant per table in one transaction, on every run: a table a migration added
    is covered, a privilege taken off the list is taken back, and no default privilege can
    hand a new history table DELETE. Returns the tables the list does not name (SELECT only).
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
    unlisted = sorted(table for table in tables if table not in TABLE_PRIVILEGES)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)}")
        for table in tables:
            privileges = ", ".join(TABLE_PRIVILEGES.get(table, _READ))
            cursor.execute(f"REVOKE ALL ON TABLE {quote(table)} FROM {quote(role)}")
            cursor.execute(f"GRANT {privileges} ON TABLE {quote(table)} TO {quote(role)}")
        cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {quote(role)}")
    return unlisted


def role_is_powerful(*, connection: BaseDatabaseWrapper, role: str) -> bool:
    """Whether ``role`` is a superuser (or bypasses row security): grants cannot bind it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
    return bool(row and row[0])


def valid_role_name(name: str) -> bool:
    """Plain lower-case identifiers only, so the script below needs no quoting rules."""
    return bool(_ROLE_NAME.match(name))


#: Run by psql as a superuser; the names arrive as psql variables, quoted by psql itself
#: (``:'name'`` a literal, ``:"name"`` an identifier).
ROLE_SETUP_SQL = """\\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner')\\gexec
SELECT format('CREATE ROLE %I LOGIN', :'runtime')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime')\\gexec
ALTER ROLE :"runtime" NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
SELECT format('ALTER ROLE %I CREATEDB', :'owner') WHERE :'owner_createdb' = 'yes'\\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')\\gexec
ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"runtime";
\\connect :"database"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"runtime";
"""


def role_setup_script(*, owner: str, runtime: str, database: str, owner_createdb: bool) -> str:
    """A psql script (run by a superuser) creating both roles and the database; idempotent.

    The owner owns the database and its ``public`` schema and is the only role that may create
    in it; the runtime role may connect and use the schema, nothing more until ``migrate_locked``
    grants it its tables. ``owner_createdb`` lets the owner create test databases (CI only).
    """
    if not all(valid_role_name(name) for name in (owner, runtime, database)):
        raise ValueError("role and database names must be plain lower-case identifiers")
    variables = {
        "owner": owner,
        "runtime": runtime,
        "database": database,
        "owner_createdb": "yes" if owner_createdb else "no",
    }
    header = "".join(f"\\set {name} {value}\n" for name, value in variables.items())
    return header + ROLE_SETUP_SQL
