"""The registration wizard's three forms (design.md §6). Forms validate; they never send or save.

Field names are a contract: formtools prefixes them with the step name
(``identity-national_id``, ``account-password1``, ``verify-code``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.error_messages import REGISTRATION_CONFLICTS
from accounts.forms import (
    LANGUAGE_CHOICE,
    PASSWORD_MISMATCH,
    CodeForm,
    add_new_password_errors,
    captcha_field,
    mobile_field,
    national_id_field,
    new_password_input,
)
from accounts.models import OtpChallenge, User
from accounts.password_checklist import password_checklist_html
from accounts.selectors import national_id_has_registered_account, username_taken
from accounts.validators import (
    UsernameValidator,
    normalize_saudi_mobile,
    username_rules_help,
    validate_national_id,
    validate_username,
)

#: Fields whose values must never be kept in the wizard storage.
SECRET_FIELDS = frozenset({"password1", "password2", "captcha", "code"})


#: GOV.UK's wording for an email address that is not one.
EMAIL_FORMAT = _("Enter an email address in the correct format, like name@example.com.")


class IdentityForm(forms.Form):
    national_id = national_id_field()
    mobile = mobile_field(
        _("A Saudi mobile number, for example 05XXXXXXXX. The code will be sent to it.")
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": EMAIL_FORMAT,
            "max_length": EMAIL_FORMAT,
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )

    error_messages = {"id_registered": REGISTRATION_CONFLICTS["id_registered"]}

    def clean_national_id(self) -> str:
        national_id = validate_national_id(self.cleaned_data["national_id"])
        if national_id_has_registered_account(national_id):
            raise ValidationError(self.error_messages["id_registered"], code="id_registered")
        return national_id

    def clean_mobile(self) -> str:
        return normalize_saudi_mobile(self.cleaned_data["mobile"])

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])


def terms_hint() -> SafeString:
    """Links to the terms and the privacy notice, in a new tab so the half-filled form stays.

    GOV.UK's pattern for a link that leaves a form: open it in a new tab and say so in the
    link text (decision 162).
    """
    link = '<a href="{}" target="_blank" rel="noopener">{} ({})</a>'
    new_tab = gettext("opens in new tab")
    return format_html(
        gettext("Read the {terms} and the {privacy}."),
        terms=format_html(link, reverse("pages:terms"), gettext("terms of use"), new_tab),
        privacy=format_html(link, reverse("pages:privacy"), gettext("privacy notice"), new_tab),
    )


class AccountForm(forms.Form):
    """Username, password, language, captcha and terms.

    When the wizard re-validates the stored steps before creating the account, the
    single-use fields (captcha, password pair) are gone from the storage: the password
    hash kept by the wizard stands in for them (``revalidating=True``).
    """

    username = forms.CharField(
        label=_("Username"),
        max_length=30,
        error_messages={
            "required": _("Enter a username."),
            "max_length": UsernameValidator.messages["username_length"],
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "dir": "ltr",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    password1 = new_password_input(_("Password"), required=_("Enter a password."))
    password2 = new_password_input(_("Confirm password"), required=_("Enter the password again."))
    preferred_language = forms.ChoiceField(
        label=_("Preferred language for messages"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        error_messages={"required": LANGUAGE_CHOICE, "invalid_choice": LANGUAGE_CHOICE},
    )
    captcha = captcha_field()
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use"),
        error_messages={"required": _("Select if you accept the terms of use.")},
    )

    error_messages = {
        "password_mismatch": PASSWORD_MISMATCH,
        "username_taken": REGISTRATION_CONFLICTS["username_taken"],
        "password_expired": _("For your security, enter your password again."),
    }
    #: The codes of the policy rules the password broke (set by ``clean``).
    password_failures: tuple[str, ...] | list[str] = ()

    def __init__(
        self,
        *args: Any,
        national_id: str = "",
        revalidating: bool = False,
        has_password_hash: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.national_id = national_id
        self.revalidating = revalidating
        self.has_password_hash = has_password_hash
        self.fields["username"].help_text = username_rules_help()
        self.fields["accept_terms"].help_text = terms_hint()
        if revalidating:
            for name in ("password1", "password2", "captcha"):
                del self.fields[name]
        else:
            self.fields["password1"].help_text = password_checklist_html(
                username_field=self.add_prefix("username")
            )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        validate_username(username)
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        username = cleaned.get("username")
        # Whether a username is taken is answered only to someone who solved the captcha
        # (or, re-validating, already did), so it cannot be used as a free lookup.
        if (
            username
            and "captcha" not in self.errors
            and username_taken(username, national_id=self.national_id)
        ):
            self.add_error(
                "username",
                ValidationError(self.error_messages["username_taken"], code="username_taken"),
            )
        if self.revalidating:
            if not self.has_password_hash:
                raise ValidationError(
                    self.error_messages["password_expired"], code="password_expired"
                )
            return cleaned
        # The typed username, even one that breaks its own rules, so that every failing
        # password rule (the overlap with the username included) shows at once.
        typed_username = username or self.data.get(self.add_prefix("username"), "")
        candidate = User(username=str(typed_username), national_id=self.national_id)
        add_new_password_errors(
            self,
            cleaned,
            user=candidate,
            first="password1",
            second="password2",
            username_field=self.add_prefix("username"),
        )
        return cleaned


class VerifyForm(CodeForm):
    """The code from the SMS. The wizard checks it (``otp.verify_code``) once the format is right.

    When the wizard re-validates the stored steps before creating the account, the code is
    gone: the challenge must then be verified and not yet used (``revalidating=True``).
    """

    def __init__(
        self,
        *args: Any,
        challenge: OtpChallenge | None = None,
        revalidating: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        self.revalidating = revalidating
        if revalidating:
            del self.fields["code"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.revalidating:
            fresh = self.challenge and OtpChallenge.objects.get(pk=self.challenge.pk)
            if not fresh or fresh.verified_at is None or fresh.consumed_at is not None:
                raise ValidationError(self.code_errors["no_challenge"], code="no_challenge")
        return cleaned
