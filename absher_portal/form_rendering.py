"""The form renderer: Django's ``TemplatesSetting``, with plain ``<input>`` widgets written
directly in Python.

Django renders every input through three templates (``text.html`` includes ``input.html``,
which includes ``attrs.html``): about 0.2 ms per input, a fifth of a wizard page's server
time in the benchmarks' profile (issue 8). The markup those templates produce is one
element, so for the stock input templates this renderer writes the same element itself. The
templates stay in charge whenever the project overrides one of them: the short cut is only
taken while the template and the two it includes resolve to Django's own files.
``tests/test_form_rendering.py`` holds the short cut to byte-identical output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape

#: Django's own widget templates whose whole content is ``{% include ".../input.html" %}``.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in [
        *("checkbox", "color", "date", "datetime", "email", "file", "hidden"),
        *("number", "password", "search", "tel", "text", "time", "url"),
    ]
)
_INCLUDED = ("django/forms/widgets/input.html", "django/forms/widgets/attrs.html")
_DJANGO_FORM_TEMPLATES = Path(django.forms.__file__).resolve().parent / "templates"


def render_input(widget: dict[str, Any]) -> str:
    """The element ``input.html`` + ``attrs.html`` render for a widget context, autoescaped
    as the templates escape it (``stringformat:'s'`` keeps safe strings safe)."""
    parts = [f'<input type="{conditional_escape(widget["type"])}"']
    parts.append(f' name="{conditional_escape(widget["name"])}"')
    if widget["value"] is not None:
        parts.append(f' value="{conditional_escape(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    parts.append(">")
    return "".join(parts)


class InputShortcutRenderer(TemplatesSetting):
    """``TemplatesSetting`` (so ``templates/`` can override widget templates) that writes
    the stock ``<input>`` widgets directly."""

    def __init__(self) -> None:
        super().__init__()
        self._stock: dict[str, bool] = {}

    def _is_stock(self, template_name: str) -> bool:
        """Whether ``template_name`` and what it includes are Django's untouched files."""
        if template_name not in self._stock:
            self._stock[template_name] = template_name in INPUT_TEMPLATES and all(
                Path(self.get_template(name).origin.name)
                .resolve()
                .is_relative_to(_DJANGO_FORM_TEMPLATES)
                for name in (template_name, *_INCLUDED)
            )
        return self._stock[template_name]

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if request is None and self._is_stock(template_name):
            return render_input(context["widget"])
        return super().render(template_name, context, request)
