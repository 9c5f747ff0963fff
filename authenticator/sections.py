"""The security page's sections for the authenticator app and the recovery codes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from authenticator import recovery_codes, totp


def app_section(request: HttpRequest) -> dict[str, Any]:
    """The app: when it was set up and last used, and removing it; or setting one up."""
    return {"template": "authenticator/app_section.html", "app": totp.confirmed_app(request.user)}


def recovery_codes_section(request: HttpRequest) -> dict[str, Any]:
    """How many recovery codes are left, and making new ones (or getting the first ones)."""
    user = request.user
    return {
        "template": "authenticator/recovery_codes_section.html",
        "remaining": recovery_codes.remaining(user),
        "ever_made": recovery_codes.ever_made(user),
        "can_have_codes": recovery_codes.holds_strong_factor(user),
    }
