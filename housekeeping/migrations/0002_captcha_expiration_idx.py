"""Index captchas by expiry, for housekeeping's sweep (issue 16 decision 276, issue 17).

simple-captcha deleted expired captchas on every answer, so its table held minutes of rows and
needed no index. The portal's field no longer does (one scan of the table per answer at a
national peak); the nightly housekeeping removes them instead, from a table that now holds up
to a day of captchas, robots' included: without this index each of its batches would scan it
all. The model is the library's, so the index is made by name on its table
(``AddTableIndexConcurrently``); built CONCURRENTLY on PostgreSQL, hence ``atomic = False``.
"""

from django.db import migrations

from accounts.migration_ops import AddTableIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("housekeeping", "0001_task_results_finished_idx"),
        ("captcha", "0002_alter_captchastore_id"),
    ]

    operations = [
        AddTableIndexConcurrently(
            table="captcha_captchastore",
            name="housekeeping_captcha_expiration_idx",
            columns='"expiration"',
        ),
    ]
