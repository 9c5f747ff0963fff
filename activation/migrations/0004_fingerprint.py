from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("activation", "0003_reviewer_group")]

    operations = [
        migrations.RenameField(
            model_name="activationevent", old_name="body_sha256", new_name="fingerprint"
        ),
        migrations.AlterField(
            model_name="activationevent",
            name="fingerprint",
            field=models.CharField(
                help_text="SHA-256 of the normalised confirmation: tells a replay from a reused id.",
                max_length=64,
                verbose_name="fingerprint",
            ),
        ),
    ]
