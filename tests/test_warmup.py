"""The warm-up a gunicorn master does before it forks (absher_portal/warmup.py, decision 274)."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys

from django.template import engines
from django.template.base import Template

from absher_portal.warmup import template_names, warm_up
from tests.production_env import ROOT


def test_every_page_template_is_found_by_its_loader_name():
    names = template_names()
    assert "base.html" in names
    assert "accounts/register/account.html" in names
    assert all(not name.startswith("/") for name in names)


def test_after_the_warm_up_no_page_template_is_compiled_again(monkeypatch):
    """The cached loader (production's, with DEBUG off) holds every template afterwards."""
    assert warm_up() == len(template_names())
    compiled = []
    real = Template.compile_nodelist
    monkeypatch.setattr(
        Template, "compile_nodelist", lambda self: compiled.append(self.name) or real(self)
    )
    for name in ("base.html", "accounts/register/account.html", "admin/index.html"):
        engines["django"].get_template(name)
    assert compiled == []


def test_the_warm_up_imports_the_views_too():
    """A worker forked later must not import views from files replaced since its master
    started (a release in progress): the master imports them all."""
    script = (
        "import django, sys; django.setup(); "
        "assert 'accounts.registration.views' not in sys.modules; "
        "from absher_portal.warmup import warm_up; warm_up(); "
        "print('accounts.registration.views' in sys.modules, 'activation.api' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "absher_portal.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True"]


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
