"""The one form of passkeys without JavaScript: the person's name for a passkey."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from passkeys.models import NAME_MAX_LENGTH, Passkey
from passkeys.names import PasskeyNameValidator
from passkeys.services import name_taken


class RenameForm(forms.Form):
    """A new name for one of the person's passkeys, unlike any of their others."""

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("A name that tells you which device it is on, such as “Sara’s phone”."),
        validators=[PasskeyNameValidator()],
        error_messages={
            "required": _("Enter a name for the passkey."),
            "max_length": _("The name must be %(limit_value)d characters or fewer."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    error_messages = {"name_taken": _("You already have a passkey with this name. Choose another.")}

    def __init__(self, *args: Any, passkey: Passkey, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": passkey.name})
        super().__init__(*args, **kwargs)
        self.passkey = passkey

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name_taken(self.passkey.owner, name, other_than=self.passkey.pk):
            raise ValidationError(self.error_messages["name_taken"], code="name_taken")
        return name
