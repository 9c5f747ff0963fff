"""``manage.py housekeeping``: delete the rows that have served their purpose (issue 17)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.management import PortalCommand
from housekeeping.pruning import Outcome, TableOutcome, run_housekeeping
from housekeeping.sweeps import settings_problems

#: The accepted ranges: more is a mistake (a day-long run, a transaction of a million rows).
MAX_SECONDS_RANGE = (1, 24 * 3600)
BATCH_SIZE_RANGE = (1, 10_000)


def _whole_number(value: Any, *, option: str, bounds: tuple[int, int]) -> int:
    """``value`` as an int within ``bounds``, or a translated ``CommandError`` naming it."""
    low, high = bounds
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise CommandError(
            gettext("%(option)s must be a whole number from %(low)d to %(high)d.")
            % {"option": option, "low": low, "high": high}
        )
    return number


class Command(PortalCommand):
    help = gettext_lazy(
        "Delete what has served its purpose: expired sessions and captchas, records of ended "
        "sessions, old one-time codes, finished background tasks and SMS delivery records past "
        "their retention (README, 'Housekeeping'). Never the audit history. In short batches, "
        "safe while the portal serves; stops after --max-seconds and the next run continues."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=gettext_lazy("Only count the rows that would be deleted; delete nothing."),
        )
        parser.add_argument(
            "--max-seconds",
            metavar="SECONDS",
            help=gettext_lazy(
                "Start no new batch after this many seconds (default HOUSEKEEPING_MAX_SECONDS)."
            ),
        )
        parser.add_argument(
            "--batch-size",
            metavar="ROWS",
            help=gettext_lazy("Rows deleted per transaction (default HOUSEKEEPING_BATCH_SIZE)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        max_seconds = _whole_number(
            options["max_seconds"] or settings.HOUSEKEEPING_MAX_SECONDS,
            option="--max-seconds",
            bounds=MAX_SECONDS_RANGE,
        )
        batch_size = _whole_number(
            options["batch_size"] or settings.HOUSEKEEPING_BATCH_SIZE,
            option="--batch-size",
            bounds=BATCH_SIZE_RANGE,
        )
        problems = settings_problems()
        if problems:
            raise CommandError(" ".join(problems))
        try:
            outcome = run_housekeeping(
                max_seconds=max_seconds, batch_size=batch_size, dry_run=options["dry_run"]
            )
        except DatabaseError as error:
            raise CommandError(_database_error(error)) from error
        for table in outcome.tables:
            self.stdout.write(_table_line(table, dry_run=outcome.dry_run))
        self.stdout.write(self.style.SUCCESS(_summary(outcome)))
        if not outcome.complete:
            self.stdout.write(
                self.style.WARNING(
                    gettext("Stopped at the time limit (%(seconds)d s); the next run continues.")
                    % {"seconds": max_seconds}
                )
            )


#: PostgreSQL's "insufficient privilege".
INSUFFICIENT_PRIVILEGE = "42501"


def _database_error(error: DatabaseError) -> str:
    """Why the run failed, translated (the driver's own text may hold data: not shown)."""
    cause = error.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)  # psycopg 2, 3
    if code == INSUFFICIENT_PRIVILEGE:
        return gettext(
            "The database role may not delete these rows. SMS delivery records are deleted as "
            "the schema's owner: give this command DATABASE_MIGRATION_URL."
        )
    return gettext(
        "The database failed during housekeeping (%(error)s); what was deleted stays deleted, "
        "run it again later."
    ) % {"error": type(error).__name__}


def _table_line(table: TableOutcome, *, dry_run: bool) -> str:
    values = {"table": table.sweep.label, "count": table.rows, "batches": table.batches}
    if dry_run:
        text = ngettext(
            "%(table)s: %(count)d row would be deleted.",
            "%(table)s: %(count)d rows would be deleted.",
            table.rows,
        )
    elif table.batches == 0 and not table.complete:
        text = gettext("%(table)s: not reached before the time limit.")
    elif table.complete:
        text = ngettext(
            "%(table)s: %(count)d row deleted (batches: %(batches)d).",
            "%(table)s: %(count)d rows deleted (batches: %(batches)d).",
            table.rows,
        )
    else:
        text = ngettext(
            "%(table)s: %(count)d row deleted (batches: %(batches)d); more remain.",
            "%(table)s: %(count)d rows deleted (batches: %(batches)d); more remain.",
            table.rows,
        )
    return text % values


def _summary(outcome: Outcome) -> str:
    values = {"count": outcome.rows, "seconds": outcome.seconds}
    if outcome.dry_run:
        return (
            ngettext(
                "Dry run: %(count)d row would be deleted; nothing was deleted.",
                "Dry run: %(count)d rows would be deleted; nothing was deleted.",
                outcome.rows,
            )
            % values
        )
    return (
        ngettext(
            "Housekeeping deleted %(count)d row in %(seconds).1f s.",
            "Housekeeping deleted %(count)d rows in %(seconds).1f s.",
            outcome.rows,
        )
        % values
    )
