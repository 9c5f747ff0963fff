"""Count activation SMS attempts and keep the time of the next one (issue 6, item 5).

The retry schedule lives on the event, not in the task queue: the task only triggers an
attempt, so a lost or duplicated task (or the ``send_missed_activation_sms`` sweep) can neither
skip the backoff nor send twice.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("activation", "0004_fingerprint")]

    operations = [
        migrations.AddField(
            model_name="activationevent",
            name="sms_attempts",
            field=models.PositiveSmallIntegerField(
                default=0, verbose_name="activation SMS attempts"
            ),
        ),
        migrations.AddField(
            model_name="activationevent",
            name="sms_retry_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "Set while a failed activation SMS waits for its next try; empty otherwise."
                ),
                null=True,
                verbose_name="next activation SMS attempt",
            ),
        ),
    ]
