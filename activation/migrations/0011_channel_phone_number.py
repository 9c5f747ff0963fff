"""A phone banking channel's number as data of its own, so the pages can make it tap-to-call.

The number was only in the channel's name and steps ("Call 920003344."); a ``tel:`` link needs
the number itself, and finding numbers in free text would link any digits (issue 14 item 7).
The seeded Al Rajhi phone banking channel gets its number; channels edited since keep theirs.
"""

import django.core.validators
from django.db import migrations, models

SEEDED = {("alrajhi", "phone"): "920003344"}


def fill_seeded_numbers(apps, schema_editor):
    ActivationChannel = apps.get_model("activation", "ActivationChannel")
    for (bank, kind), number in SEEDED.items():
        ActivationChannel.objects.filter(bank__code=bank, kind=kind, phone_number="").filter(
            steps_en__contains=number
        ).update(phone_number=number)


class Migration(migrations.Migration):
    dependencies = [("activation", "0010_drop_sms_claim_columns")]

    operations = [
        migrations.AddField(
            model_name="activationchannel",
            name="phone_number",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The number to call, for a phone banking channel. Where the steps quote "
                    "it, people can tap it to call."
                ),
                max_length=16,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\+?[0-9]{3,15}$",
                        "Enter the number as digits only, for example 920003344 or "
                        "+966112345678.",
                        code="phone_number",
                    )
                ],
                verbose_name="phone number",
            ),
        ),
        migrations.RunPython(fill_seeded_numbers, migrations.RunPython.noop),
    ]
