"""Drop the activation SMS's claim columns and their sweep index: ``accounts.Notice`` holds
them now (0009 moved the values; issue 12, item 6).

The partial index is dropped CONCURRENTLY on PostgreSQL (``accounts.migration_ops``); hence
``atomic = False``. Dropping a column is a catalogue change on PostgreSQL (a brief lock, no
rewrite), but code of the release before still names these columns: this release is deployed
with every web process, worker and cron job stopped while it migrates (decision 97,
docs/operations-backup.md). Backwards, the columns come back empty (0009 fills them) and the
index is built again, concurrently.
"""

from django.db import migrations

from accounts.migration_ops import RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("activation", "0009_notices_from_sms_claims"),
    ]

    operations = [
        RemoveIndexConcurrently(model_name="activationevent", name="activation_unnotified_idx"),
        migrations.RemoveField(model_name="activationevent", name="notified_at"),
        migrations.RemoveField(model_name="activationevent", name="sms_attempts"),
        migrations.RemoveField(model_name="activationevent", name="sms_claimed_at"),
        migrations.RemoveField(model_name="activationevent", name="sms_retry_at"),
    ]
