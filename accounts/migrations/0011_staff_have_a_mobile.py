"""Staff accounts must have a mobile: they sign in with the SMS code like everyone (issue 13).

Before the constraint, any staff account without a mobile stops the migration with a message
naming it (give it a mobile, or take its staff status away, then migrate again): deciding for
staff is not a migration's place. On PostgreSQL the constraint is added ``NOT VALID`` (no scan
under the table's exclusive lock) and then validated, which lets reads and writes through.
"""

from django.db import migrations, models

CONSTRAINT = models.CheckConstraint(
    condition=models.Q(is_staff=False) | ~models.Q(mobile=""),
    name="user_staff_has_mobile",
    violation_error_code="staff_without_mobile",
    violation_error_message=(
        "A staff account needs a mobile number: staff sign in with a code sent to it by SMS."
    ),
)


def refuse_staff_without_mobile(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    names = list(
        User.objects.using(schema_editor.connection.alias)
        .filter(is_staff=True, mobile="")
        .values_list("username", flat=True)[:20]
    )
    if names:
        raise RuntimeError(
            "Staff accounts without a mobile number: "
            + ", ".join(names)
            + ". Give each a mobile, or remove its staff status, then migrate again."
        )


class AddConstraintNotValid(migrations.AddConstraint):
    """``AddConstraint``; on PostgreSQL added ``NOT VALID``, then validated without the lock."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
        table = schema_editor.quote_name(model._meta.db_table)
        name = schema_editor.quote_name(self.constraint.name)
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_notice"),
    ]

    operations = [
        migrations.RunPython(refuse_staff_without_mobile, migrations.RunPython.noop),
        AddConstraintNotValid(model_name="user", constraint=CONSTRAINT),
    ]
