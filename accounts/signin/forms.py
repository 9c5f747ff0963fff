"""Sign-in forms (design.md §7): identifier and password, then the code sent by SMS.

Field names are a contract and carry no prefix: ``identifier``, ``password``, then ``code``.
Forms validate: the password through ``django.contrib.auth.authenticate()`` (the backend
resolves the identifier), the code's format only. Throttling, sending and checking the code and
signing in are ``services``' business, called by the views.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.error_messages import SIGNIN_CODE_ERRORS
from accounts.forms import CodeForm, captcha_field
from accounts.models import User

INVALID_LOGIN = _(
    "The username or ID number, or the password, is not correct. Check them and try again."
)
#: The captcha's hint on sign-in, where it appears only after wrong passwords for the account.
CAPTCHA_AFTER_FAILURES = _("To protect this account, work out the calculation too.")


class SignInForm(forms.Form):
    """Username or ID number, and password; the captcha too once there were failures."""

    identifier = forms.CharField(
        label=_("Username or ID number"),
        max_length=40,
        error_messages={
            "required": _("Enter your username or ID number."),
            "max_length": INVALID_LOGIN,
        },
        help_text=_("Your username, or your 10-digit national ID, iqama or border number."),
        widget=forms.TextInput(
            attrs={
                # "webauthn": the browser may offer passkeys here too (passkeys.js, autofill).
                "autocomplete": "username webauthn",
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
        error_messages={"required": _("Enter your password."), "max_length": INVALID_LOGIN},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "dir": "ltr"}),
    )

    error_messages = {"invalid_login": INVALID_LOGIN}

    def __init__(
        self, *args: Any, request: HttpRequest | None = None, captcha: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: User | None = None
        #: True when the password was checked and refused: the view counts a failure.
        self.credentials_rejected = False
        if captcha:
            self.demand_captcha()

    def demand_captcha(self) -> None:
        """Add the registration's captcha field, with a hint saying why it is asked now."""
        if "captcha" not in self.fields:
            self.fields["captcha"] = captcha_field()
            # Asked only after failures: say why it appears now (issue 14 item 11).
            self.fields["captcha"].help_text = CAPTCHA_AFTER_FAILURES

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
        user = authenticate(self.request, identifier=identifier, password=password)
        if user is None:
            self.credentials_rejected = True
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        self.user = user
        return cleaned


class SignInCodeForm(CodeForm):
    """The code from the SMS, in the sign-in's words where they differ."""

    code_errors = SIGNIN_CODE_ERRORS
