"""How another process reaches the database of this test run (pytest-django's ``test_…``)."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def database_url(name: str | None = None) -> str:
    """A ``DATABASE_URL`` for this run's PostgreSQL database, or for ``name`` on its server."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(name or db['NAME'], safe='')}"


def libpq_environment() -> dict[str, str]:
    """``PG*`` variables for ``pg_dump``/``pg_restore``/``psql`` to reach the same server."""
    db = connection.settings_dict
    values = {
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or ""),
        "PGUSER": db["USER"] or "",
        "PGPASSWORD": db["PASSWORD"] or "",
    }
    return {key: value for key, value in values.items() if value}
