"""Delete what the sweeps select, in short batches, while the portal serves (decision 293).

Each batch is one short transaction: pick up to ``batch_size`` primary keys of due rows
through the sweep's index, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (a row a request is
writing is left for the next run, so nobody ever waits for housekeeping and housekeeping
waits for nobody), then delete those rows by key. No table lock, no long transaction, no
long-held row lock. The run stops before a batch once ``max_seconds`` have passed; what is
left is still due, so the next run continues, and a second run straight after finds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from absher_portal.database_roles import migration_owner
from housekeeping.sweeps import SWEEPS, Sweep


@dataclass
class TableOutcome:
    """What one sweep did (or, in a dry run, would do)."""

    sweep: Sweep
    rows: int = 0
    batches: int = 0
    #: Every due row was deleted (counted, in a dry run); False when time ran out first.
    complete: bool = False
    #: The longest batch's transaction, in seconds (how long its row locks were held).
    slowest_batch: float = 0.0


@dataclass
class Outcome:
    tables: list[TableOutcome]
    dry_run: bool
    seconds: float

    @property
    def complete(self) -> bool:
        return all(table.complete for table in self.tables)

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def run_housekeeping(
    *,
    max_seconds: float,
    batch_size: int,
    dry_run: bool = False,
    now: datetime | None = None,
    sweeps: Iterable[Sweep] = SWEEPS,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Delete (or only count, ``dry_run``) every sweep's due rows at ``now``, within time."""
    now = now or timezone.now()
    started = clock()
    deadline = started + max_seconds
    tables = []
    for sweep in sweeps:
        table = TableOutcome(sweep)
        tables.append(table)
        if dry_run:
            table.rows = sweep.model._base_manager.filter(sweep.due(now)).count()
            table.complete = True
        elif clock() < deadline:
            with migration_owner() if sweep.as_owner else nullcontext():
                _delete_due(table, now=now, batch_size=batch_size, deadline=deadline, clock=clock)
    return Outcome(tables=tables, dry_run=dry_run, seconds=clock() - started)


def _delete_due(
    table: TableOutcome,
    *,
    now: datetime,
    batch_size: int,
    deadline: float,
    clock: Callable[[], float],
) -> None:
    model = table.sweep.model
    due = model._base_manager.filter(table.sweep.due(now)).order_by()
    while clock() < deadline:
        began = time.perf_counter()
        with transaction.atomic():
            keys = list(
                due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size]
            )
            if keys:
                _, per_model = model._base_manager.filter(pk__in=keys).delete()
                table.rows += per_model.get(model._meta.label, 0)
                table.batches += 1
        table.slowest_batch = max(table.slowest_batch, time.perf_counter() - began)
        if len(keys) < batch_size:
            table.complete = True
            return
