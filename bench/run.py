"""``make bench`` / ``make bench-smoke``: the benchmark suite of issue 8, end to end.

Starts the production set-up on loopback (gunicorn with ``gunicorn.conf.py``, one sync worker
per core, ``DJANGO_DEBUG=0``, PostgreSQL with persistent connections, Redis, the ``db_worker``
sending SMS to the ``file`` backend), drives it with locust (headless, time-bounded), measures
the references in the same run (the "ok" view, the session-writing view, the Argon2id hash
rate on all cores, the django-allauth peer), then repeats the lookups on the large database.
Prints a table and writes JSON and a PNG (bench/report.py).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import report

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = ROOT / ".venv" / "bin"
PEER = ROOT / "bench" / "peers"
CORES = os.cpu_count() or 1
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PORT = int(os.environ.get("BENCH_PORT", "8765"))


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


FULL = Profile("full", 20, 50, 16, 1_000, int(os.environ.get("BENCH_LARGE", 1_000_000)), 10, 7)
SMOKE = Profile("smoke", 2, 5, 3, 400, 2_000, 1, 2)


def bench_env(db: str) -> dict[str, str]:
    """Production settings with the test switches the README allows for benchmarks."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))},
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOW_TEST_MODES": "1",
        "CAPTCHA_TEST_MODE": "1",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(OUT / "sms.jsonl"),
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"{PG}/{db}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_KEY_PREFIX": f"bench-{db}",
        "TASKS_BACKEND": "database",
        "PUBLIC_ORIGIN": f"http://127.0.0.1:{PORT}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",  # every simulated person sends its own X-Forwarded-For
        "WEB_CONCURRENCY": str(CORES),
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "PYTHONPATH": str(ROOT),
    }


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


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def portal(db: str):
    """gunicorn (gunicorn.conf.py) and one db_worker on ``db``; yields the gunicorn master."""
    env = bench_env(db)
    log = (OUT / f"server-{db}.log").open("ab")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
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
        stdout=log,
        stderr=log,
    )
    try:
        wait_http(f"http://127.0.0.1:{PORT}/healthz")
        drain_tasks(db)  # what an earlier run left behind
        yield server
    finally:
        stop(worker)
        stop(server)
        log.close()


@contextmanager
def allauth_peer(db: str):
    """The allauth peer under gunicorn, as many sync workers as the portal, on PORT + 1."""
    env = {**os.environ, "PEER_DATABASE_URL": f"{PG}/{db}", "DJANGO_SETTINGS_MODULE": "settings"}
    psql("CREATE SCHEMA IF NOT EXISTS allauth_peer", db)
    subprocess.run(
        [str(PEER / ".venv/bin/python"), "manage.py", "migrate", "-v", "0"],
        cwd=PEER / "allauth",
        env=env,
        check=True,
    )
    log = (OUT / "peer.log").open("ab")
    server = subprocess.Popen(
        [
            str(PEER / ".venv/bin/gunicorn"),
            "-w",
            str(CORES),
            "-b",
            f"127.0.0.1:{PORT + 1}",
            "--keep-alive",
            "5",
            "wsgi:application",
        ],
        cwd=PEER / "allauth",
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_http(f"http://127.0.0.1:{PORT + 1}/accounts/signup/")
        yield server
    finally:
        stop(server)
        log.close()


def locust(
    user_class: str, users: int, seconds: int, tag: str, port: int = PORT, **extra_env: str
) -> dict[str, dict]:
    """One headless locust run; its stats per request name, plus the load tool's CPU share."""
    prefix = OUT / tag
    env = {**bench_env("unused"), "BENCH_SEQ_BASE": str(time.time_ns() % 9_000_000), **extra_env}
    command = [
        str(BIN / "locust"),
        "-f",
        "bench/locustfile.py",
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--loglevel",
        "ERROR",
        user_class,
    ]
    with (OUT / f"{tag}.log").open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        _, _, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Name"] == "Aggregated":
                continue
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
    cpu = usage.ru_utime + usage.ru_stime
    stats["_load_tool"] = {"cpu_s": cpu, "wall_s": wall, "share": cpu / (wall * CORES)}
    print(
        f"  {tag}: "
        + ", ".join(
            f"{name} {s['rps']:.1f}/s p95 {s['p95_ms']:.0f} ms ({s['failures']} failed)"
            for name, s in stats.items()
            if not name.startswith("_")
        )
        + f"; locust CPU {stats['_load_tool']['share']:.0%}",
        flush=True,
    )
    return stats


def bank_phase(profile: Profile, tag: str, requests_file: Path) -> dict[str, dict]:
    """Signed confirmations, each on a new pending account, until time or accounts run out."""
    return locust(
        "BankUser", profile.users, profile.seconds, tag, BENCH_BANK_FILE=str(requests_file)
    )


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
    t = time.monotonic()
    manage(bench_env(small_db), "collectstatic", "--no-input", "-v", "0")
    results["seed_small_s"] = prepare_database(small_db, profile.small, fresh=True)
    results["seed_large_s"] = prepare_database(large_db, profile.large, fresh=bool(suffix))
    results["prepare_s"] = time.monotonic() - t
    env = bench_env(small_db)
    print(f"== {profile.name}: {CORES} cores, {small_db} ({profile.small} accounts)", flush=True)
    with portal(small_db) as server:
        locust("IdentityPageUser", profile.users, 2, "warmup")
        phases["ok"] = locust("OkUser", profile.users, profile.seconds, "ok")
        phases["session"] = locust("SessionUser", profile.users, profile.seconds, "session")
        phases["identity_get"] = locust(
            "IdentityPageUser", profile.users, profile.seconds, "identity_get"
        )
        phases["identity_post_small"] = locust(
            "IdentityPostUser", profile.users, profile.seconds, "identity_post_small"
        )
        # Every pending account of the small database, each confirmed once (then it stops).
        small_count = int(bench_task(env, "bank-requests", "100000", str(OUT / "bank-s.json")))
        phases["bank_small"] = bank_phase(profile, "bank_small", OUT / "bank-s.json")
        drained["bank_small"] = drain_tasks(small_db)
        phases["register"] = locust(
            "RegisterUser", profile.flow_users, profile.seconds * 2, "register"
        )
        drained["register"] = drain_tasks(small_db)
        results["hash"] = json.loads(bench_task(env, "hash-rate", str(profile.hash_seconds)))
        results["rss_mib"] = worker_rss(server)
    with allauth_peer(small_db):
        phases["allauth"] = locust(
            "AllauthSignupUser",
            profile.flow_users,
            profile.seconds * 2,
            "allauth",
            port=PORT + 1,
        )
    large_env = bench_env(large_db)
    print(f"== {large_db} ({profile.large} accounts)", flush=True)
    with portal(large_db) as server:
        locust("IdentityPageUser", profile.users, 2, "warmup-large")
        phases["ok_large"] = locust("OkUser", profile.users, profile.seconds, "ok_large")
        phases["identity_post_large"] = locust(
            "IdentityPostUser", profile.users, profile.seconds, "identity_post_large"
        )
        bench_task(large_env, "bank-requests", str(small_count), str(OUT / "bank-l1.json"))
        phases["bank_large_same"] = bank_phase(profile, "bank_large_same", OUT / "bank-l1.json")
        drained["bank_large_same"] = drain_tasks(large_db)
        count = str(profile.seconds * 400)
        bench_task(large_env, "bank-requests", count, str(OUT / "bank-l2.json"))
        phases["bank_large"] = bank_phase(profile, "bank_large", OUT / "bank-l2.json")
        drained["bank_large"] = drain_tasks(large_db)
        results["rss_mib_large"] = worker_rss(server)
    results["admin"] = json.loads(bench_task(large_env, "admin-timing", str(profile.admin_repeats)))
    results["machine_after"] = machine_state()
    results["total_s"] = time.monotonic() - t
    return results


if __name__ == "__main__":
    chosen = SMOKE if "--smoke" in sys.argv else FULL
    data = main(chosen)
    report.write(data, smoke=chosen is SMOKE)
