"""Known devices: a browser that signed in to an account keeps its own count of wrong passwords.

The lockout counts wrong passwords per account (decision 98), so anyone who knows a person's
username or ID number could lock her sign-in again and again. A browser that completed a
sign-in (password and code) gets a signed cookie naming the account and a random device id
(OWASP's "device cookies"); on that browser the account's wrong passwords, lockout and captcha
demand are counted under the device's own key instead of the account's. A stranger's failures
then lock the account only for browsers that never signed in to it; the person's own browsers
go on as before, and her own wrong passwords there lock only that browser (decision 105).

The cookie holds no personal data (the account's primary key and 128 random bits), is
``HttpOnly``, ``SameSite=Lax``, ``Secure`` with the other cookies, and signed with
``SECRET_KEY`` under its own salt, so it cannot be forged or moved to another account. A new
one is issued at every completed sign-in.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts.models import User

COOKIE_NAME = "portal_device"
_SALT = "accounts.signin.devices"


def _max_age() -> int:
    return int(settings.SIGNIN_DEVICE_DAYS) * 24 * 60 * 60


def remember(response: HttpResponse, user: User) -> None:
    """Mark the browser that just completed a sign-in to ``user`` as one of its devices."""
    value = signing.dumps({"a": user.pk, "d": secrets.token_urlsafe(16)}, salt=_SALT)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=_max_age(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def device_key(request: HttpRequest, user: User) -> str | None:
    """The throttle key of this browser for ``user``, if it signed in to that account before."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_SALT, max_age=_max_age())
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != user.pk:
        return None
    device = data.get("d")
    if not isinstance(device, str) or not device:
        return None
    return f"device:{user.pk}:{device}"
