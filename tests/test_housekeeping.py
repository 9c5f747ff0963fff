"""``manage.py housekeeping`` deletes what has served its purpose, and only that (issue 17).

Old rows of every swept table go; young rows, the audit history and queued tasks stay; a dry
run deletes nothing; a second run finds nothing; a run out of time stops between batches and
the next one finishes; bad arguments and settings are refused in the command's language.
The run under load, on PostgreSQL, is tests/test_housekeeping_load.py.
"""

from __future__ import annotations

from io import StringIO
from itertools import count

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from housekeeping.pruning import run_housekeeping
from tests.housekeeping_rows import make_rows

pytestmark = pytest.mark.django_db


def housekeeping(*args: str, language: str = "en") -> str:
    out = StringIO()
    with translation.override(language):
        call_command("housekeeping", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def rows(time_machine, sms_outbox):
    return make_rows(time_machine)


def all_there(counts: dict[str, int], rows: dict) -> bool:
    return counts == {model._meta.label: len(items) for model, items in rows.items()}


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(rows):
    output = housekeeping("--dry-run")

    assert "One-time codes: 1 row would be deleted." in output
    assert "Finished background tasks: 2 rows would be deleted." in output
    assert "Dry run: 7 rows would be deleted; nothing was deleted." in output
    assert all_there(rows.remaining("old"), rows.old)


def test_old_rows_go_while_young_rows_the_audit_and_queued_tasks_stay(rows):
    output = housekeeping()

    assert set(rows.remaining("old").values()) == {0}
    assert all_there(rows.remaining("young"), rows.young)
    assert "One-time codes: 1 row deleted (batches: 1)." in output
    assert "Housekeeping deleted 7 rows in" in output


def test_a_second_run_deletes_nothing(rows):
    housekeeping()

    output = housekeeping()

    assert "Housekeeping deleted 0 rows in" in output
    assert all_there(rows.remaining("young"), rows.young)


def test_retention_follows_the_settings(rows, settings):
    settings.OTP_RETENTION_DAYS = 365
    settings.SMS_DELIVERY_RETENTION_DAYS = 365
    settings.TASK_RESULT_RETENTION_DAYS = 365

    output = housekeeping()

    assert "One-time codes: 0 rows deleted" in output
    assert "SMS delivery records: 0 rows deleted" in output
    assert "Finished background tasks: 0 rows deleted" in output


def test_a_run_out_of_time_stops_between_batches_and_the_next_run_finishes(rows):
    one_second_per_look = count().__next__  # every look at the clock costs a second

    first = run_housekeeping(max_seconds=4, batch_size=1, clock=one_second_per_look)

    assert not first.complete
    assert 0 < first.rows < 7
    assert any(table.rows == 0 and not table.complete for table in first.tables)
    second = run_housekeeping(max_seconds=600, batch_size=1)
    assert second.complete
    assert first.rows + second.rows == 7
    assert set(rows.remaining("old").values()) == {0}
    assert all_there(rows.remaining("young"), rows.young)


def test_batches_hold_at_most_the_batch_size(rows):
    outcome = run_housekeeping(max_seconds=600, batch_size=1)

    tasks = next(table for table in outcome.tables if table.sweep.name == "task_results")
    assert (tasks.rows, tasks.batches) == (2, 2)


def test_the_summary_speaks_arabic(rows):
    output = housekeeping("--dry-run", language="ar")

    assert "One-time codes" not in output
    assert "رموز لمرة واحدة" in output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--max-seconds", "0"], "--max-seconds"),
        (["--max-seconds", "soon"], "--max-seconds"),
        (["--max-seconds", "86401"], "--max-seconds"),
        (["--batch-size", "-5"], "--batch-size"),
        (["--batch-size", "10001"], "--batch-size"),
    ],
)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_bad_arguments_are_refused_with_a_translated_error(args, option, language):
    with pytest.raises(CommandError) as error:
        housekeeping(*args, language=language)

    assert option in str(error.value)
    arabic = any("\u0600" <= char <= "\u06ff" for char in str(error.value))
    assert arabic == (language == "ar")


def test_a_bad_retention_setting_is_refused(settings):
    settings.OTP_RETENTION_DAYS = 0

    with pytest.raises(CommandError, match="OTP_RETENTION_DAYS must be a whole number"):
        housekeeping()
