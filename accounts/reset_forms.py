"""The password-reset forms (DESIGN §7). Forms validate; they never send or save.

Field names are a contract, without prefixes: ``national_id`` and ``mobile``, then ``code``,
then ``new_password1`` and ``new_password2``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import otp
from accounts.forms import NewPasswordForm, VerifyForm, mobile_field, national_id_field
from accounts.validators import normalize_saudi_mobile, to_ascii_digits, validate_national_id


class ResetStartForm(forms.Form):
    """The ID number and the mobile number of the account."""

    national_id = national_id_field()
    mobile = mobile_field(
        _("The mobile number registered on your account, for example 05XXXXXXXX.")
    )

    def clean_national_id(self) -> str:
        return validate_national_id(self.cleaned_data["national_id"])

    def clean_mobile(self) -> str:
        return normalize_saudi_mobile(self.cleaned_data["mobile"])


class ResetCodeForm(VerifyForm):
    """The code from the SMS, checked by ``check`` (a real challenge or the decoy).

    ``check`` raises ``otp.OtpError`` exactly as ``otp.verify_code`` does, so a decoy reset
    shows the same messages as a real one.
    """

    error_messages = {
        **VerifyForm.error_messages,
        "locked": _("Too many wrong codes. Start the password reset again."),
        "no_challenge": _("No code has been sent yet. Start the password reset again."),
    }

    def __init__(self, *args: Any, check: Callable[[str], object], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check = check

    def clean_code(self) -> str:
        code = to_ascii_digits(self.cleaned_data["code"]).replace(" ", "")
        if len(code) != otp.CODE_LENGTH or not (code.isascii() and code.isdigit()):
            raise ValidationError(self.error_messages["code_format"], code="code_format")
        try:
            self.check(code)
        except otp.OtpError as exc:
            raise self.otp_error(exc) from exc
        return code


__all__ = ["NewPasswordForm", "ResetCodeForm", "ResetStartForm"]
