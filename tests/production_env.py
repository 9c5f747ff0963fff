"""The environment of a production process, for tests that start one in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

#: Production as README documents it: debug off, a real secret, HTTPS origin, Twilio for SMS.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "a-real-secret-key-for-this-test-only-0123456789abcdefghijkl",
    # 32 bytes in URL-safe base64: the authenticator apps' encryption key (decision 241).
    "FACTOR_SECRET_KEYS": "dGVzdC1vbmx5LWZhY3Rvci1zZWNyZXQta2V5LTMyYmI=",
    # The one-time codes' HMAC key, apart from SECRET_KEY (decision 302).
    "OTP_HMAC_KEY": "a-real-otp-hmac-key-for-this-test-only-0123456789abcdefghijkl",
    "SMS_BACKEND": "twilio",
    "ALLOWED_HOSTS": "portal.example.sa",
    "PUBLIC_ORIGIN": "https://portal.example.sa",
    # Starting needs the setting, not the server: nothing here connects until a request.
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
}

#: Variables of the developer's shell that would change what a production process does.
_LEAKY = {"CAPTCHA_TEST_MODE", "SMS_BACKEND", "ALLOW_TEST_MODES", "DJANGO_DEBUG", "LOG_FORMAT"}


def process_env(**overrides: str) -> dict[str, str]:
    """This shell's environment without test-mode switches, with ``overrides`` on top."""
    clean = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    return {**clean, "DJANGO_SETTINGS_MODULE": "absher_portal.settings", **overrides}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, for a test server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerFailed(RuntimeError):
    """A test server could not be prepared or did not start; the message holds its output."""


def prepare(env: dict[str, str]) -> None:
    """``collectstatic`` and ``migrate`` as ``make serve`` runs them, in ``env``."""
    for command in ("collectstatic", "migrate"):
        prepared = subprocess.run(  # noqa: S603 - a fixed argv built here
            [sys.executable, "manage.py", command, "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if prepared.returncode:
            raise ServerFailed(f"manage.py {command}:\n{prepared.stdout}{prepared.stderr}")


def _healthy(url: str, host: str | None) -> bool:
    try:
        response = requests.get(f"{url}/healthz", headers={"Host": host} if host else {}, timeout=2)
    except requests.RequestException:
        return False
    return response.status_code == 200


@contextmanager
def running_gunicorn(
    env: dict[str, str], log_path: Path, *, host: str | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn (``gunicorn.conf.py``, bound to ``GUNICORN_BIND``) until the block ends.

    Yields its URL and process once ``/healthz`` answers 200 (asked with ``host`` as the Host
    header, for servers whose ``ALLOWED_HOSTS`` is not 127.0.0.1); the log goes to ``log_path``.
    """
    url = f"http://{env['GUNICORN_BIND']}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url, host):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerFailed(f"gunicorn did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
