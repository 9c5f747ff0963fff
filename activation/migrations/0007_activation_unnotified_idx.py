"""A partial index for the sweep of activations whose SMS was never sent (issue 6, item 7).

Built CONCURRENTLY on PostgreSQL (``accounts.migration_ops``), so banks' confirmations keep
being written while it builds; ``CONCURRENTLY`` cannot run in a transaction, hence
``atomic = False``.
"""

from django.db import migrations, models

from accounts.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("activation", "0006_reviewer_views_sms_deliveries"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="activationevent",
            index=models.Index(
                condition=models.Q(("notified_at__isnull", True), ("outcome", "activated")),
                fields=["received_at"],
                name="activation_unnotified_idx",
            ),
        ),
    ]
