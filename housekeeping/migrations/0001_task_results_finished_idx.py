"""Index finished task results by when they finished, for housekeeping (issue 17, decision 294).

django-tasks-db indexes the queue (ready rows) but not ``finished_at``: without this, every
batch of the sweep of results past ``TASK_RESULT_RETENTION_DAYS`` would read the whole table.
The model is the library's, so the index is made by name on its table and stays out of the
model state (``AddTableIndexConcurrently``); partial, over finished rows only (the only ones
with a ``finished_at``). Built CONCURRENTLY on PostgreSQL, hence ``atomic = False``.
"""

from django.db import migrations

from accounts.migration_ops import AddTableIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        AddTableIndexConcurrently(
            table="django_tasks_database_dbtaskresult",
            name="housekeeping_task_finished_idx",
            columns='"finished_at"',
            condition='"finished_at" IS NOT NULL',
        ),
    ]
