"""The SMS about a sign-in from a browser new to the account (design.md §19, decision 263).

A browser is new to an account when it brings no valid device cookie of that account
(``accounts.signin.devices``): it never completed a sign-in to it, or its cookie was cleared
or has expired. The check runs on ``user_logged_in``, so every way to sign in (password and
SMS, an authenticator app, a passkey) is covered without code of its own. The very first
sign-in of an account tells nothing: the person has just registered, and a message saying
"if this was not you" would only alarm them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from accounts.models import AccountEvent, User
from accounts.security_changes import record_security_change
from accounts.signin import devices
from security.sessions import browsers


def is_new_browser(request: HttpRequest, user: User) -> bool:
    """Whether the browser of ``request`` has never completed a sign-in to ``user``."""
    return devices.device_key(request, user) is None


def tell_new_browser_sign_in(request: HttpRequest, user: User) -> AccountEvent:
    """Record the sign-in from a new browser and owe the person its SMS, naming the browser
    in their language ("Chrome on Android"; in Arabic the Latin names in isolates)."""
    browser = browsers.identify(request.headers.get("User-Agent", ""))
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        device = browsers.describe(browser.name, browser.platform)
    details = {"device": device, "browser": browser.name, "platform": browser.platform}
    return record_security_change(
        account=user, kind=AccountEvent.Kind.NEW_DEVICE_SIGN_IN, source="signin", details=details
    )
