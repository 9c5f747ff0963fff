"""SMS records written before sending, and a key that makes a notification at most once.

``submitting`` is the row committed before the provider is asked, ``unknown`` an attempt that
may have gone out (timeout, lost connection); ``dedupe_key`` is unique, so inserting it claims a
notification (the password-changed SMS). A unique constraint rather than ``unique=True``: no
second, LIKE-only index on PostgreSQL. The table is new in this release (0005), so adding the
constraint does not lock a large table.
"""

from django.db import migrations, models

STATUSES = [
    ("submitting", "Being handed to the provider"),
    ("unknown", "May have been sent"),
    ("not_sent", "Refused by the provider"),
    ("failed", "Failed"),
    ("queued", "Queued at the provider"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("undelivered", "Not delivered"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_lookup_indexes'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='smsdelivery',
            name='smsdelivery_status_valid',
        ),
        migrations.AddField(
            model_name='smsdelivery',
            name='dedupe_key',
            field=models.CharField(blank=True, help_text='Set for notifications sent at most once: a second attempt cannot insert it.', max_length=64, null=True, verbose_name='deduplication key'),
        ),
        migrations.AlterField(
            model_name='smsdelivery',
            name='status',
            field=models.CharField(choices=STATUSES, max_length=12, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='smsdelivery',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', [value for value, _label in STATUSES])), name='smsdelivery_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='smsdelivery',
            constraint=models.UniqueConstraint(fields=('dedupe_key',), name='smsdelivery_dedupe_key_uniq'),
        ),
    ]
