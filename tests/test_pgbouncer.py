"""Many web machines share PostgreSQL through PgBouncer in transaction pooling (issue 16 item
5, design.md §16): what the portal needs for it, and that it keeps no state on a connection.

The race suite itself runs through PgBouncer in ``.ci/run``; these tests check the settings,
where migrations go, that no runtime code holds session state on a connection, and that the
test PgBouncer (tests/pgbouncer.py) serves the portal.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS

from absher_portal import database_roles
from tests import pgbouncer
from tests.production_env import ROOT

RUNTIME_PACKAGES = ("accounts", "activation", "sms", "pages", "security", "absher_portal")
#: Code that may hold session state, because it runs through DATABASE_MIGRATION_URL, directly.
MIGRATION_CODE = ("migrations", "migration_ops.py", "migrate_locked.py")
#: ``SET name = …`` / ``SET SESSION name TO …``: a setting that outlives its transaction.
SESSION_SET = re.compile(r"^SET\s+(SESSION\s+)?[A-Z_][A-Z_.]*\s*(=|TO\s)")


def settings_with(**env: str) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(json.dumps([s.DATABASE_TRANSACTION_POOLING, d['DISABLE_SERVER_SIDE_CURSORS']]))"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")},
        "DJANGO_SETTINGS_MODULE": "absher_portal.settings",
        **env,
    }
    out = subprocess.run(  # noqa: S603 - this interpreter, code written here
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_transaction_pooling_turns_server_side_cursors_off():
    assert settings_with() == [False, False]
    assert settings_with(DATABASE_TRANSACTION_POOLING="1") == [True, True]


def test_migrations_go_straight_to_postgresql_when_the_web_goes_through_pgbouncer(settings):
    direct = {**settings.DATABASES[DEFAULT_DB_ALIAS], "PORT": "5432"}
    settings.DATABASES = {DEFAULT_DB_ALIAS: {**direct, "PORT": "6432"}}
    settings.MIGRATION_DATABASE = direct
    assert not database_roles.separate_roles()  # one role: nothing to grant
    assert database_roles._migrations_elsewhere()  # but another address: switch for the block
    settings.DATABASES = {DEFAULT_DB_ALIAS: direct}
    assert not database_roles._migrations_elsewhere()


def session_state_calls(path: Path) -> list[str]:
    """SQL strings in ``path`` that would leave state on a pooled server connection."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            sql = " ".join(node.value.upper().split())
            session_lock = "PG_ADVISORY_LOCK(" in sql or "PG_TRY_ADVISORY_LOCK(" in sql
            session_set = bool(SESSION_SET.match(sql))
            if session_lock or session_set or sql.startswith(("LISTEN ", "PREPARE ")):
                found.append(f"{path.relative_to(ROOT)}: {node.value!r}")
    return found


def test_no_runtime_code_keeps_session_state_on_a_connection():
    """Transaction pooling hands a server connection to another client after each
    transaction: a session advisory lock, a plain SET, LISTEN or PREPARE would stay behind on
    it. Advisory locks at runtime are transaction-scoped (pg_advisory_xact_lock)."""
    found = []
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if not any(part in MIGRATION_CODE for part in path.parts):
                found += session_state_calls(path)
    assert found == []


def test_the_check_finds_a_session_lock_and_a_session_setting_not_a_docstring():
    sample = ROOT / "accounts" / "_session_state_sample.py"
    sample.write_text(
        '"""Set ``password`` and record it."""\n'
        'SQL = "SELECT pg_advisory_lock(%s)"\n'
        'OTHER = "SET statement_timeout = 1"\n'
        'FINE = "SET LOCAL lock_timeout = 1"\n'
    )
    try:
        assert len(session_state_calls(sample)) == 2
    finally:
        sample.unlink()


def test_the_portal_answers_through_the_test_pgbouncer():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if pgbouncer.binary() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true: pgbouncer is not installed; .ci/run installs it")
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    # Not pytest's tmp_path: PgBouncer drops to the postgres user, who cannot enter it.
    work = Path(tempfile.mkdtemp(prefix="pgbouncer-test-"))
    port = pgbouncer.start(work)
    try:
        code = (
            "import django; django.setup(); from django.db import connection as c; "
            "c.ensure_connection(); cur = c.cursor(); "
            "cur.execute('SELECT pg_advisory_xact_lock(7), 1'); print(cur.fetchone()[1])"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "absher_portal.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres",
            "DATABASE_TRANSACTION_POOLING": "1",
        }
        out = subprocess.run(  # noqa: S603 - this interpreter, code written here
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "1"
        assert "login attempt" in (work / "pgbouncer.log").read_text()
    finally:
        pgbouncer.stop(work)
        shutil.rmtree(work, ignore_errors=True)
