"""What each error code says to the person, in one place (Arabic and English by gettext).

Services raise stable codes (``otp.OtpError("locked")``, ``RegistrationConflict("username_taken",
...)``); forms and views turn them into text here. A journey whose wording differs (sign-in,
password reset) has its own table built on the shared one, so a code's text is never copied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class CodedError(Protocol):
    code: str
    params: dict[str, int]


#: Sending and checking one-time codes, in the registration's words.
CODE_ERRORS: Mapping[str, Promise] = {
    "rate_limited": _("Too many codes have been requested. Wait an hour and try again."),
    "send_failed": _("We could not send the SMS. Try again in a moment."),
    "sms_invalid_number": _(
        "This number cannot receive SMS messages. Check it, or use another mobile number."
    ),
    "locked": _(
        "Too many wrong codes were entered for this mobile number. "
        "Try again in %(time)s (minutes:seconds)."
    ),
    "already_verified": _("This code has already been used."),
    "code_format": _("Enter the 6 digits of the code."),
    "wrong_code": _("The code is not correct."),
    "attempts_exhausted": _("Too many wrong tries for this code. Request a new code."),
    "expired": _("This code has expired. Request a new code."),
    "no_challenge": _("No code has been sent yet. Go back and send one."),
}

#: The sign-in's code step: the number is the account's own, and locking ends the sign-in.
SIGNIN_CODE_ERRORS: Mapping[str, Promise] = {
    **CODE_ERRORS,
    "locked": _(
        "Too many wrong codes were entered for this account. "
        "Sign in again in %(time)s (minutes:seconds)."
    ),
    "no_challenge": _("Your sign-in has expired. Sign in again."),
    "sms_invalid_number": _(
        "The mobile number on your account cannot receive SMS messages, so we cannot "
        "send you a sign-in code. Ask the portal's support to update your number."
    ),
    "no_mobile": _(
        "We cannot send you a sign-in code: this account's mobile number was "
        "moved to a newer registration. If your account still waits for bank "
        "activation, register again with your current mobile number; otherwise "
        "ask the portal's support to update your number."
    ),
}

#: Password reset: the cap is on the details typed (ID number and mobile), not on a session.
RESET_LOCKED = _(
    "Too many wrong codes were entered for these details. Try again in %(time)s (minutes:seconds)."
)

#: Password reset, checking a code.
RESET_CODE_ERRORS: Mapping[str, Promise] = {
    **CODE_ERRORS,
    "locked": RESET_LOCKED,
    "no_challenge": _("No code has been sent yet. Start the password reset again."),
}

#: Password reset, sending a code.
RESET_SEND_ERRORS: Mapping[str, Promise] = {**CODE_ERRORS, "locked": RESET_LOCKED}

#: Completing a registration: something changed since the person's steps were checked.
REGISTRATION_CONFLICTS: Mapping[str, Promise] = {
    "id_registered": _(
        "An activated account already exists for this ID number. "
        "Sign in, or reset your password if you have forgotten it."
    ),
    "username_taken": _("This username is already taken. Choose another one."),
    "mobile_of_staff": _(
        "This mobile number belongs to a staff account and cannot move to a new registration. "
        "Use another mobile number."
    ),
    "code_not_verified": _("Your verification code is no longer valid. Request a new one."),
    "concurrent_registration": _(
        "Another registration with these details was completed at the same moment. "
        "Check your details and try again."
    ),
}

#: Too many requests from one network (sign-in, registration, password reset).
NETWORK_RATE_LIMITED = _("Too many attempts from your network. Wait a while and try again.")

#: A new code went out (registration and sign-in).
CODE_RESENT = _("A new code has been sent to your mobile.")


def minutes_seconds(seconds: int) -> str:
    """``75`` → ``1:15``: a countdown that needs no plural forms in any language."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def code_error(error: CodedError, texts: Mapping[str, Promise] = CODE_ERRORS) -> str:
    """The text for a code that could not be sent or accepted, with its numbers filled in."""
    if error.code == "cooldown":
        return _("Wait %(time)s (minutes:seconds) before requesting a new code.") % {
            "time": minutes_seconds(error.params["seconds"])
        }
    if error.code == "locked":  # the cap on wrong codes: every code waits until it lets go
        return str(texts["locked"]) % {"time": minutes_seconds(error.params["seconds"])}
    if error.code == "wrong_code":
        remaining = error.params["remaining"]
        return ngettext(
            "The code is not correct. You have %(remaining)d more try.",
            "The code is not correct. You have %(remaining)d more tries.",
            remaining,
        ) % {"remaining": remaining}
    return str(texts[error.code])


def lockout_message(seconds: int) -> str:
    """How long an identifier stays locked after too many wrong passwords, in whole minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Try again in %(minutes)d minute.",
        "Too many attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
