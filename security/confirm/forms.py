"""The confirm page's password form; each second step brings its own form (``steps``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User

WRONG_PASSWORD = _("Your current password is not correct. Enter it again.")


class ConfirmPasswordForm(forms.Form):
    """The signed-in person's password, checked against their account."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        error_messages={"required": _("Enter your password."), "max_length": WRONG_PASSWORD},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "dir": "ltr"}),
    )

    error_messages = {"password_incorrect": WRONG_PASSWORD}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        #: True when the password was checked and refused: the view counts a failure.
        self.rejected = False

    @sensitive_variables("password")
    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            self.rejected = True
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return password

    def refuse(self, error: ValidationError) -> None:
        """Show ``error`` on a form whose post was refused before the password was read."""
        self.errors  # noqa: B018 - runs the (empty) cleaning of an unbound form
        self.cleaned_data: dict[str, Any] = {}
        self.add_error(None, error)
