"""Template tags through which account pages show the bank activation channels."""

from django import template

from activation.channels import SEED_CHANNELS

register = template.Library()


@register.inclusion_tag("activation/channels.html")
def activation_channels() -> dict[str, object]:
    """Render every bank with the step-by-step instructions of each of its channels."""
    return {"banks": SEED_CHANNELS}
