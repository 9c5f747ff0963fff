"""Settings come from the environment, and test-only modes never start in production."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.production_env import PRODUCTION, ROOT, process_env


def start_django(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_start():
    result = start_django(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    "override",
    [
        {"CAPTCHA_TEST_MODE": "1"},
        {"SMS_BACKEND": "console"},
        {"SMS_BACKEND": "locmem"},
        {"SMS_BACKEND": "file"},
    ],
)
def test_production_refuses_test_modes(override):
    result = start_django(**{**PRODUCTION, **override})
    assert result.returncode != 0
    assert "ALLOW_TEST_MODES" in result.stderr


def test_allow_test_modes_starts_with_a_loud_warning():
    result = start_django(**{**PRODUCTION, "SMS_BACKEND": "file", "ALLOW_TEST_MODES": "1"})
    assert result.returncode == 0, result.stderr
    assert "Never do this in production" in result.stderr


def test_production_refuses_the_development_secret_key():
    env = {**PRODUCTION}
    env.pop("SECRET_KEY")
    result = start_django(**env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_shared_cache():
    result = start_django(**{**PRODUCTION, "REDIS_URL": ""})
    assert result.returncode != 0
    assert "REDIS_URL must be set" in result.stderr


def test_sessions_and_the_cache_are_djangos_own(settings):
    """Public APIs only (issue 12): no subclass of Django's session store or Redis client."""
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    backends = {cache["BACKEND"] for cache in settings.CACHES.values()}
    assert backends <= {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.locmem.LocMemCache",
    }
