"""Texts the activation app sends to people, in the recipient's language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from activation.models import ActivationEvent


def activation_sms_body(*, event: ActivationEvent, language: str) -> str:
    """The "your account is active" SMS."""
    with translation.override(language):
        return _(
            "Your Absher portal account is now active, confirmed through %(bank)s (%(channel)s). "
            "If you did not do this, contact your bank at once."
        ) % {"bank": event.bank.name, "channel": event.get_channel_display()}
