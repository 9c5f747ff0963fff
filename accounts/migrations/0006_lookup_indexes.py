"""Index status with the creation time (issue 6, item 7; checked by tests/test_indexes.py).

Staff list accounts by status, newest first, and the expiry sweep looks for pending accounts
created before a cutoff: one (status, created_at) index serves both. It replaces ``db_index``
on status, which on PostgreSQL also made a ``varchar_pattern_ops`` index for LIKE that
nothing here does.

The table holds every account in the Kingdom, so nothing here may lock it: the new index is
built first, CONCURRENTLY, then the two old ones are dropped CONCURRENTLY by the names 0001
gave them (``accounts.migration_ops``; tests/test_online_migrations.py). ``CONCURRENTLY``
cannot run in a transaction, hence ``atomic = False``; every step may be run again.

Not done for the ID number and mobile, although they carry such an index too: Django's
``AlterField`` turning ``db_index`` off drops every plain index on the column, including the
partial unique indexes of ``user_national_id_held_uniq`` and ``user_mobile_held_uniq``
(tests/test_migrations.py checks that every declared constraint exists).
"""

from django.db import migrations, models

from accounts.migration_ops import AddIndexConcurrently, DropIndexesConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0005_sms_delivery"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=models.Index(fields=["status", "created_at"], name="user_status_created_idx"),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                DropIndexesConcurrently(
                    model_name="user",
                    indexes={"accounts_user_status_5cdf5753": '"status"'},
                    postgresql_indexes={
                        "accounts_user_status_5cdf5753_like": '"status" varchar_pattern_ops',
                    },
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("pending", "Pending bank activation"),
                            ("active", "Active"),
                            ("superseded", "Superseded by a newer registration"),
                            ("expired", "Expired without activation"),
                            ("suspended", "Suspended"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
            ],
        ),
    ]
