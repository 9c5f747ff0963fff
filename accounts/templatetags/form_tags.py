"""Form rendering helpers: tie hints and errors to their inputs, and say "Error:" in the title."""

from django import template
from django.contrib import messages
from django.forms import BoundField, Form
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def field_widget(field: BoundField) -> SafeString:
    """Render the field's input with ``aria-describedby`` naming its hint and its errors."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_errors")
    attrs: dict[str, str] = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


def page_shows_errors(context: template.Context) -> bool:
    """Whether the page being rendered shows errors: its ``form`` has some (the wizard's
    form too), a view said so (``page_has_errors``), or a message of error level waits."""
    form = context.get("form")
    if isinstance(form, Form) and form.errors:
        return True
    if context.get("page_has_errors"):
        return True
    return any(message.level >= messages.ERROR for message in context.get("messages") or ())


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    """ "Error: " before the page's title when it shows errors (GOV.UK's pattern), so a screen
    reader user hears at once that the page came back with something to fix."""
    return f"{gettext('Error:')} " if page_shows_errors(context) else ""


@register.filter
def field_anchor(field: BoundField) -> str:
    """The id an error summary link points to for ``field``: its input, or a group's first."""
    return field.id_for_label or f"{field.auto_id}_0"


@register.simple_tag
def error_target(form: Form) -> str:
    """The id a form-wide error's summary link points to: the form's first visible input."""
    for field in form.visible_fields():
        return field_anchor(field)
    return ""
