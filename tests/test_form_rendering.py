"""The form renderer's short cut for ``<input>`` widgets (absher_portal/form_rendering.py)
writes exactly what Django's templates write, and steps aside when a template is overridden."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from absher_portal.form_rendering import INPUT_TEMPLATES, InputShortcutRenderer
from tests.people import MOBILE
from tests.test_ui_markup import PAGES

pytestmark = pytest.mark.django_db

#: The form pages with ``<input>`` widgets (the account page's one field is a radio choice).
INPUT_PAGES = [name for name in PAGES if name != "account"]


class ComparingRenderer(InputShortcutRenderer):
    """Renders every stock input both ways and fails on the first difference."""

    compared: list[str] = []

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        short = super().render(template_name, context, request)
        if request is None and self._is_stock(template_name):
            full = TemplatesSetting.render(self, template_name, context, request)
            assert short == full, template_name
            type(self).compared.append(template_name)
        return short


def test_the_project_renders_forms_with_the_short_cut(settings):
    assert settings.FORM_RENDERER == "absher_portal.form_rendering.InputShortcutRenderer"
    assert isinstance(get_default_renderer(), InputShortcutRenderer)


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("errors", [False, True], ids=["blank", "errors"])
@pytest.mark.parametrize("name", INPUT_PAGES)
def test_every_input_on_every_form_page_matches_the_templates(
    client, sms_outbox, settings, name, errors, language
):
    settings.FORM_RENDERER = f"{__name__}.ComparingRenderer"
    ComparingRenderer.compared = []
    client.cookies["django_language"] = language
    PAGES[name](client, sms_outbox, errors)
    assert ComparingRenderer.compared, "the page rendered inputs through the short cut"


ODD_TEXT = "<b>\"quoted\" & 'single'</b>"
ATTR_SETS = [
    {},
    {"required": True, "disabled": False, "maxlength": 40, "data-zero": 0, "data-none": None},
    {"placeholder": ODD_TEXT, "aria-describedby": "a b", "dir": "ltr"},
    {"placeholder": gettext_lazy("Enter your mobile number."), "data-safe": mark_safe("<i>")},
]
WIDGETS = [
    forms.TextInput,
    forms.EmailInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.NumberInput,
    forms.URLInput,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.FileInput,
]


@pytest.mark.parametrize("attrs", ATTR_SETS, ids=["none", "booleans", "escaping", "lazy-safe"])
@pytest.mark.parametrize("value", [None, "", MOBILE, ODD_TEXT, mark_safe("<safe>"), 7])
@pytest.mark.parametrize("widget_class", WIDGETS, ids=lambda w: w.__name__)
def test_the_short_cut_writes_what_the_templates_write(widget_class, value, attrs):
    widget = widget_class(attrs=attrs)
    if isinstance(widget, forms.PasswordInput):
        widget.render_value = True
    short, full = InputShortcutRenderer(), TemplatesSetting()
    assert widget.template_name in INPUT_TEMPLATES
    assert widget.render("field", value, renderer=short) == widget.render(
        "field", value, renderer=full
    )


def test_an_overridden_input_template_is_used_not_bypassed(settings, tmp_path):
    override = tmp_path / "django" / "forms" / "widgets"
    override.mkdir(parents=True)
    (override / "text.html").write_text('<span class="custom">{{ widget.name }}</span>')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    renderer = InputShortcutRenderer()

    assert forms.TextInput().render("field", "x", renderer=renderer) == (
        '<span class="custom">field</span>'
    )
    assert (
        forms.EmailInput().render("field", "x", renderer=renderer).startswith('<input type="email"')
    )
