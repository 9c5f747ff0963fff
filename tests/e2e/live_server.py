"""The production-like server of the browser tests: gunicorn as `make serve` runs it.

DEBUG off, WhiteNoise, the strict CSP and two sync workers (one without ``REDIS_URL``), plus
the switches a browser test needs: the captcha answer "passed" (``CAPTCHA_TEST_MODE``, read by
django-simple-captcha at import, so it is in the environment before the process starts), SMS
appended to a JSON-lines file (the ``file`` backend), plain HTTP and a resend cooldown of a few
seconds. It migrates a scratch database of its own: a temporary SQLite file, or, when
``DATABASE_URL`` names PostgreSQL, ``<name>_browser`` on the same server, created fresh and
dropped afterwards. Cache keys get a prefix of their own, so a shared ``REDIS_URL`` is fine.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.production_env import (
    ROOT,
    free_port,
    prepare,
    process_env,
    running_gunicorn,
)

#: The resend button's cooldown on the test server: short enough to watch it reach zero.
RESEND_COOLDOWN_SECONDS = 4
_CODE = re.compile(r"#([0-9]{6})\s*$")


@dataclass
class Server:
    """The running gunicorn: its origin, environment, log and SMS outbox file."""

    url: str
    env: dict[str, str]
    log_path: Path
    sms_path: Path
    process: subprocess.Popen = field(repr=False)

    def url_for(self, path: str) -> str:
        return self.url + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def sms(self) -> list[dict[str, Any]]:
        """Every message the server has "sent" (``to``, ``body``, ``purpose``, ``sent_at``)."""
        if not self.sms_path.exists():
            return []
        lines = self.sms_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def sms_count(self) -> int:
        return len(self.sms())

    def latest_code(
        self,
        *,
        mobile: str | None = None,
        purpose: str | None = None,
        after: int = 0,
        timeout: float = 10,
    ) -> str:
        """The code of the newest SMS (to ``mobile``, any notation; of ``purpose``) beyond the
        first ``after`` messages, waiting up to ``timeout`` seconds for it to be written."""
        wanted = "+966" + mobile.removeprefix("0") if mobile and mobile.startswith("0") else mobile
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.sms()[after:]):
                if wanted and message["to"] != wanted:
                    continue
                if purpose and message["purpose"] != purpose:
                    continue
                match = _CODE.search(message["body"])
                if match:
                    return match.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no SMS with a code for {wanted or 'anyone'} ({purpose})")
            time.sleep(0.1)

    def manage(
        self, *args: str, timeout: float = 120, **kwargs: Any
    ) -> subprocess.CompletedProcess:
        """Run ``manage.py args`` with the server's environment (its database, its settings);
        a failure fails the test with the command's own error output, not just its exit code."""
        done = subprocess.run(  # noqa: S603 - our interpreter, argv built by the tests
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )
        if done.returncode:
            raise AssertionError(
                f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}"
            )
        return done


def scratch_database(work: Path, *, suffix: str = "browser") -> tuple[str, Callable[[], None]]:
    """A ``DATABASE_URL`` for the server and a function that drops it afterwards.

    SQLite: a file in ``work``. PostgreSQL: ``<name>_<suffix>`` beside the caller's database,
    created fresh (each test module that starts a server names its own ``suffix``).
    """
    caller = os.environ.get("DATABASE_URL", "")
    if not caller.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{work / 'db.sqlite3'}", lambda: None

    import environ
    import psycopg2

    config = environ.Env.db_url_config(caller)
    name = f"{config['NAME']}_{suffix}"
    connect = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or None,
    }

    def run(sql: str) -> None:
        connection = psycopg2.connect(**{k: v for k, v in connect.items() if v})
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    url = caller.rsplit("/", 1)[0] + "/" + name
    return url, lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_environment(work: Path, port: int, database_url: str) -> dict[str, str]:
    """This shell's environment (``REDIS_URL`` included) with the e2e server's settings.

    The browser reaches the server as ``localhost``: passkeys need a host name for their RP ID
    (Chromium refuses an IP address), and ``localhost`` is a secure context over plain HTTP.
    """
    url = f"http://localhost:{port}"
    return process_env(
        DJANGO_DEBUG="0",
        ALLOW_TEST_MODES="1",
        CAPTCHA_TEST_MODE="1",
        SECRET_KEY="e2e-" + secrets.token_urlsafe(48),
        # As in production: the authenticator apps' secrets sealed with a key of their own.
        FACTOR_SECRET_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"),
        # ... and the one-time codes' HMAC under a key of its own (decision 302).
        OTP_HMAC_KEY="e2e-otp-" + secrets.token_urlsafe(48),
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(work / "sms.jsonl"),
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",  # 127.0.0.1: the readiness probe
        PUBLIC_ORIGIN=url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        # Two workers need a cache they share (REDIS_URL): with each process's own local-memory
        # cache, ``cached_db`` sessions go stale between workers (wizard steps seem lost).
        WEB_CONCURRENCY="2" if os.environ.get("REDIS_URL") else "1",
        STATIC_ROOT=str(work / "static"),
        TASKS_BACKEND="immediate",
        DATABASE_URL=database_url,
        CACHE_KEY_PREFIX=f"e2e-{port}-{os.getpid()}",
        OTP_RESEND_COOLDOWN_SECONDS=str(RESEND_COOLDOWN_SECONDS),
        # Every browser comes from 127.0.0.1: per-address limits would count the whole session.
        OTP_LIMIT_PER_IP="10000",
        REGISTRATION_CHECKS_PER_IP="10000",
        LOGIN_ATTEMPTS_PER_IP="10000",
        PASSWORD_RESET_REQUESTS_PER_IP="10000",
        CAPTCHA_AUDIO_PER_IP="10000",
        PASSKEY_SIGN_IN_REQUESTS_PER_IP="10000",
        PASSWORD_RESET_MIN_SECONDS="0",
        # The admin journeys sign staff in with the SMS code; the strong-factor rule has its
        # own tests (tests/test_staff_strong_factor.py).
        STAFF_REQUIRE_STRONG_FACTOR="0",
    )


@contextmanager
def running_server(work: Path) -> Iterator[Server]:
    """collectstatic, migrate, then gunicorn until the block ends (log in ``work``)."""
    port = free_port()
    database_url, drop_database = scratch_database(work)
    try:
        env = server_environment(work, port, database_url)
        prepare(env)
        with running_gunicorn(env, work / "server.log") as (_, process):
            url = env["PUBLIC_ORIGIN"]
            yield Server(url, env, work / "server.log", work / "sms.jsonl", process)
    finally:
        drop_database()
