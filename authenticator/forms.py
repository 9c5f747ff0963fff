"""The codes people type: an authenticator app's (setting it up, signing in) and a recovery code.

Forms check the format only; whether a code is right is for ``totp`` and ``recovery_codes``,
called by the views, whose answer the form then shows at the field (``add_check_error``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.error_messages import CODE_ERRORS
from accounts.forms import CodeForm, CodeInput
from authenticator import recovery_codes
from authenticator.totp import Check
from pages.service import service_details

#: An authenticator app's code, in its own words where they differ from the SMS code's.
APP_CODE_ERRORS = {
    **CODE_ERRORS,
    "code_format": _("Enter the 6 digits your authenticator app shows."),
    Check.WRONG: _("The code is not correct. Enter the code your app shows now."),
    Check.USED: _(
        "This code has already been used. Wait for your app to show a new code, then enter it."
    ),
    "setup_expired": _(
        "Setting up took longer than 15 minutes, so we made a new key. Delete the entry you "
        "added in your app, then scan the new QR code and enter the code it shows."
    ),
}
RECOVERY_CODE_FORMAT = _(
    "Enter the 10 letters and digits of one of your recovery codes, for example 3k7m2-9qx4z."
)


class AppCodeForm(CodeForm):
    """The 6-digit code an authenticator app shows now (Arabic-Indic digits and spaces allowed)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        error_messages={
            "required": _("Enter the code your authenticator app shows."),
            "max_length": APP_CODE_ERRORS["code_format"],
        },
        widget=CodeInput(attrs=CodeInput.CODE_ATTRS),
    )

    code_errors = APP_CODE_ERRORS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The app lists the portal under the service's name (the QR code's issuer).
        self.fields["code"].help_text = _(
            "The 6 digits your app shows for %(service)s. A new code appears every 30 seconds."
        ) % {"service": service_details().name}

    def add_check_error(self, check: str) -> None:
        """Say why the app's code was not accepted (``Check.WRONG``, ``Check.USED``,
        ``"setup_expired"``)."""
        self.add_error("code", ValidationError(self.code_errors[check], code=str(check)))


class RecoveryCodeForm(forms.Form):
    """One of the account's recovery codes, typed any way it can be read."""

    code = forms.CharField(
        label=_("Recovery code"),
        max_length=40,
        help_text=_(
            "One of the 10 codes you saved when you set up an authenticator app or a passkey, "
            "for example 3k7m2-9qx4z. Each code works once."
        ),
        error_messages={
            "required": _("Enter a recovery code."),
            "max_length": RECOVERY_CODE_FORMAT,
        },
        widget=CodeInput(
            attrs={
                "autocomplete": "off",
                "dir": "ltr",
                "autocapitalize": "none",
                "spellcheck": "false",
                "data-digits": "",
            }
        ),
    )

    def clean_code(self) -> str:
        code = recovery_codes.normalize(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(RECOVERY_CODE_FORMAT, code="code_format")
        return code

    def add_wrong_code(self) -> None:
        """The code is not one of the account's unused codes."""
        message = _("This recovery code is not correct, or it has already been used.")
        self.add_error("code", ValidationError(message, code="wrong_code"))
