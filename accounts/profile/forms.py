"""Forms of the account page: the preferred language and the password change.

Forms validate; the views call ``services`` (and ``accounts.passwords``) to save.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import LANGUAGE_CHOICE, PASSWORD_MISMATCH, NewPasswordForm
from accounts.models import User


class PreferredLanguageForm(forms.Form):
    """The language of the SMS and emails the portal sends to this person."""

    preferred_language = forms.ChoiceField(
        label=_("Language of SMS and email messages"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        error_messages={"required": LANGUAGE_CHOICE, "invalid_choice": LANGUAGE_CHOICE},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        kwargs.setdefault("initial", {"preferred_language": user.preferred_language})
        super().__init__(*args, **kwargs)


def _password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete, "dir": "ltr"})


class ChangePasswordForm(NewPasswordForm):
    """Django's ``PasswordChangeForm`` contract (field names, ``password_incorrect``).

    Every failed rule of the portal's policy is reported at once on ``new_password1``; a
    mismatch on ``new_password2``.
    """

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        max_length=128,
        error_messages={
            "required": _("Enter your current password."),
            "max_length": _("Your current password is not correct. Enter it again."),
        },
        widget=_password_input("current-password"),
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    error_messages = {
        "password_incorrect": _("Your current password is not correct. Enter it again."),
        "password_mismatch": PASSWORD_MISMATCH,
    }

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
