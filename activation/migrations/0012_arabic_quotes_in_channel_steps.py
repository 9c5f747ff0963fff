"""The seeded channels' Arabic steps quote with « » instead of English “ ” (issue 14 item 11).

English curly quotes read reversed in an Arabic line (”aaaa“). Only channels whose Arabic
steps are still exactly as 0002 seeded them change; steps an operator has edited since are
theirs and stay as they are. Backwards is a no-op: the old marks were the mistake.
"""

import importlib

from django.db import migrations

_SEED = importlib.import_module("activation.migrations.0002_seed_banks_and_channels")

#: (bank code, channel kind) -> the Arabic steps as 0002 seeded them.
SEEDED_CURLY = {
    (bank["code"], channel["kind"]): channel["steps_ar"]
    for bank in _SEED.BANKS
    for channel in bank["channels"]
}
_ARABIC_MARKS = str.maketrans({"“": "«", "”": "»"})


def quote_with_arabic_marks(apps, schema_editor):
    ActivationChannel = apps.get_model("activation", "ActivationChannel")
    for (bank, kind), steps in SEEDED_CURLY.items():
        ActivationChannel.objects.filter(bank__code=bank, kind=kind, steps_ar=steps).update(
            steps_ar=steps.translate(_ARABIC_MARKS)
        )


class Migration(migrations.Migration):
    dependencies = [("activation", "0011_channel_phone_number")]

    operations = [migrations.RunPython(quote_with_arabic_marks, migrations.RunPython.noop)]
