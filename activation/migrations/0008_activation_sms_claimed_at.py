"""Keep the claim of an activation SMS apart from its success (``notified_at``).

Before, ``notified_at`` was set when a worker claimed the SMS, so a worker that died before
sending left it looking sent. Now ``sms_claimed_at`` is the claim and ``notified_at`` is set
once the provider took the message. Existing rows were claimed when ``notified_at`` was set:
that time becomes their claim. Going back, a claim without ``notified_at`` becomes
``notified_at`` again, or the old code would send those SMS a second time.
"""

from django.db import migrations, models
from django.db.models import F


def claims_from_notified(apps, schema_editor):
    events = apps.get_model("activation", "ActivationEvent").objects
    events.filter(notified_at__isnull=False).update(sms_claimed_at=F("notified_at"))


def notified_from_claims(apps, schema_editor):
    events = apps.get_model("activation", "ActivationEvent").objects
    events.filter(notified_at__isnull=True, sms_claimed_at__isnull=False).update(
        notified_at=F("sms_claimed_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('activation', '0007_activation_unnotified_idx'),
    ]

    operations = [
        migrations.AddField(
            model_name='activationevent',
            name='sms_claimed_at',
            field=models.DateTimeField(blank=True, help_text='Set before the activation SMS is sent and kept when it may have gone out, so it is never sent twice. Set without “accepted by the SMS provider”: not known to be sent.', null=True, verbose_name='activation SMS taken by a worker'),
        ),
        migrations.AlterField(
            model_name='activationevent',
            name='notified_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='activation SMS accepted by the SMS provider'),
        ),
        migrations.RunPython(claims_from_notified, notified_from_claims, elidable=False),
    ]
