"""Template tags through which account pages show the bank activation channels.

The accounts app never imports this app; its templates load this library instead.
"""

from django import template
from django.db.models import Prefetch

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
