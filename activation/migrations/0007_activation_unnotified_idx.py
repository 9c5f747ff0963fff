"""A partial index for the sweep of activations whose SMS was never sent (issue 6, item 7)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activation', '0006_reviewer_views_sms_deliveries'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='activationevent',
            index=models.Index(condition=models.Q(('notified_at__isnull', True), ('outcome', 'activated')), fields=['received_at'], name='activation_unnotified_idx'),
        ),
    ]
