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


def add_constraint(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_constraint(User, CONSTRAINT)
        return
    schema_editor.execute(f"{CONSTRAINT.create_sql(User, schema_editor)} NOT VALID")
    table = schema_editor.quote_name(User._meta.db_table)
    name = schema_editor.quote_name(CONSTRAINT.name)
    schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


def remove_constraint(apps, schema_editor):
    schema_editor.remove_constraint(apps.get_model("accounts", "User"), CONSTRAINT)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_notice"),
    ]

    operations = [
        migrations.RunPython(refuse_staff_without_mobile, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_constraint, remove_constraint)],
            state_operations=[migrations.AddConstraint(model_name="user", constraint=CONSTRAINT)],
        ),
    ]
