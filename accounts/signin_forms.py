"""Sign-in forms (DESIGN §7): identifier and password, then the code sent by SMS.

Field names are a contract and carry no prefix: ``identifier``, ``password``, then ``code``.
Forms validate; throttling, sending the code and signing in are the views' business.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.forms import AccountForm, VerifyForm
from accounts.models import User
from accounts.selectors import find_account_by_identifier


@sensitive_variables("password")
def authenticate_identifier(identifier: str, password: str) -> User | None:
    """The account this identifier and password open, or None; the same work either way.

    When no account holds the identifier, a password is still hashed once, so the time
    taken does not tell whether the account exists. An account that may not sign in
    (suspended) is checked like any other and then refused.
    """
    user = find_account_by_identifier(identifier)
    if user is None:
        User().set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


class SignInForm(forms.Form):
    """Username or ID number, and password; the captcha too once there were failures."""

    identifier = forms.CharField(
        label=_("Username or ID number"),
        max_length=40,
        help_text=_("Your username, or your 10-digit national ID, iqama or border number."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "dir": "ltr",
                "autocapitalize": "none",
                "spellcheck": "false",
                "data-digits": "",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "dir": "ltr"}),
    )

    error_messages = {
        "invalid_login": _(
            "The username or ID number, or the password, is not correct. Check them and try again."
        ),
    }

    def __init__(self, *args: Any, captcha: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user: User | None = None
        #: True when the password was checked and refused: the view counts a failure.
        self.credentials_rejected = False
        if captcha:
            self.demand_captcha()

    def demand_captcha(self) -> None:
        """Add the registration's captcha field (same label, hint and messages)."""
        if "captcha" not in self.fields:
            self.fields["captcha"] = copy.deepcopy(AccountForm.base_fields["captcha"])

    def refuse(self, error: ValidationError) -> None:
        """Show ``error`` on an unbound form: the post was refused before any check."""
        self.errors  # noqa: B018 - runs the (empty) cleaning of an unbound form
        self.cleaned_data: dict[str, Any] = {}
        self.add_error(None, error)

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        identifier = cleaned.get("identifier")
        password = cleaned.get("password")
        # An unsolved captcha or a missing field: the password is not even looked at.
        if self.errors or not identifier or not password:
            return cleaned
        user = authenticate_identifier(identifier, password)
        if user is None:
            self.credentials_rejected = True
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        self.user = user
        return cleaned


class SignInCodeForm(VerifyForm):
    """The registration's code form, with the sign-in's words where they differ."""

    error_messages = {
        **VerifyForm.error_messages,
        "locked": _("Too many wrong codes. Wait an hour, then sign in again."),
        "no_challenge": _("Your sign-in has expired. Sign in again."),
    }
