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
PORT = int(os.environ.get("BENCH_PORT", "8765"))  # the portal on 1 k accounts; +1 allauth
LARGE_PORT = PORT + 2  # the portal on the large database, up at the same time


def bench_env(db: str, port: int = PORT) -> dict[str, str]:
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
        "PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",  # every simulated person sends its own X-Forwarded-For
        "WEB_CONCURRENCY": str(CORES),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
