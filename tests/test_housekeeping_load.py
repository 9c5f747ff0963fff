"""Housekeeping under load, on PostgreSQL: batches, no long locks, indexes (issue 17).

Hundreds of thousands of old rows are made with ``INSERT … SELECT generate_series``; then
housekeeping deletes them in one thread while this one goes on writing and reading the same
tables as the portal does (a new challenge, a young challenge updated, an SMS delivery added
and moved forward, a read by mobile), each statement under ``lock_timeout = 100ms`` and timed.
No statement may wait on a lock that long (it would fail), nor take that long at all. The
figures are printed (``pytest -s``) for the README. Each sweep's batch query is checked with
``EXPLAIN`` to go through an index.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import OtpChallenge, OtpPurpose
from housekeeping.pruning import Outcome, run_housekeeping
from housekeeping.sweeps import SWEEPS
from sms.models import SmsDelivery, SmsPurpose, SmsStatus
from tests.race_helpers import RACE_MARKS

pytestmark = RACE_MARKS

#: Old rows per table (the challenges' table alone holds the 100,000 the issue asks for).
ROWS = {
    "accounts_otpchallenge": 100_000,
    "sms_smsdelivery": 50_000,
    "django_session": 50_000,
    "django_tasks_database_dbtaskresult": 50_000,
}
SEED_SQL = {
    "accounts_otpchallenge": """
        INSERT INTO accounts_otpchallenge (id, purpose, mobile, national_id, code_hmac,
            created_at, sent_at, expires_at, attempts, failures, sends)
        SELECT gen_random_uuid(), 'login', '+9665' || lpad(g::text, 8, '0'), '', 'x',
            now() - interval '30 days', now() - interval '30 days',
            now() - interval '30 days' + interval '5 minutes', 0, 0, 1
        FROM generate_series(1, %s) AS g""",
    "sms_smsdelivery": """
        INSERT INTO sms_smsdelivery (recipient, purpose, backend, status, error_reason,
            created_at, updated_at)
        SELECT '+9665' || lpad(g::text, 8, '0'), 'login', 'locmem', 'delivered', '',
            now() - interval '400 days', now() - interval '400 days'
        FROM generate_series(1, %s) AS g""",
    "django_session": """
        INSERT INTO django_session (session_key, session_data, expire_date)
        SELECT md5(g::text), 'e30:', now() - interval '1 day'
        FROM generate_series(1, %s) AS g""",
    "django_tasks_database_dbtaskresult": """
        INSERT INTO django_tasks_database_dbtaskresult (id, status, enqueued_at, finished_at,
            args_kwargs, priority, task_path, worker_ids, queue_name, backend_name, run_after,
            exception_class_path, traceback)
        SELECT gen_random_uuid(), 'SUCCESSFUL', now() - interval '60 days',
            now() - interval '60 days', '{"args": [1], "kwargs": {}}', 0, 'accounts.tasks.x',
            '[]', 'default', 'default', now() - interval '60 days', '', ''
        FROM generate_series(1, %s) AS g""",
}
#: No statement of the portal may wait (or take) this long while housekeeping runs.
MAX_WAIT_SECONDS = 0.1


@pytest.fixture
def old_rows():
    with connection.cursor() as cursor:
        for table, count in ROWS.items():
            cursor.execute(SEED_SQL[table], [count])
            cursor.execute(f"ANALYZE {table}")
    return sum(ROWS.values())


def plan(sweep) -> str:
    """The batch query's plan when the table cannot be read whole: an index must serve it.

    (Here every row is due, so the planner rightly reads the table from its start; in a
    table of a year's rows with a night's due, it takes the index this proves exists.)
    """
    due = sweep.model._base_manager.filter(sweep.due(timezone.now())).order_by()
    query = due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:1000]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_big_sweep_finds_its_batch_through_an_index(old_rows):
    big = {"sessions", "otp_challenges", "task_results", "sms_deliveries"}
    for sweep in (sweep for sweep in SWEEPS if sweep.name in big):
        explained = plan(sweep)
        assert "Index" in explained and "Seq Scan" not in explained, (sweep.name, explained)


def portal_traffic(stop, results) -> None:
    """The portal's statements on the swept tables, each timed, until ``stop`` is set.

    Runs in a process of its own, as gunicorn's workers do, with its own connection.
    """
    waits: list[float] = []
    error = ""

    def timed(statement, *args, **kwargs) -> None:
        started = time.perf_counter()
        statement(*args, **kwargs)
        waits.append(time.perf_counter() - started)

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{int(MAX_WAIT_SECONDS * 1000)}ms'")
        live = OtpChallenge.objects.create(purpose=OtpPurpose.LOGIN, mobile="+966500000001")
        sms = SmsDelivery.objects.create(
            recipient="+966500000001",
            purpose=SmsPurpose.LOGIN,
            backend="locmem",
            status=SmsStatus.SUBMITTING,
        )
        number = 0
        while not stop.is_set():
            number += 1
            mobile = f"+9665{number:08d}"
            timed(OtpChallenge.objects.create, purpose=OtpPurpose.LOGIN, mobile=mobile)
            timed(OtpChallenge.objects.filter(pk=live.pk).update, attempts=F("attempts") + 1)
            timed(list, OtpChallenge.objects.filter(mobile=mobile)[:5])
            timed(
                SmsDelivery.objects.create,
                recipient=mobile,
                purpose=SmsPurpose.LOGIN,
                backend="locmem",
                status=SmsStatus.SENT,
            )
            timed(SmsDelivery.objects.filter(pk=sms.pk).update, status=SmsStatus.DELIVERED)
    except Exception as exc:  # a lock timeout is the finding, reported by the test
        error = repr(exc)
    finally:
        connection.close()
        results.send((waits, error))


def watch_lock_waits(*, until_done: threading.Thread) -> float:
    """The longest time any other backend was seen waiting for a lock (sampled every 2 ms)."""
    waiting_since: dict[int, float] = {}
    longest = 0.0
    with connection.cursor() as cursor:
        while until_done.is_alive():
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            now = time.perf_counter()
            waiting = {row[0] for row in cursor.fetchall()}
            waiting_since = {pid: waiting_since.get(pid, now) for pid in waiting}
            longest = max([longest, *(now - since for since in waiting_since.values())])
            time.sleep(0.002)
    return longest


def test_housekeeping_deletes_in_batches_while_the_portal_never_waits(old_rows):
    outcome: list[Outcome] = []
    housekeeper = threading.Thread(
        target=lambda: (
            outcome.append(run_housekeeping(max_seconds=600, batch_size=1000)),
            connection.close(),
        )
    )
    fork = multiprocessing.get_context("fork")
    stop, (receive, send) = fork.Event(), fork.Pipe(duplex=False)
    connection.close()  # the process below must not share this connection's socket
    portal = fork.Process(target=portal_traffic, args=(stop, send))
    portal.start()
    time.sleep(0.5)
    started = time.perf_counter()
    housekeeper.start()
    longest_lock_wait = watch_lock_waits(until_done=housekeeper)
    housekeeper.join()
    seconds = time.perf_counter() - started
    stop.set()
    waits, error = receive.recv()
    portal.join(timeout=30)

    assert not error
    [done] = outcome
    assert done.complete
    assert done.rows == old_rows
    batches = sum(table.batches for table in done.tables)
    assert batches >= old_rows // 1000
    slowest = max(table.slowest_batch for table in done.tables)
    print(
        f"\nhousekeeping: {done.rows} rows in {batches} batches, {seconds:.1f} s; "
        f"slowest batch {slowest * 1000:.0f} ms; portal statements meanwhile: "
        f"{len(waits)}, slowest {max(waits) * 1000:.1f} ms, "
        f"99th percentile {sorted(waits)[int(len(waits) * 0.99)] * 1000:.1f} ms; "
        f"longest lock wait seen {longest_lock_wait * 1000:.0f} ms; slowest batch per table: "
        + ", ".join(f"{t.sweep.name} {t.slowest_batch * 1000:.0f} ms" for t in done.tables)
    )
    assert len(waits) > 100
    assert longest_lock_wait < MAX_WAIT_SECONDS
    # Wall time also counts waiting for one of the machine's two shared cores: a rare
    # statement may pass 100 ms for that alone, never for a lock (lock_timeout above).
    assert sorted(waits)[int(len(waits) * 0.99)] < MAX_WAIT_SECONDS
    young = timezone.now() - timedelta(minutes=5)
    assert OtpChallenge.objects.filter(created_at__gte=young).count() > 1
