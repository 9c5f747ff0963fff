"""``{% passkey_sign_in next %}``: the "Sign in with a passkey" block of the login page.

The login page belongs to the sign-in; this tag lets it show the passkey button without the
sign-in knowing how passkeys work. The block is rendered hidden and shown by
``static/js/passkeys.js`` only where the browser has WebAuthn, so without JavaScript or
without passkey support the page is exactly the password sign-in.
"""

from __future__ import annotations

from typing import Any

from django import template

from passkeys import relying_party

register = template.Library()


@register.inclusion_tag("passkeys/sign_in.html", takes_context=True)
def passkey_sign_in(context: template.Context, next_url: str = "") -> dict[str, Any]:
    """The hidden block, its endpoints and messages, carrying on ``next`` (already checked)."""
    return {
        "available": relying_party.available(),
        "origin": relying_party.origin(),
        "next": next_url,
        "csrf_token": context.get("csrf_token"),
    }
