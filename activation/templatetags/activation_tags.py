"""Template tags through which account pages show the banks and their activation channels.

The accounts app never imports this app; its templates load this library instead.
"""

from __future__ import annotations

from django import template
from django.db.models import Prefetch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from activation.models import ActivationChannel, Bank

register = template.Library()


@register.inclusion_tag("activation/channels.html")
def activation_channels() -> dict[str, object]:
    """Render every active bank with the step-by-step instructions of its shown channels."""
    shown = ActivationChannel.objects.filter(is_active=True)
    banks = (
        Bank.objects.filter(is_active=True)
        .prefetch_related(Prefetch("channels", queryset=shown, to_attr="shown_channels"))
        .order_by("code")
    )
    return {"banks": [bank for bank in banks if bank.shown_channels]}


@register.simple_tag
def activating_banks() -> list[Bank]:
    """The banks that can activate an account now, for the start page to name before anyone
    registers (issue 14 item 1): every active bank, in the order the channels list them."""
    return list(Bank.objects.filter(is_active=True).order_by("code"))


@register.filter
def dial_links(text: str, number: str) -> SafeString:
    """``text`` escaped, with ``number`` (the channel's own, digits only) as a ``tel:`` link.

    Only the number the bank's channel records is linked, never other digits in the text
    ("Press 5, then 4"). The number is isolated left to right, so "+966…" keeps its "+" in
    front in Arabic.
    """
    if not number:
        return conditional_escape(text)
    link = format_html('<a href="tel:{0}"><bdi dir="ltr">{0}</bdi></a>', number)
    first, *rest = str(text).split(number)
    linked = conditional_escape(first)
    for part in rest:  # format_html escapes each plain part and keeps the link's markup
        linked = format_html("{}{}{}", linked, link, part)
    return linked
