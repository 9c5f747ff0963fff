"""Production hardening (issue 6): deploy checks, security headers, CSP, health, static files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from tests.factories import sign_in_as
from tests.people import CITIZEN_ID, MOBILE, PASSWORD
from tests.production_env import PRODUCTION, ROOT, process_env

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}
TEMPLATE_DIRS = [
    ROOT / "templates",
    ROOT / "accounts",
    ROOT / "activation",
    ROOT / "pages",
    ROOT / "security",
    ROOT / "passkeys",
    ROOT / "authenticator",
]


def test_check_deploy_prints_no_warnings_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=process_env(**PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_security_headers(client):
    response = client.get(reverse("accounts:home"))
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def _template_files() -> list[Path]:
    return [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]


INLINE_CODE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize("kind", sorted(INLINE_CODE))
def test_no_template_holds_inline_code_the_policy_would_block(kind):
    pattern = INLINE_CODE[kind]
    offenders = [
        str(path.relative_to(ROOT))
        for path in _template_files()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert _template_files(), "no templates found: the scan proves nothing"
    assert offenders == [], f"{kind} in {offenders}"


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_and_cache_work(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]
    assert not response.cookies, "a probe must not create sessions or set cookies"


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_cache_when_redis_is_unreachable(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_healthz_refuses_methods_that_change_things(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/login/", {"identifier": "ahmed2024", "password": PASSWORD}),
        ("post", "/register/identity/", {}),
        ("post", "/password-reset/", {"national_id": CITIZEN_ID, "mobile": MOBILE}),
    ],
)
def test_a_redis_outage_gives_a_translated_503_page_not_a_500(method, url, data):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = getattr(client, method)(url, data)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Service temporarily unavailable" in response.content.decode()
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_the_empty_sign_in_page_needs_no_redis():
    """It reads no counter: the captcha follows identifiers, not addresses (decision 171)."""
    client = Client(raise_request_exception=False)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        assert client.get("/login/").status_code == 200


@pytest.mark.django_db
def test_a_redis_outage_while_asking_for_the_captcha_recording_is_a_503():
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    client = Client(raise_request_exception=False)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get(f"/captcha/audio/{key}.wav")
    assert response.status_code == 503


@pytest.mark.django_db
def test_a_database_outage_while_reading_a_session_is_a_503(monkeypatch):
    """The session is read by middleware before any view; that outage is a 503 too."""
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import OperationalError

    from tests.factories import make_user

    client = Client(raise_request_exception=False)
    sign_in_as(client, make_user("ahmed2024", CITIZEN_ID, MOBILE, status="active"))
    cache.clear()  # the session is no longer in the cache: cached_db reads the database

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(Session.objects, "get", database_down)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
