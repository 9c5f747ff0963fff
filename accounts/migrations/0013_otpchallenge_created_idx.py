"""Index one-time codes by creation time, for housekeeping's sweep (issue 17, decision 294).

The nightly run deletes challenges older than ``OTP_RETENTION_DAYS`` a thousand ids at a
time; each batch finds its ids through this index instead of reading the table. Built
CONCURRENTLY (``accounts.migration_ops``), so registrations and sign-ins go on meanwhile;
``CONCURRENTLY`` cannot run in a transaction, hence ``atomic = False``.
"""

from django.db import migrations, models

from accounts.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0012_ways_to_sign_in"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="otpchallenge",
            index=models.Index(fields=["created_at"], name="otpchallenge_created_idx"),
        ),
    ]
