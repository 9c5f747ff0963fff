"""The SMS delivery records move from ``accounts`` into this app, table and all.

The table was created by ``accounts`` (0005, 0007); here it is renamed ``sms_smsdelivery`` and
taken into this app's state, while ``accounts`` 0009 drops it from its own state only. No row
is copied. The content type is relabelled too, so the permission to view the records (the
reviewer group's) and the admin's history of them carry over.
"""

import django.utils.timezone
from django.db import migrations, models


def relabel(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    using = schema_editor.connection.alias
    types = ContentType.objects.using(using)
    if not types.filter(app_label=new, model="smsdelivery").exists():
        types.filter(app_label=old, model="smsdelivery").update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, old="accounts", new="sms")


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, old="sms", new="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0008_drop_pattern_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE accounts_smsdelivery RENAME TO sms_smsdelivery",
                    "ALTER TABLE sms_smsdelivery RENAME TO accounts_smsdelivery",
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name='SmsDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('recipient', models.CharField(max_length=16, verbose_name='recipient')),
                        ('purpose', models.CharField(choices=[('registration', 'Registration code'), ('login', 'Sign-in code'), ('reset', 'Password reset code'), ('activation', 'Account activated'), ('password_changed', 'Password changed')], max_length=20, verbose_name='purpose')),
                        ('backend', models.CharField(max_length=100, verbose_name='SMS backend')),
                        ('provider_message_id', models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name='provider message id')),
                        ('status', models.CharField(choices=[('submitting', 'Being handed to the provider'), ('unknown', 'May have been sent'), ('not_sent', 'Refused by the provider'), ('failed', 'Failed'), ('queued', 'Queued at the provider'), ('sending', 'Sending'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('undelivered', 'Not delivered')], max_length=12, verbose_name='status')),
                        ('error_code', models.PositiveIntegerField(blank=True, help_text="Twilio's error code, e.g. 21211 (invalid number) or 30003 (unreachable).", null=True, verbose_name='provider error code')),
                        ('error_reason', models.CharField(blank=True, max_length=30, verbose_name='error')),
                        ('dedupe_key', models.CharField(blank=True, help_text='Set for notifications sent at most once: a second attempt cannot insert it.', max_length=64, null=True, verbose_name='deduplication key')),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                    ],
                    options={
                        'verbose_name': 'SMS delivery',
                        'verbose_name_plural': 'SMS deliveries',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['status', '-created_at'], name='smsdelivery_status_idx'), models.Index(fields=['recipient', '-created_at'], name='smsdelivery_recipient_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('status__in', ['submitting', 'unknown', 'not_sent', 'failed', 'queued', 'sending', 'sent', 'delivered', 'undelivered'])), name='smsdelivery_status_valid'), models.UniqueConstraint(fields=('dedupe_key',), name='smsdelivery_dedupe_key_uniq')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
