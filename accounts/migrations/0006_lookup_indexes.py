"""Index status with the creation time (issue 6, item 7; checked by tests/test_indexes.py).

Staff list accounts by status, newest first, and the expiry sweep looks for pending accounts
created before a cutoff: one (status, created_at) index serves both. It replaces ``db_index``
on status, which on PostgreSQL also made a ``varchar_pattern_ops`` index for LIKE that
nothing here does.

Not done for the ID number and mobile, although they carry such an index too: Django's
``AlterField`` turning ``db_index`` off drops every plain index on the column, including the
partial unique indexes of ``user_national_id_held_uniq`` and ``user_mobile_held_uniq``
(tests/test_migrations.py checks that every declared constraint exists).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_sms_delivery'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending bank activation'), ('active', 'Active'), ('superseded', 'Superseded by a newer registration'), ('expired', 'Expired without activation'), ('suspended', 'Suspended')], default='pending', max_length=12, verbose_name='status'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(fields=['status', 'created_at'], name='user_status_created_idx'),
        ),
    ]
