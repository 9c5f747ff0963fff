"""Migration operations that change indexes without locking the app out of a table.

A plain ``CREATE INDEX`` holds a lock that stops every write for the whole build, and
``DROP INDEX`` one that stops reads too, held until the migration's transaction commits: on
a table of millions of accounts, seconds of outage, and more while the ``DROP`` queues behind
a long transaction (a ``pg_dump``). On PostgreSQL these operations use ``CREATE``/``DROP INDEX
CONCURRENTLY``, which lets reads and writes through; that cannot run in a transaction, so a
migration using them sets ``atomic = False``. Elsewhere (SQLite, in development and tests)
they are the plain statements.

Each runs under ``SET lock_timeout``: a statement that would wait longer than ``LOCK_TIMEOUT``
for a lock, or for older transactions to finish, fails instead, and the migration is run again
later. Running again is safe: an interrupted ``CONCURRENTLY`` build leaves an invalid index
of its name behind, so every create first drops whatever has that name.

Apps may import this module in their migrations (activation does); it imports no model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.postgres import operations as postgres
from django.db import NotSupportedError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.state import ProjectState

#: How long one statement may wait for a lock before the migration gives up (and is rerun).
LOCK_TIMEOUT = "5s"


@contextmanager
def concurrently(schema_editor: BaseDatabaseSchemaEditor) -> Iterator[str]:
    """Yield the ``CONCURRENTLY`` keyword for this database, inside a ``lock_timeout``.

    On PostgreSQL: refuse to run in a transaction (``CONCURRENTLY`` would fail there), set the
    timeout, and reset it even when the statements fail. Elsewhere: yield nothing.
    """
    if schema_editor.connection.vendor != "postgresql":
        yield ""
        return
    if schema_editor.connection.in_atomic_block:
        raise NotSupportedError(
            "CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction: "
            "set atomic = False on the migration."
        )
    schema_editor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        yield "CONCURRENTLY "
    finally:
        schema_editor.execute("RESET lock_timeout")


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    """``AddIndex`` that builds with ``CREATE INDEX CONCURRENTLY`` on PostgreSQL.

    Django's own operation refuses other databases; this one is a plain ``AddIndex`` there.
    """

    def database_forwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            with concurrently(schema_editor):
                # A leftover of an interrupted build (invalid, but in the way).
                schema_editor.remove_index(model, self.index, concurrently=True)
                schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            with concurrently(schema_editor):
                schema_editor.remove_index(model, self.index, concurrently=True)


class RemoveIndexConcurrently(postgres.RemoveIndexConcurrently):
    """``RemoveIndex`` that drops with ``DROP INDEX CONCURRENTLY`` on PostgreSQL; backwards it
    builds the index again the same way. A plain ``RemoveIndex`` elsewhere."""

    def database_forwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            with concurrently(schema_editor):
                schema_editor.remove_index(model, index, concurrently=True)

    def database_backwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            with concurrently(schema_editor):
                schema_editor.remove_index(model, index, concurrently=True)  # a leftover
                schema_editor.add_index(model, index, concurrently=True)


class DropIndexesConcurrently(Operation):
    """Drop indexes that have no ``Index`` in the model state, by name; recreate them backwards.

    ``db_index=True`` makes such indexes: one btree, ``<table>_<column>_<hash>``, and on
    PostgreSQL for a text column a second, ``…_like``, with ``varchar_pattern_ops``. Put this
    in the database part of a ``SeparateDatabaseAndState`` whose state part is the
    ``AlterField`` turning ``db_index`` off: that ``AlterField`` alone would drop them with a
    lock on the table (and on SQLite copy the whole table). The names are written out, as
    ``sqlmigrate`` of the migration that made them prints them: a migration must not change
    when the code does.

    ``indexes`` maps each name to its column list in SQL; ``postgresql_indexes`` are the ones
    only PostgreSQL has.
    """

    reversible = True
    category = OperationCategory.REMOVAL

    def __init__(
        self,
        model_name: str,
        indexes: dict[str, str],
        postgresql_indexes: dict[str, str] | None = None,
    ) -> None:
        self.model_name = model_name
        self.indexes = indexes
        self.postgresql_indexes = postgresql_indexes or {}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: these indexes are not in the state (the ``AlterField`` beside says why)."""

    def _present(self, schema_editor) -> dict[str, str]:
        if schema_editor.connection.vendor == "postgresql":
            return {**self.indexes, **self.postgresql_indexes}
        return self.indexes

    def database_forwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        quote = schema_editor.quote_name
        with concurrently(schema_editor) as keyword:
            for name in self._present(schema_editor):
                schema_editor.execute(f"DROP INDEX {keyword}IF EXISTS {quote(name)}")

    def database_backwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        quote = schema_editor.quote_name
        table = quote(model._meta.db_table)
        with concurrently(schema_editor) as keyword:
            for name, columns in self._present(schema_editor).items():
                schema_editor.execute(f"DROP INDEX {keyword}IF EXISTS {quote(name)}")
                schema_editor.execute(f"CREATE INDEX {keyword}{quote(name)} ON {table} ({columns})")

    def describe(self) -> str:
        names = ", ".join([*self.indexes, *self.postgresql_indexes])
        return f"Drop indexes {names} of {self.model_name}, concurrently on PostgreSQL"


class AddTableIndexConcurrently(Operation):
    """Build an index on a table by name, concurrently on PostgreSQL; drop it backwards.

    For a table whose model is another app's (a library's): an ``AddIndex`` can only change
    the state of its own app's models, and the library's migrations own that state. The index
    stays out of every model state, so ``makemigrations`` never sees it (as with
    :class:`DropIndexesConcurrently`). ``columns`` and ``condition`` are SQL, written out.
    """

    reversible = True
    category = OperationCategory.ADDITION

    def __init__(self, table: str, name: str, columns: str, condition: str = "") -> None:
        self.table = table
        self.name = name
        self.columns = columns
        self.condition = condition

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the index is in no model's state (see the class)."""

    def database_forwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        quote = schema_editor.quote_name
        where = f" WHERE {self.condition}" if self.condition else ""
        with concurrently(schema_editor) as keyword:
            # A leftover of an interrupted build (invalid, but in the way).
            schema_editor.execute(f"DROP INDEX {keyword}IF EXISTS {quote(self.name)}")
            schema_editor.execute(
                f"CREATE INDEX {keyword}{quote(self.name)} ON {quote(self.table)} "
                f"({self.columns}){where}"
            )

    def database_backwards(
        self, app_label: str, schema_editor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        with concurrently(schema_editor) as keyword:
            schema_editor.execute(
                f"DROP INDEX {keyword}IF EXISTS {schema_editor.quote_name(self.name)}"
            )

    def describe(self) -> str:
        return f"Create index {self.name} on {self.table}, concurrently on PostgreSQL"
