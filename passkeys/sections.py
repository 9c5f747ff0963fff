"""The passkeys section of the security page (``security.sections``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from passkeys import relying_party
from passkeys.services import MAX_PASSKEYS, passkeys_of


def passkeys_section(request: HttpRequest) -> dict[str, Any]:
    """The person's passkeys and, where the browser can make one, the "Add a passkey" button."""
    passkeys = list(passkeys_of(request.user))
    return {
        "template": "passkeys/section.html",
        "passkeys": passkeys,
        "can_add": relying_party.available() and len(passkeys) < MAX_PASSKEYS,
        "at_limit": len(passkeys) >= MAX_PASSKEYS,
        "max_passkeys": MAX_PASSKEYS,
        "origin": relying_party.origin(),
    }
