"""The registration wizard's three forms (DESIGN §6). Forms validate; they never send or save.

Field names are a contract: formtools prefixes them with the step name
(``identity-national_id``, ``account-password1``, ``verify-code``).
"""

from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import otp
from accounts.models import OtpChallenge, User
from accounts.password_checklist import password_checklist_html
from accounts.selectors import national_id_has_registered_account, username_taken
from accounts.validators import (
    normalize_saudi_mobile,
    to_ascii_digits,
    username_rules_help,
    validate_national_id,
    validate_username,
)

#: Fields whose values must never be kept in the wizard storage.
SECRET_FIELDS = frozenset({"password1", "password2", "captcha", "code"})


class PortalCaptchaField(CaptchaField):
    """simple-captcha's field, with a stable error code for a wrong answer."""

    def clean(self, value: Any) -> Any:
        try:
            return super().clean(value)
        except ValidationError as error:
            if error.error_list[0].code is None:
                raise ValidationError(
                    self.error_messages["invalid"], code="captcha_invalid"
                ) from error
            raise


def national_id_field() -> forms.CharField:
    """The ID number input, as registration and password reset ask for it."""
    return forms.CharField(
        label=_("ID number (national ID, iqama or border number)"),
        max_length=40,
        help_text=_(
            "10 digits. A national ID starts with 1, an iqama with 2, a border number with 3."
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr", "data-digits": ""}
        ),
    )


def mobile_field(help_text: str) -> forms.CharField:
    """A Saudi mobile number input (any notation, Arabic digits converted as typed)."""
    return forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "dir": "ltr",
                "data-digits": "",
            }
        ),
    )


def new_password_input() -> forms.CharField:
    return forms.CharField(
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )


def add_new_password_errors(
    form: forms.Form, cleaned: dict[str, Any], *, user: User, first: str, second: str
) -> None:
    """Check a new password and its confirmation: a mismatch, and every policy rule at once."""
    password1, password2 = cleaned.get(first), cleaned.get(second)
    if password1 and password2 and password1 != password2:
        form.add_error(
            second,
            ValidationError(form.error_messages["password_mismatch"], code="password_mismatch"),
        )
    if password1:
        try:
            password_validation.validate_password(password1, user)
        except ValidationError as error:
            form.add_error(first, error)


class NewPasswordForm(forms.Form):
    """A new password, twice, under the portal's policy (reset and change both use it)."""

    new_password1 = new_password_input()
    new_password1.label = _("New password")
    new_password2 = new_password_input()
    new_password2.label = _("Confirm the new password")

    error_messages = {"password_mismatch": _("The two passwords do not match.")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_checklist_html(user)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        add_new_password_errors(
            self, cleaned, user=self.user, first="new_password1", second="new_password2"
        )
        return cleaned


class IdentityForm(forms.Form):
    national_id = national_id_field()
    mobile = mobile_field(
        _("A Saudi mobile number, for example 05XXXXXXXX. The code will be sent to it.")
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )

    error_messages = {
        "id_registered": _(
            "An activated account already exists for this ID number. "
            "Sign in, or reset your password if you have forgotten it."
        ),
    }

    def clean_national_id(self) -> str:
        national_id = validate_national_id(self.cleaned_data["national_id"])
        if national_id_has_registered_account(national_id):
            raise ValidationError(self.error_messages["id_registered"], code="id_registered")
        return national_id

    def clean_mobile(self) -> str:
        return normalize_saudi_mobile(self.cleaned_data["mobile"])

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])


class AccountForm(forms.Form):
    """Username, password, language, captcha and terms.

    When the wizard re-validates the stored steps before creating the account, the
    single-use fields (captcha, password pair) are gone from the storage: the password
    hash kept by the wizard stands in for them (``revalidating=True``).
    """

    username = forms.CharField(
        label=_("Username"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "dir": "ltr",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language for messages"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )
    captcha = PortalCaptchaField(
        label=_("Work out the calculation shown in the picture"),
        help_text=_("Type the result in digits. Use the refresh button for a new picture."),
        widget=CaptchaTextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr", "data-digits": ""}
        ),
        error_messages={"invalid": _("The answer to the picture is wrong. Try the new one.")},
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use and the privacy policy of the portal"),
        error_messages={"required": _("You must accept the terms to register.")},
    )

    error_messages = {
        "password_mismatch": _("The two passwords do not match."),
        "username_taken": _("This username is already taken. Choose another one."),
        "password_expired": _("For your security, enter your password again."),
    }

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
        self.fields["username"].help_text = " ".join(username_rules_help())
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
            self, cleaned, user=candidate, first="password1", second="password2"
        )
        return cleaned


class CodeInput(forms.TextInput):
    """A text input that never echoes what was typed: a wrong code is not shown back."""

    def format_value(self, value: Any) -> None:
        return None


class VerifyForm(forms.Form):
    """The code from the SMS. Checking it counts a try, so it is checked once per post."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("The 6-digit code we sent to your mobile by SMS."),
        widget=CodeInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "dir": "ltr",
                "data-digits": "",
            }
        ),
    )

    error_messages = {
        "code_format": _("Enter the 6 digits of the code."),
        "wrong_code": _("The code is not correct."),
        "attempts_exhausted": _("Too many wrong tries for this code. Request a new code."),
        "expired": _("This code has expired. Request a new code."),
        "locked": _("Too many wrong codes. Start the registration again."),
        "already_verified": _("This code has already been used."),
        "no_challenge": _("No code has been sent yet. Go back and send one."),
    }

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

    def clean_code(self) -> str:
        code = to_ascii_digits(self.cleaned_data["code"]).replace(" ", "")
        if len(code) != otp.CODE_LENGTH or not (code.isascii() and code.isdigit()):
            raise ValidationError(self.error_messages["code_format"], code="code_format")
        if self.challenge is None:
            raise ValidationError(self.error_messages["no_challenge"], code="no_challenge")
        try:
            otp.verify_code(self.challenge.pk, code)
        except otp.OtpError as exc:
            raise self.otp_error(exc) from exc
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.revalidating:
            fresh = self.challenge and OtpChallenge.objects.get(pk=self.challenge.pk)
            if not fresh or fresh.verified_at is None or fresh.consumed_at is not None:
                raise ValidationError(self.error_messages["no_challenge"], code="no_challenge")
        return cleaned

    def otp_error(self, exc: otp.OtpError) -> ValidationError:
        """Turn an ``OtpError`` into this form's message for it."""
        if exc.code == "wrong_code":
            remaining = exc.params["remaining"]
            message = ngettext(
                "The code is not correct. You have %(remaining)d more try.",
                "The code is not correct. You have %(remaining)d more tries.",
                remaining,
            )
            return ValidationError(message, code="wrong_code", params={"remaining": remaining})
        return ValidationError(self.error_messages[exc.code], code=exc.code)
