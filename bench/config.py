"""Where the benchmark runs: paths, ports, the database server and the production-like
environment every process of the benchmark gets (bench/run.py, bench/load.py)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = ROOT / ".venv" / "bin"
PEER = ROOT / "bench" / "peers"
CORES = os.cpu_count() or 1
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
#: ``BENCH_PGBOUNCER`` (``postgres://user@host:port``): the servers and the task worker reach
#: PostgreSQL through this PgBouncer in transaction pooling (design.md §16); migrations and the
#: benchmark's own SQL still go to ``PG`` directly, as a release step would.
PGBOUNCER = os.environ.get("BENCH_PGBOUNCER", "")
#: ``BENCH_PORT`` pins the ports: the portal on 1 k accounts there, allauth on +1, the portal
#: on the large database on +2, allauth with the portal's Argon2id on +3. Unset, each server
#: gets a free loopback port (bench/servers.py).
EXPLICIT_PORT = int(os.environ["BENCH_PORT"]) if os.environ.get("BENCH_PORT") else None


def bench_env(db: str, port: int | None = None) -> dict[str, str]:
    """Production settings with the test switches the README allows for benchmarks.

    ``port`` is where the server of this environment listens (``GUNICORN_BIND``) and the
    origin requests are signed for; commands that serve nothing need none.
    """
    served = {"PUBLIC_ORIGIN": f"http://127.0.0.1:{port}", "GUNICORN_BIND": f"127.0.0.1:{port}"}
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
        "DATABASE_URL": f"{PGBOUNCER or PG}/{db}",
        "DATABASE_MIGRATION_URL": f"{PG}/{db}",
        "DATABASE_TRANSACTION_POOLING": "1" if PGBOUNCER else "0",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_KEY_PREFIX": f"bench-{db}",
        "TASKS_BACKEND": "database",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",  # every simulated person sends its own X-Forwarded-For
        "WEB_CONCURRENCY": str(CORES),
        "PYTHONPATH": str(ROOT),
        **(served if port is not None else {}),
    }
