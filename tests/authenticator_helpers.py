"""Helpers of the authenticator app and recovery code tests: an app set up, codes made, as a
person would through the services (codes computed with pyotp, as an app computes them)."""

from __future__ import annotations

import pyotp

from accounts.models import User
from authenticator import recovery_codes, totp


def set_up_app(user: User) -> pyotp.TOTP:
    """Set up an authenticator app for ``user`` (a first code at the current step) and return
    what the app on the phone would hold."""
    key = totp.app_setup_start(user=user)
    app = pyotp.TOTP(key.secret)
    assert totp.app_setup_confirm(user=user, code=app.now()) is totp.Check.ACCEPTED
    return app


def make_codes(user: User) -> list[str]:
    """Ten recovery codes for ``user``, as the page shows them (``xxxxx-xxxxx``)."""
    return recovery_codes.recovery_codes_make(user=user)
