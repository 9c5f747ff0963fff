"""Send limits and the sign-in lockout hold across web processes that share Redis (issue 6).

Two real gunicorn processes serve the portal from the test database and one Redis database;
each "browser" is a ``requests.Session`` talking plain HTTP to one process or the other. The
SMS go to a file (``SMS_BACKEND=file``), the only outbox another process can read. A third
pair of processes, each with its own local-memory cache, runs the same sequence as a control:
there the limit does not hold, so the shared test cannot pass by accident.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from accounts import limits
from accounts.limits import Limit
from accounts.signin import services as signin
from tests.database_urls import database_url
from tests.factories import make_user
from tests.people import PASSWORD
from tests.production_env import free_port

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3  # OTP sends per mobile and per ID per hour, and wrong passwords before the lockout
STARTUP_SECONDS = 30
RATE_LIMITED = "Too many codes have been requested. Wait an hour and try again."
LOCKED = "Too many attempts. Try again in"
CITIZEN_IDS = ["1000000008", "1058529940", "1000000016", "1000000024"]
MOBILES = ["+966551234560", "+966551234561", "+966551234562", "+966551234563"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the server processes must see the test's database "
        "(set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs Redis shared by the processes (set REDIS_URL)"
    ),
]


# --- the server processes -------------------------------------------------------------------
@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def server_environment(*, sms_file: Path, redis_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "absher_portal.settings",
        "DJANGO_DEBUG": "1",  # plain-HTTP cookies (Secure ones would need https)
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_ORIGIN": "http://127.0.0.1",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(sms_file),
        "CAPTCHA_TEST_MODE": "1",
        "TASKS_BACKEND": "immediate",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "OTP_LIMIT_PER_MOBILE": str(LIMIT),
        "OTP_LIMIT_PER_ID": str(LIMIT),
        "OTP_LIMIT_PER_IP": "1000",
        "OTP_RESEND_COOLDOWN_SECONDS": "0",
        "REGISTRATION_CHECKS_PER_IP": "1000",
        "LOGIN_ATTEMPTS_PER_IP": "1000",
        "LOGIN_LOCKOUT_FAILURES": str(LIMIT),
        "LOGIN_FAILURES_BEFORE_CAPTCHA": "1000",
        "PASSWORD_RESET_MIN_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    if not redis_url:
        del env["REDIS_URL"]
    return env


def start_servers(names: list[str], env: dict[str, str], log_dir: Path) -> list[Server]:
    """Start one single-worker gunicorn per name; return once every one answers HTTP."""
    servers = []
    for name in names:
        port = free_port()
        log_path = log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "absher_portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        servers.append(Server(name, f"http://127.0.0.1:{port}", process, log_path))
    try:
        for server in servers:
            wait_until_serving(server)
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server {server.name} exited at startup:\n{server.log()}")
        try:
            if requests.get(f"{server.url}/login/", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server {server.name} did not answer within {STARTUP_SECONDS} s:\n{server.log()}")


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at REDIS_URL does not answer: {exc}")
    return settings.REDIS_URL


@pytest.fixture(scope="module")
def sms_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sms") / "sms.jsonl"


def _server_pair(names, env, tmp_path_factory) -> Iterator[tuple[Server, Server]]:
    servers = start_servers(names, env, tmp_path_factory.mktemp("logs"))
    try:
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def shared(django_db_setup, redis_url, sms_file, tmp_path_factory):
    """Two processes sharing the test database and the test's Redis database."""
    env = server_environment(sms_file=sms_file, redis_url=redis_url)
    yield from _server_pair(["A", "B"], env, tmp_path_factory)


@pytest.fixture(scope="module")
def separate(django_db_setup, redis_url, sms_file, tmp_path_factory):
    """The control: two processes sharing the database, each with its own memory cache."""
    env = server_environment(sms_file=sms_file, redis_url="")
    yield from _server_pair(["C", "D"], env, tmp_path_factory)


@pytest.fixture(autouse=True)
def _fresh_sms_file_and_logs_on_failure(request, sms_file):
    """Start each test with no SMS; print what the servers logged meanwhile (shown on failure)."""
    sms_file.unlink(missing_ok=True)
    servers = [
        request.getfixturevalue(name)
        for name in ("shared", "separate")
        if name in request.fixturenames
    ]
    offsets = [(server, len(server.log())) for pair in servers for server in pair]
    yield
    for server, offset in offsets:
        sys.stderr.write(f"--- server {server.name} log ---\n{server.log()[offset:]}\n")


# --- browsers -------------------------------------------------------------------------------
def browser() -> requests.Session:
    """A new browser, reading English (Arabic is the default)."""
    session = requests.Session()
    session.cookies.set("django_language", "en")
    return session


def csrf_token(page: requests.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {page.url} ({page.status_code})"
    return match.group(1)


def post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    """GET the page (for its CSRF token), then POST the form as a browser would."""
    page = session.get(url, timeout=30)
    return session.post(url, {**data, "csrfmiddlewaretoken": csrf_token(page)}, timeout=30)


def request_registration_code(server: Server, *, national_id: str, mobile: str):
    """A new browser fills the identity and account steps: the code is sent (or refused)."""
    session = browser()
    identity = post_form(
        session,
        f"{server.url}/register/identity/",
        {
            "registration_wizard-current_step": "identity",
            "identity-national_id": national_id,
            "identity-mobile": mobile,
            "identity-email": "person@example.sa",
        },
    )
    assert identity.url.endswith("/register/account/"), identity.text
    return post_form(
        session,
        f"{server.url}/register/account/",
        {
            "registration_wizard-current_step": "account",
            "account-username": "person2024",
            "account-password1": PASSWORD,
            "account-password2": PASSWORD,
            "account-preferred_language": "en",
            "account-captcha_0": "any",
            "account-captcha_1": "passed",
            "account-accept_terms": "on",
        },
    )


def sign_in(server: Server, *, identifier: str, password: str) -> requests.Response:
    return post_form(
        browser(),
        f"{server.url}/login/",
        {"identifier": identifier, "password": password},
    )


def sms_sent(sms_file: Path) -> list[dict]:
    if not sms_file.exists():
        return []
    return [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]


def shared_count(limit: Limit, value: str) -> int:
    """What the shared cache counts for one send limit, read by this (third) process."""
    return limit.peek(value).count


# --- tests ----------------------------------------------------------------------------------
def test_send_limit_per_mobile_holds_across_processes(shared, sms_file):
    a, b = shared
    mobile = MOBILES[0]
    for server, national_id in zip((a, a, b), CITIZEN_IDS, strict=False):
        sent = request_registration_code(server, national_id=national_id, mobile=mobile)
        assert sent.url.endswith("/register/verify/"), sent.text

    refused = request_registration_code(a, national_id=CITIZEN_IDS[3], mobile=mobile)

    assert refused.status_code == 200
    assert refused.url.endswith("/register/account/")
    assert RATE_LIMITED in refused.text
    assert [sms["to"] for sms in sms_sent(sms_file)] == [mobile] * LIMIT
    assert shared_count(limits.REGISTRATION_SENDS_PER_MOBILE, mobile) == LIMIT + 1


def test_send_limit_per_id_holds_across_processes(shared, sms_file):
    a, b = shared
    national_id = CITIZEN_IDS[0]
    for server, mobile in zip((b, a, b), MOBILES, strict=False):
        sent = request_registration_code(server, national_id=national_id, mobile=mobile)
        assert sent.url.endswith("/register/verify/"), sent.text

    refused = request_registration_code(a, national_id=national_id, mobile=MOBILES[3])

    assert RATE_LIMITED in refused.text
    assert [sms["to"] for sms in sms_sent(sms_file)] == MOBILES[:LIMIT]
    assert shared_count(limits.REGISTRATION_SENDS_PER_ID, national_id) == LIMIT + 1


def test_control_with_a_cache_per_process_the_same_sends_are_not_limited(separate, sms_file):
    c, d = separate
    mobile = MOBILES[0]
    for server, national_id in zip((c, c, d, c), CITIZEN_IDS, strict=True):
        sent = request_registration_code(server, national_id=national_id, mobile=mobile)
        assert sent.url.endswith("/register/verify/"), sent.text

    assert len(sms_sent(sms_file)) == LIMIT + 1


def test_sign_in_lockout_holds_across_processes(shared, sms_file):
    a, b = shared
    account = make_user("ahmed2024", CITIZEN_IDS[0], MOBILES[0])
    for server in (a, b):
        wrong = sign_in(server, identifier="ahmed2024", password="Wrong7Password")
        assert wrong.status_code == 200
        assert "is not correct" in wrong.text

    third = sign_in(a, identifier="AHMED2024", password="Wrong7Password")

    assert third.status_code == 429
    assert LOCKED in third.text
    for server in (b, a):
        right = sign_in(server, identifier="ahmed2024", password=PASSWORD)
        assert right.status_code == 429
        assert LOCKED in right.text
        assert right.url.endswith("/login/")
    assert sms_sent(sms_file) == []
    assert signin.lockout_remaining(signin.account_key(account)) > 0
