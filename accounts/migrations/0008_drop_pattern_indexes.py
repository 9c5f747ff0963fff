"""Drop the LIKE-only twins of the ID-number and mobile indexes (issue 8: the 1 M benchmark).

On PostgreSQL ``db_index=True`` on a text column makes two indexes: the btree every ``=``
look-up uses, and a ``varchar_pattern_ops`` copy that only serves ``LIKE 'prefix%'``. Nothing
here searches by prefix (the admin's search is exact, ``=national_id`` and ``=mobile``;
tests/test_admin.py), so the copies only cost: at a million accounts, 72 MB that every new
account and every status change writes to (a status change is never a HOT update: status is
indexed), and that push the indexes the app does read out of PostgreSQL's buffer cache.

They are dropped CONCURRENTLY by the names 0001 gave them, and unapplying builds them again
(``accounts.migration_ops``; tests/test_online_migrations.py). The model keeps ``db_index``:
the plain btree is wanted, and when Django alters such a column it drops the pattern index
with IF EXISTS, so its absence is harmless. Other databases have no such index: nothing runs.
"""

from django.db import migrations

from accounts.migration_ops import DropIndexesConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0007_sms_delivery_claims"),
    ]

    operations = [
        DropIndexesConcurrently(
            model_name="user",
            indexes={},
            postgresql_indexes={
                "accounts_user_national_id_c2c53aca_like": '"national_id" varchar_pattern_ops',
                "accounts_user_mobile_68a76a25_like": '"mobile" varchar_pattern_ops',
            },
        ),
    ]
