"""Make account events append-only in the database too (PostgreSQL).

The model refuses ``save()`` of an existing row and ``delete()``; this trigger also stops
bulk ``QuerySet.update()``/``delete()`` and raw SQL. SQLite (development) relies on the model.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_accountevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_event_append_only
    BEFORE UPDATE OR DELETE ON accounts_accountevent
    FOR EACH ROW EXECUTE FUNCTION accounts_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS accounts_event_append_only ON accounts_accountevent;
DROP FUNCTION IF EXISTS accounts_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
