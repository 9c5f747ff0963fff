"""The Redis cache backend (absher_portal.redis_cache): one client object per pool, and it
still behaves as Django's Redis cache against the real server."""

from __future__ import annotations

import pytest
from django.conf import settings

from absher_portal.redis_cache import RedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


@pytest.fixture
def redis_cache():
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": "test-redis-cache"})
    yield cache
    cache.delete_many(["greeting", "counter", "missing"])


def test_the_project_uses_this_backend_with_redis():
    assert settings.CACHES["default"]["BACKEND"] == "absher_portal.redis_cache.RedisCache"


def test_cache_calls_share_one_client_object(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client("any-key") is client
    assert redis_cache._cache.get_client(write=True) is client


def test_it_reads_writes_counts_and_expires_like_djangos(redis_cache):
    redis_cache.set("greeting", {"en": "hello", "ar": "مرحبا"}, 30)
    assert redis_cache.get("greeting") == {"en": "hello", "ar": "مرحبا"}
    assert redis_cache.add("counter", 1, 30)
    assert not redis_cache.add("counter", 5, 30)
    assert redis_cache.incr("counter", 2) == 3
    assert redis_cache.get("missing", "default") == "default"
    redis_cache.set("greeting", "gone", 0)  # a zero timeout deletes, as in Django
    assert redis_cache.get("greeting") is None
