"""What a passkey ceremony can answer when it fails, one translated message per code.

The codes are the JSON answers' ``error`` (the page's script shows ``message``). A refused
sign-in never says why: an unknown passkey, a suspended account, a wrong signature and a
possible copy all read alike, so the answer tells a stranger nothing about an account.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

#: Adding a passkey.
REGISTRATION_ERRORS = {
    "failed": _("The passkey could not be added. Try again."),
    "expired": _("Adding the passkey took too long. Try again."),
    "already_added": _("This passkey is already added to your account."),
    "too_many": _("You have the most passkeys an account can have. Remove one to add another."),
    "rate_limited": _(
        "You have asked to add a passkey too many times. Wait a while and try again."
    ),
}

#: Signing in with a passkey.
SIGN_IN_ERRORS = {
    "failed": _(
        "We could not sign you in with this passkey. Try again, or sign in with your password."
    ),
    "expired": _("Signing in took too long. Try again."),
}
