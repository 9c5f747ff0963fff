"""The password-reset forms (design.md §7). Forms validate; they never send or save.

Field names are a contract, without prefixes: ``national_id`` and ``mobile``, then ``code``,
then ``new_password1`` and ``new_password2``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.error_messages import RESET_CODE_ERRORS
from accounts.forms import CodeForm, NewPasswordForm, mobile_field, national_id_field
from accounts.validators import normalize_saudi_mobile, validate_national_id


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


class ResetCodeForm(CodeForm):
    """The code from the SMS, in the reset's words. A decoy shows the same messages as a
    real reset: both are checked by ``otp.verify_code``."""

    code_errors = RESET_CODE_ERRORS


__all__ = ["NewPasswordForm", "ResetCodeForm", "ResetStartForm"]
