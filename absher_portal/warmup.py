"""Work a web process would otherwise do on its first requests, done once before it forks.

gunicorn loads the application in its master (``preload_app``) and calls :func:`warm_up`
there; every worker it forks, the first ones and each replacement after ``max_requests``,
starts with Django imported, every template compiled and both languages' catalogues read.
Measured before (issue 16, decision 274): a worker's start cost about 0.6 s of CPU to import
and 0.3 s more on its first page, once every 2,000 requests.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.utils import translation


def template_names() -> list[str]:
    """Every ``.html`` template the Django engine can find, by its loader name."""
    names: set[str] = set()
    engine = engines["django"]
    for directory in engine.template_dirs:
        root = Path(directory)
        if root.is_dir():
            names.update(str(path.relative_to(root)) for path in root.rglob("*.html"))
    return sorted(names)


def warm_up() -> int:
    """Compile every template into the cached loader and read every catalogue; returns how
    many templates were compiled. A template that cannot compile is left to fail where it
    is used, as it would without the warm-up."""
    engine = engines["django"]
    compiled = 0
    for name in template_names():
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue
        compiled += 1
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Skip to main content")
    return compiled
