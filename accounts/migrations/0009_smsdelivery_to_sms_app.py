"""``SmsDelivery`` now belongs to the ``sms`` app: drop it from this app's state only.

The table itself is renamed and taken over by ``sms`` 0001; nothing is deleted.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_drop_pattern_indexes"),
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SmsDelivery")],
        ),
    ]
