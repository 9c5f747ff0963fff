"""CPU seconds per operation (issue 16): what every process involved spent, per phase.

Rates move with the machine (other tenants, ±15 %); the CPU an operation costs moves much
less. Before and after each load phase the benchmark reads the CPU time of every process
that serves it — the gunicorn masters and their workers, the task worker, every PostgreSQL
process, Redis, PgBouncer and nginx when they run — and the phase's operations divide the
difference.

A process that exits during the phase (gunicorn recycles a worker after ``max_requests``, a
PostgreSQL backend closes) is not lost: once its parent reaps it, its time moves to the
parent's ``children_user``/``children_system``, which :func:`tree_seconds` counts. The load
tool (locust) is measured apart (bench/load.py) and never counted here.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

import psutil

from bench.config import PG

#: Not CPU: PostgreSQL's committed transactions and WAL bytes, cluster-wide, read beside the
#: CPU so a phase also says how many commits (each a WAL flush) and how much WAL an operation
#: costs: the part of the database's work no Python change removes (issue 16, item 3).
COUNTERS = ("pg_commits", "wal_bytes")
_COUNTERS_SQL = (
    "SELECT (SELECT sum(xact_commit) FROM pg_stat_database), (SELECT wal_bytes FROM pg_stat_wal)"
)

#: The gunicorn masters serving each port (one, or two behind nginx: bench/farm.py), and
#: the task worker beside them (bench/run.py).
SERVERS: dict[int, list[psutil.Process]] = {}
WORKERS: dict[int, psutil.Process] = {}


def register(port: int, *, server: int | list[int], worker: int | None = None) -> None:
    """Count ``server`` (one pid or several) and ``worker`` as the processes behind ``port``."""
    SERVERS[port] = [
        psutil.Process(pid) for pid in ([server] if isinstance(server, int) else server)
    ]
    if worker is not None:
        WORKERS[port] = psutil.Process(worker)


def forget(port: int) -> None:
    SERVERS.pop(port, None)
    WORKERS.pop(port, None)


def tree_seconds(process: psutil.Process | None) -> float:
    """CPU seconds of ``process``, of its reaped children and of its live descendants."""
    if process is None:
        return 0.0
    try:
        own = process.cpu_times()
        total = own.user + own.system + own.children_user + own.children_system
        for child in process.children(recursive=True):
            try:
                times = child.cpu_times()
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue  # gone between the listing and the reading: its parent has it now
            total += times.user + times.system
    except psutil.NoSuchProcess:
        return 0.0
    return total


def _named(name: str) -> list[psutil.Process]:
    """The top processes called ``name`` (a server's main process, not its children)."""
    found = [p for p in psutil.process_iter(["name", "ppid"]) if p.info["name"] == name]
    pids = {p.pid for p in found}
    return [p for p in found if p.info["ppid"] not in pids]


def snapshot(port: int) -> dict[str, float]:
    """CPU seconds so far of everything that serves ``port``."""
    return {
        "web": sum(tree_seconds(p) for p in SERVERS.get(port, [])),
        "worker": tree_seconds(WORKERS.get(port)),
        "postgres": sum(tree_seconds(p) for p in _named("postgres")),
        "redis": sum(tree_seconds(p) for p in _named("redis-server")),
        "pgbouncer": sum(tree_seconds(p) for p in _named("pgbouncer")),
        "nginx": sum(tree_seconds(p) for p in _named("nginx")),
        **database_counters(),
    }


def database_counters() -> dict[str, float]:
    """:data:`COUNTERS` now; a backend reports its commits at most a second late, which a
    phase of tens of seconds absorbs."""
    out = subprocess.run(
        ["psql", f"{PG}/postgres", "-XAtF,", "-c", _COUNTERS_SQL],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    commits, wal = out.split(",")
    return {"pg_commits": float(commits), "wal_bytes": float(wal)}


def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """Seconds per process group between two snapshots, and their total (the counters of
    :data:`COUNTERS` ride along, outside the total)."""
    groups = {name: max(0.0, after[name] - before[name]) for name in before}
    seconds = sum(v for name, v in groups.items() if name not in COUNTERS)
    return {**groups, "total": seconds}


def add(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    return {name: a.get(name, 0.0) + b.get(name, 0.0) for name in {*a, *b}}


def per_operation_ms(cpu: Mapping[str, float], operations: int) -> dict[str, float]:
    """Milliseconds of CPU per completed operation, per group and in total (the counters
    are per operation as they are: commits, bytes)."""
    if operations <= 0:
        return {name: 0.0 for name in cpu}
    return {name: seconds * 1000 / operations for name, seconds in cpu.items()}
