"""Migrations are complete and reversible (issue 6, item 7).

Each app is migrated back to zero and forward again on the test database (PostgreSQL or
SQLite); the schema afterwards (tables, columns, indexes, constraints, and on PostgreSQL the
append-only trigger) must be what it was. The data migrations must undo what they did. The
database is always migrated forward again at the end, so the tests after these still find it
complete.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migration_helpers import migrate

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

APPS = ("sms", "accounts", "activation", "authenticator", "passkeys", "security")
REVIEWER_GROUP = "reviewer"


def schema() -> dict[str, object]:
    """Every table with its columns and constraints (indexes included), and the triggers."""
    with connection.cursor() as cursor:
        tables = sorted(
            t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t"
        )
        described: dict[str, object] = {}
        for table in tables:
            columns = [
                (c.name, c.type_code, c.null_ok)
                for c in connection.introspection.get_table_description(cursor, table)
            ]
            constraints = {
                name: (
                    tuple(info["columns"] or ()),
                    info["unique"],
                    info["index"],
                    info["check"],
                    info["foreign_key"],
                )
                for name, info in connection.introspection.get_constraints(cursor, table).items()
            }
            described[table] = (columns, constraints)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
            )
            described["triggers"] = sorted(cursor.fetchall())
    return described


def app_tables(app_label: str) -> set[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return {name for name in names if name.startswith(f"{app_label}_")}


def test_no_model_change_lacks_a_migration():
    output = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=output, stderr=output)
    except SystemExit:
        pytest.fail(f"makemigrations found changes without a migration:\n{output.getvalue()}")


def test_the_database_is_at_the_latest_migration():
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert plan == []


def test_every_declared_index_and_constraint_exists_in_the_database():
    """The models' ``Meta.indexes`` and ``Meta.constraints`` are all really there.

    A migration can drop more than its state says: ``AlterField`` turning ``db_index`` off
    drops every plain index on the column, a partial unique constraint's index included.
    """
    missing = []
    with connection.cursor() as cursor:
        for app_label in APPS:
            for model in apps.get_app_config(app_label).get_models():
                table = model._meta.db_table
                present = connection.introspection.get_constraints(cursor, table)
                declared = [*model._meta.indexes, *model._meta.constraints]
                missing += [f"{table}.{d.name}" for d in declared if d.name not in present]
    assert missing == []


@pytest.mark.parametrize("app_label", APPS)
def test_an_app_migrates_to_zero_and_back_to_the_same_schema(app_label, restore_latest):
    before = schema()
    assert app_tables(app_label)

    migrate(app_label, "zero")

    assert app_tables(app_label) == set()
    if connection.vendor == "postgresql":
        assert not [t for t in schema()["triggers"] if t[0].startswith(app_label)]
    migrate()
    assert schema() == before


def seeded_banks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM activation_bank")
        banks = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM activation_activationchannel")
        return banks + cursor.fetchone()[0]


def test_data_migrations_are_undone_and_redone(restore_latest):
    migrate("activation", "0001")  # earlier tests may have flushed the seed rows: start bare
    migrate()
    assert seeded_banks() > 0
    assert Group.objects.get(name=REVIEWER_GROUP).permissions.exists()

    migrate("activation", "0001")

    assert seeded_banks() == 0
    assert not Group.objects.filter(name=REVIEWER_GROUP).exists()
