"""Work a web process would otherwise do on its first requests, done once before it forks.

gunicorn loads the application in its master (``preload_app``) and calls :func:`warm_up`
there; every worker it forks, the first ones and each replacement after ``max_requests``,
starts with Django imported, the URL configuration and every view imported, every template
compiled and both languages' catalogues read. Measured before (issue 16, decision 274): a
worker's start cost about 0.6 s of CPU to import and 0.3 s more on its first page, once every
2,000 requests. Importing the views here also means a worker forked after new files were put
in place still runs the code its master loaded, all of it.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver
from django.utils import translation


def template_dirs() -> list[Path]:
    """Where the Django engine looks for templates: ``DIRS``, then each app's ``templates``."""
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    if any(engine.get("APP_DIRS") for engine in settings.TEMPLATES):
        dirs += [Path(app.path) / "templates" for app in apps.get_app_configs()]
    return dirs


def template_names() -> list[str]:
    """Every ``.html`` template found there, by the name a view loads it with."""
    names: set[str] = set()
    for root in template_dirs():
        if root.is_dir():
            names.update(str(path.relative_to(root)) for path in root.rglob("*.html"))
    return sorted(names)


def warm_up() -> int:
    """Import every view, compile every template into the cached loader and read every
    catalogue; returns how many templates were compiled. A template that cannot compile is
    left to fail where it is used, as it would without the warm-up."""
    get_resolver().url_patterns  # noqa: B018 - imports the URL configuration and its views
    compiled = 0
    for name in template_names():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue
        compiled += 1
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Skip to main content")
    return compiled
