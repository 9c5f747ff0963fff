"""The environment of a production process, for tests that start one in a subprocess."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Production as README documents it: debug off, a real secret, HTTPS origin, Twilio for SMS.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "a-real-secret-key-for-this-test-only-0123456789abcdefghijkl",
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
