"""Notices owed to people, one row each, written with the change that owes them (issue 12).

One at-most-once design for the activation SMS, the password-changed SMS and the mobile-moved
email: claim + sweep on this row (design.md §15, decision 93). A new table: plain indexes.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_smsdelivery_to_sms_app'),
    ]

    operations = [
        migrations.CreateModel(
            name='Notice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('activated', 'Account activated (SMS)'), ('password_changed', 'Password changed (SMS)'), ('mobile_moved', 'Mobile number moved (email)')], max_length=20, verbose_name='notice')),
                ('subject_id', models.PositiveBigIntegerField(verbose_name='about record')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='owed since')),
                ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='taken by a worker')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='accepted for delivery')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('retry_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                ('last_error', models.CharField(blank=True, max_length=30, verbose_name='last error')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notices', to=settings.AUTH_USER_MODEL, verbose_name='account')),
            ],
            options={
                'verbose_name': 'notice',
                'verbose_name_plural': 'notices',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='notice_unsent_idx')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'subject_id'), name='notice_kind_subject_uniq')],
            },
        ),
    ]
