"""Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR the scrape adds every
process's counts up, the master creates no value before it forks, and gunicorn.conf.py's hooks
keep the directory right (empty at start, a dead worker's live gauges dropped)."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import requests

from tests.production_env import PRODUCTION, ROOT, free_port, prepare, process_env, running_gunicorn

SETUP = "import django; django.setup(); from absher_portal import metrics; "


def run(code: str, directory: Path) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "absher_portal.settings"}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    result = subprocess.run(  # noqa: S603 - a fixed argv built here
        [sys.executable, "-c", SETUP + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def scrape(directory: Path) -> str:
    """/metrics as a worker answers it, through the whole middleware stack."""
    return run(
        "from django.test import Client; "
        "r = Client().get('/metrics', REMOTE_ADDR='127.0.0.1'); "
        "assert r.status_code == 200, r.status_code; print(r.content.decode())",
        directory,
    )


def test_two_processes_counts_are_added_up_in_one_scrape(tmp_path):
    worker = (
        "metrics.registration_step_passed('identity', 'ar'); "
        "metrics.bank_confirmation('anb', 'atm', 'activated'); "
        "metrics.REQUEST_DURATION.labels('healthz').observe(0.02)"
    )
    run(worker, tmp_path)
    run(worker, tmp_path)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process

    text = scrape(tmp_path)

    assert 'portal_registrations_total{event="started",language="ar"} 2.0' in text
    assert (
        'portal_bank_confirmations_total{bank="anb",channel="atm",outcome="activated"} 2.0' in text
    )
    assert 'portal_request_duration_seconds_count{view="healthz"} 2.0' in text
    assert 'portal_request_duration_seconds_bucket{le="0.025",view="healthz"} 2.0' in text


def test_loading_and_warming_the_application_creates_no_value_before_the_fork(tmp_path):
    """What gunicorn's master does with preload_app (import, then when_ready's warm-up)."""
    run(
        "from absher_portal.wsgi import application; "
        "from absher_portal.warmup import warm_up; warm_up()",
        tmp_path,
    )
    assert list(tmp_path.iterdir()) == []


def gunicorn_config(directory: Path, monkeypatch) -> dict:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_the_master_empties_the_directory_when_it_starts(tmp_path, monkeypatch):
    config = gunicorn_config(tmp_path / "metrics", monkeypatch)
    (tmp_path / "metrics").mkdir()
    stale = tmp_path / "metrics" / "counter_4242.db"
    stale.write_bytes(b"\0" * 8)
    config["on_starting"](SimpleNamespace())
    assert (tmp_path / "metrics").is_dir()
    assert list((tmp_path / "metrics").iterdir()) == []


def test_a_dead_workers_counts_stay_and_its_live_gauges_go(tmp_path, monkeypatch):
    config = gunicorn_config(tmp_path, monkeypatch)
    kept, dropped = tmp_path / "counter_4242.db", tmp_path / "gauge_livesum_4242.db"
    kept.write_bytes(b"\0" * 8)
    dropped.write_bytes(b"\0" * 8)
    config["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4242))
    assert kept.exists() and not dropped.exists()


def test_the_hooks_do_nothing_without_the_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config["on_starting"](SimpleNamespace())
    config["child_exit"](SimpleNamespace(), SimpleNamespace(pid=4242))
    assert config["preload_app"] and callable(config["when_ready"])


HTTPS = {"X-Forwarded-Proto": "https", "Host": "portal.example.sa"}


def healthz_count(url: str) -> float:
    text = requests.get(f"{url}/metrics", headers=HTTPS, timeout=30).text
    match = re.search(
        r'^portal_request_duration_seconds_count\{view="healthz"\} (\S+)$', text, re.M
    )
    return float(match.group(1)) if match else 0.0


def test_gunicorn_workers_counts_add_up_even_after_workers_are_recycled(tmp_path):
    """Two workers, each replaced after about ten requests: every request still counts once."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"\0" * 8)  # a previous run's
    env = process_env(
        **PRODUCTION,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        SECURE_PROXY_SSL_HEADER_TRUSTED="1",
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        WEB_CONCURRENCY="2",
        GUNICORN_MAX_REQUESTS="10",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        CACHE_KEY_PREFIX=f"metrics-test-{os.getpid()}",
    )
    prepare(env)
    with running_gunicorn(env, tmp_path / "server.log", host="portal.example.sa") as (url, _):
        assert not (metrics_dir / "counter_999999.db").exists()
        before = healthz_count(url)
        for _ in range(40):
            assert requests.get(f"{url}/healthz", headers=HTTPS, timeout=30).status_code == 200
        after = healthz_count(url)
    assert after - before == 40
    pids = {name.stem.rsplit("_", 1)[1] for name in metrics_dir.glob("histogram_*.db")}
    assert len(pids) > 2  # workers were replaced, and their counts stayed
