"""The warm-up a gunicorn master does before it forks (absher_portal/warmup.py, decision 274)."""

from __future__ import annotations

import runpy

from django.template import engines

from absher_portal.warmup import template_names, warm_up
from tests.production_env import ROOT


def test_every_page_template_is_found_by_its_loader_name():
    names = template_names()
    assert "base.html" in names
    assert "accounts/register/account.html" in names
    assert all(not name.startswith("/") for name in names)


def test_warm_up_compiles_every_template_it_finds(settings):
    engine = engines["django"]
    assert warm_up() == len(template_names())
    # Found again without compiling: the cached loader holds them (production's loaders).
    for name in ("base.html", "accounts/register/account.html"):
        assert engine.get_template(name).template.source


def test_gunicorn_preloads_and_recycles_workers_rarely(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    assert config["max_requests"] == 10_000
    assert callable(config["when_ready"])


def test_preloading_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["preload_app"] is False
