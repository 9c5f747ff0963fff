"""``make bench`` / ``make bench-smoke``: the benchmark suite of issue 8, end to end.

Starts the production set-up on loopback twice, on the small and on the large database
(gunicorn with ``gunicorn.conf.py``, one sync worker per core, ``DJANGO_DEBUG=0``, PostgreSQL
with persistent connections, Redis, a ``db_worker`` sending SMS to the ``file`` backend), and
the django-allauth peer; drives them with locust (bench/load.py: headless, time-bounded);
measures the references in the same run (the "ok" view, the session-writing view, the
Argon2id hash rate on all cores, the peer), paired measurements taking turns. Prints a table
and writes JSON and a PNG (bench/report.py). Each server gets a free loopback port unless
``BENCH_PORT`` pins them (bench/servers.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

import psutil

from bench import cpu, report
from bench.config import BIN, CORES, EXPLICIT_PORT, OUT, PEER, PG, ROOT, bench_env
from bench.load import locust, merge_slices, take_turns
from bench.servers import Ports, ServerFailed, ensure_free, pick_ports, wait_ready


@dataclass(frozen=True)
class Profile:
    name: str
    seconds: int  # per load phase
    users: int  # concurrent clients of the request phases
    flow_users: int  # concurrent people registering / signing up
    small: int  # accounts in the small database
    large: int  # accounts in the large database
    hash_seconds: float
    admin_repeats: int
    flow_rounds: int  # paired measurements take turns, this many slices each


FULL = Profile("full", 20, 50, 16, 1_000, int(os.environ.get("BENCH_LARGE", 1_000_000)), 10, 7, 4)
SMOKE = Profile("smoke", 2, 5, 3, 400, 2_000, 1, 2, 1)


def manage(env: dict[str, str], *args: str, python: Path = BIN / "python") -> str:
    return subprocess.run(
        [str(python), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def bench_task(env: dict[str, str], *args: str) -> str:
    return (
        subprocess.run(
            [str(BIN / "python"), "-m", "bench.tasks", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", f"{PG}/{db}", "-qAtc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def prepare_database(db: str, accounts: int, *, fresh: bool) -> float:
    """Create (or reuse) ``db``, migrate it, seed it up to ``accounts``; seconds spent seeding."""
    if fresh:
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
        psql(f'CREATE DATABASE "{db}"')
    env = bench_env(db)
    manage(env, "migrate_locked", "-v", "0")
    started = time.monotonic()
    print(manage(env, "seed_accounts", "--count", str(accounts), "--total").strip(), flush=True)
    return time.monotonic() - started


def drain_tasks(db: str, seconds: float = 600) -> float:
    """Wait until the worker has run every due task (the SMS the last phase queued); seconds.

    A phase that queues SMS (bank activations, registrations) leaves the worker busy after
    it ends; the next phase would share the cores with that backlog and measure both.
    """
    started = time.monotonic()
    due = (
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN "
        "('READY', 'RUNNING') AND (run_after <= now() OR run_after >= '9999-01-01')"
    )
    while psql(due, db) != "0":
        if time.monotonic() - started > seconds:
            raise RuntimeError(f"the task worker did not catch up within {seconds} s")
        time.sleep(0.25)
    return time.monotonic() - started


def drain_counted(db: str, port: int, phase: dict[str, dict]) -> float:
    """``drain_tasks``, the CPU it took added to ``phase``'s: the SMS a phase queued are part
    of what its operations cost, even when the worker sends them after the phase."""
    before = cpu.snapshot(port)
    seconds = drain_tasks(db)
    phase["_cpu"] = cpu.add(phase["_cpu"], cpu.spent(before, cpu.snapshot(port)))
    return seconds


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def server(command: list[str], *, cwd: Path, env: dict[str, str], port: int, path: str, log: Path):
    """A server the benchmark starts on ``port``, once it answers there itself; stopped after.

    A port already in use fails at once ("address in use"); a server that exits before it
    answers fails with the end of its log (bench/servers.py).
    """
    ensure_free(port)
    start = log.stat().st_size if log.exists() else 0
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
    try:
        wait_ready(process, port, f"http://127.0.0.1:{port}{path}", log=log, log_start=start)
        yield process
    finally:
        stop(process)


@contextmanager
def portal(db: str, port: int, **overrides: str):
    """gunicorn (gunicorn.conf.py) and one db_worker on ``db``; yields the gunicorn master.
    ``overrides`` change the environment of both (``WEB_CONCURRENCY``, ``GUNICORN_THREADS``)."""
    env = {**bench_env(db, port), **overrides}
    gunicorn = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"]
    log = OUT / f"server-{db}.log"
    with server(gunicorn, cwd=ROOT, env=env, port=port, path="/healthz", log=log) as master:
        with (OUT / f"worker-{db}.log").open("ab") as out:
            worker = subprocess.Popen(
                [
                    str(BIN / "python"),
                    "manage.py",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--no-reload",
                    "--interval",
                    "0.1",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )
        cpu.register(port, server=master.pid, worker=worker.pid)
        try:
            drain_tasks(db)  # what an earlier run left behind
            yield master
        finally:
            cpu.forget(port)
            stop(worker)


@contextmanager
def allauth_peer(db: str, port: int, *, argon2: dict[str, str] | None = None):
    """The allauth peer under gunicorn, as many sync workers as the portal, on ``port``: as
    shipped (PBKDF2), or hashing with Argon2id at ``argon2``'s parameters (the portal's own,
    from ``bench.tasks hash-params``: issue 16's fair comparison)."""
    env = {**os.environ, "PEER_DATABASE_URL": f"{PG}/{db}", "DJANGO_SETTINGS_MODULE": "settings"}
    env.update(argon2 or {})
    psql("CREATE SCHEMA IF NOT EXISTS allauth_peer", db)
    subprocess.run(
        [str(PEER / ".venv/bin/python"), "manage.py", "migrate", "-v", "0"],
        cwd=PEER / "allauth",
        env=env,
        check=True,
    )
    command = [
        str(PEER / ".venv/bin/gunicorn"),
        "-w",
        str(CORES),
        "-b",
        f"127.0.0.1:{port}",
        "--keep-alive",
        "5",
        "wsgi:application",
    ]
    with server(
        command,
        cwd=PEER / "allauth",
        env=env,
        port=port,
        path="/accounts/signup/",
        log=OUT / ("peer-argon2.log" if argon2 else "peer.log"),
    ) as peer:
        cpu.register(port, server=peer.pid)
        try:
            yield peer
        finally:
            cpu.forget(port)


def bank_phase(profile: Profile, tag: str, requests_file: Path, port: int) -> dict[str, dict]:
    """Signed confirmations, each on a new pending account, until time or accounts run out."""
    return locust(
        "BankUser",
        profile.users,
        profile.seconds,
        tag,
        port=port,
        BENCH_BANK_FILE=str(requests_file),
    )


#: Puts the small database's activated accounts back to pending between bank rounds: 1,000
#: accounts hold only some 250 pending ones, too few requests for a steady percentile.
REPEND = (
    "UPDATE accounts_user SET status = 'pending', status_changed_at = now() "
    "WHERE status = 'active' AND id IN "
    "(SELECT account_id FROM activation_activationevent WHERE outcome = 'activated')"
)


def bank_turns(
    profile: Profile, small_db: str, large_db: str, ports: Ports
) -> list[dict[str, dict]]:
    """Confirm every pending account of the small database, then as many on the large one,
    taking turns; the small one's accounts are made pending again after each round."""
    small, large = {"bank_small": []}, {"bank_large_same": []}
    for turn in range(profile.flow_rounds):
        count = bench_task(
            bench_env(small_db, ports.portal), "bank-requests", "all", str(OUT / "bank-s.json")
        )
        small["bank_small"].append(
            bank_phase(profile, f"bank_small-{turn}", OUT / "bank-s.json", ports.portal)
        )
        drain_counted(small_db, ports.portal, small["bank_small"][-1])
        psql(REPEND, small_db)
        bench_task(
            bench_env(large_db, ports.large), "bank-requests", count, str(OUT / "bank-l1.json")
        )
        large["bank_large_same"].append(
            bank_phase(profile, f"bank_large_same-{turn}", OUT / "bank-l1.json", ports.large)
        )
        drain_counted(large_db, ports.large, large["bank_large_same"][-1])
    return [merge_slices(small["bank_small"]), merge_slices(large["bank_large_same"])]


def worker_rss(server: subprocess.Popen) -> list[float]:
    return [c.memory_info().rss / 2**20 for c in psutil.Process(server.pid).children()]


def machine_state() -> dict:
    others = subprocess.run(
        ["pgrep", "-fa", "pytest|chromium"], capture_output=True, text=True
    ).stdout.splitlines()
    return {
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "cores": CORES,
        "other_pytest_or_chromium": len([o for o in others if "bench" not in o]),
    }


def main(profile: Profile) -> dict:
    OUT.mkdir(exist_ok=True)
    suffix = "_smoke" if profile is SMOKE else ""
    small_db = os.environ.get("BENCH_DB", f"absher_bench{suffix}")
    large_db = os.environ.get(
        "BENCH_DB_LARGE", "absher_bench_smoke_large" if suffix else "absher_bench_1m"
    )
    results: dict = {
        "profile": profile.name,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine_before": machine_state(),
        "phases": {},
    }
    phases = results["phases"]
    #: Seconds the worker needed, after a phase, to send the SMS that phase queued.
    drained = results["sms_drain_s"] = {}
    if EXPLICIT_PORT is not None:  # a pinned port already taken fails now, not after seeding
        for pinned in astuple(pick_ports(EXPLICIT_PORT)):
            ensure_free(pinned)
    t = time.monotonic()
    manage(bench_env(small_db), "collectstatic", "--no-input", "-v", "0")
    results["seed_small_s"] = prepare_database(small_db, profile.small, fresh=True)
    results["seed_large_s"] = prepare_database(large_db, profile.large, fresh=bool(suffix))
    results["prepare_s"] = time.monotonic() - t
    ports = pick_ports(EXPLICIT_PORT)  # free ones unless BENCH_PORT pins them
    port, large_port = ports.portal, ports.large
    env, large_env = bench_env(small_db, port), bench_env(large_db, large_port)
    print(
        f"== {profile.name}: {CORES} cores; {small_db} ({profile.small} accounts) on {port}, "
        f"{large_db} ({profile.large} accounts) on {large_port}, allauth on {ports.peer} "
        f"(PBKDF2) and {ports.peer_argon2} (Argon2id)",
        flush=True,
    )
    rounds, users = profile.flow_rounds, profile.users
    portal_argon2 = json.loads(bench_task(env, "hash-params"))
    with (
        portal(small_db, port) as small_server,
        portal(large_db, large_port) as large_server,
        allauth_peer(small_db, ports.peer),
        allauth_peer(small_db, ports.peer_argon2, argon2=portal_argon2),
    ):
        locust("IdentityPageUser", users, 2, "warmup", port=port)
        locust("IdentityPageUser", users, 2, "warmup-large", port=large_port)
        phases["ok"] = locust("OkUser", users, profile.seconds, "ok", port=port)
        phases["session"] = locust("SessionUser", users, profile.seconds, "session", port=port)
        phases["identity_get"] = locust(
            "IdentityPageUser", users, profile.seconds, "identity_get", port=port
        )
        phases["ok_large"] = locust("OkUser", users, profile.seconds, "ok_large", port=large_port)
        # The same look-ups on 1 k and on 1 M accounts, taking turns.
        phases["identity_post_small"], phases["identity_post_large"] = take_turns(
            users,
            max(1, profile.seconds // rounds),
            rounds,
            ("IdentityPostUser", port, "identity_post_small"),
            ("IdentityPostUser", large_port, "identity_post_large"),
        )
        phases["bank_small"], phases["bank_large_same"] = bank_turns(
            profile, small_db, large_db, ports
        )
        count = str(profile.seconds * 400)
        bench_task(large_env, "bank-requests", count, str(OUT / "bank-l2.json"))
        phases["bank_large"] = bank_phase(profile, "bank_large", OUT / "bank-l2.json", large_port)
        drained["bank_large"] = drain_counted(large_db, large_port, phases["bank_large"])
        phases["register"], phases["allauth"], phases["allauth_argon2"] = take_turns(
            profile.flow_users,
            max(1, profile.seconds * 2 // rounds),
            rounds,
            ("RegisterUser", port, "register"),
            ("AllauthSignupUser", ports.peer, "allauth"),
            ("AllauthSignupUser", ports.peer_argon2, "allauth_argon2"),
        )
        drained["register"] = drain_counted(small_db, port, phases["register"])
        results["hash"] = json.loads(bench_task(env, "hash-rate", str(profile.hash_seconds)))
        results["rss_mib"] = worker_rss(small_server)
        results["rss_mib_large"] = worker_rss(large_server)
    results["admin"] = json.loads(bench_task(large_env, "admin-timing", str(profile.admin_repeats)))
    results["machine_after"] = machine_state()
    results["total_s"] = time.monotonic() - t
    return results


if __name__ == "__main__":
    chosen = SMOKE if "--smoke" in sys.argv else FULL
    try:
        data = main(chosen)
    except ServerFailed as error:
        sys.exit(f"bench: {error}")
    report.write(data, smoke=chosen is SMOKE)
