"""Form pieces every journey shares: the ID, mobile, captcha and code inputs, a new password.

Forms validate; they never send, save or check a code (services do, called by the views).
Field names are a contract with the templates and the tests.
"""

from __future__ import annotations

from typing import Any

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField, CaptchaTextInput
from captcha.models import CaptchaStore
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import otp
from accounts.audio_captcha import speech
from accounts.error_messages import CODE_ERRORS, CodedError, code_error, minutes_seconds
from accounts.models import User
from accounts.password_checklist import password_checklist_html
from accounts.validators import NationalIdValidator, SaudiMobileValidator, to_ascii_digits


class PortalCaptchaTextInput(CaptchaTextInput):
    """simple-captcha's widget, offering the calculation as sound when espeak-ng is there.

    The library links its audio only when flite is configured; the portal's recording
    (``accounts.audio_captcha``, same URL name) needs espeak-ng instead.
    """

    def audio_url(self) -> str | None:
        if speech.tool() is None:
            return None
        return reverse("captcha-audio", kwargs={"key": self._key})


class PortalCaptchaField(CaptchaField):
    """simple-captcha's field, with a stable error code for a wrong answer, a blank answer
    (spaces only) asked for rather than judged wrong, and no sweep of expired rows per answer.

    simple-captcha deletes every expired row (``DELETE ... WHERE expiration <= now``, a scan:
    the column has no index) each time any answer is checked, so at a national peak every
    registration and sign-in scanned the whole table. The nightly housekeeping sweeps them
    instead (decision 276); an expired row is still refused here, as before. The rest is
    simple-captcha 0.7.0's own check (pinned), read against its settings as it reads them.
    """

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2 and not str(value[1] or "").strip():
            raise ValidationError(self.error_messages["required"], code="required")
        forms.MultiValueField.clean(self, value)
        response, value[1] = (value[1] or "").strip().lower(), ""
        if captcha_settings.CAPTCHA_TEST_MODE and response == "passed":
            CaptchaStore.objects.filter(hashkey=value[0]).delete()
            return value
        # One attempt per picture: the row goes whatever the answer, so it cannot be retried.
        store = CaptchaStore.objects.filter(hashkey=value[0], expiration__gt=timezone.now()).first()
        if store is not None:
            store.delete()
        if store is None or store.response != response:
            raise ValidationError(self.error_messages["invalid"], code="captcha_invalid")
        return value


def national_id_field() -> forms.CharField:
    """The ID number input, as registration and password reset ask for it."""
    return forms.CharField(
        label=_("ID number (national ID, iqama or border number)"),
        max_length=40,
        error_messages={
            "required": NationalIdValidator.messages["required"],
            "max_length": NationalIdValidator.messages["id_length"],
        },
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
        error_messages={
            "required": SaudiMobileValidator.messages["required"],
            "max_length": SaudiMobileValidator.messages["mobile_invalid"],
        },
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


def captcha_field() -> PortalCaptchaField:
    """The arithmetic picture and its answer, as registration and sign-in ask for it."""
    return PortalCaptchaField(
        label=_("Result of the calculation, in digits"),
        widget=PortalCaptchaTextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr", "data-digits": ""}
        ),
        error_messages={
            "required": CAPTCHA_REQUIRED,
            "incomplete": CAPTCHA_REQUIRED,
            "invalid": _("The result is wrong. Enter the result of the new calculation."),
        },
    )


#: A blank answer to the captcha (the picture and the recording ask the same sum).
CAPTCHA_REQUIRED = _("Enter the result of the calculation.")
#: One message for a new password that breaks rules: the checklist beside it marks which.
PASSWORD_POLICY = _("Choose a password that meets every rule in the list.")
PASSWORD_MISMATCH = _("Enter the same password in both fields.")
#: The language of the person's SMS and emails, asked at registration and on the account page.
LANGUAGE_CHOICE = _("Select the language of your messages.")


def new_password_input(label: str = "", *, required: str = "") -> forms.CharField:
    """A new password input (never stripped; the browser may offer to generate one).

    ``required`` says what to do when it is left blank, in the words of its form.
    """
    return forms.CharField(
        label=label or None,
        strip=False,
        max_length=128,
        error_messages={"required": required, "max_length": PASSWORD_POLICY},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "dir": "ltr"}),
    )


def add_new_password_errors(
    form: forms.Form,
    cleaned: dict[str, Any],
    *,
    user: User,
    first: str,
    second: str,
    username_field: str = "",
) -> None:
    """Check a new password and its confirmation: a mismatch, and every policy rule at once.

    The rules broken are not listed as errors: the field says once to meet every rule, and its
    checklist (the hint, stating the rules once) is drawn again with the server's own result,
    each rule marked met or not, so the marks survive the round trip, with or without
    JavaScript. ``password_failures`` keeps the codes of the broken rules.
    """
    password1, password2 = cleaned.get(first), cleaned.get(second)
    if password1 and password2 and password1 != password2:
        form.add_error(
            second,
            ValidationError(form.error_messages["password_mismatch"], code="password_mismatch"),
        )
    if not password1:
        return
    failures: list[str] = []
    try:
        password_validation.validate_password(password1, user)
    except ValidationError as error:
        failures = [item.code or "" for item in error.error_list]
        form.add_error(first, ValidationError(PASSWORD_POLICY, code="password_policy"))
    form.password_failures = failures
    checklist = password_checklist_html(user, username_field=username_field, failed=failures)
    # The bound field copied the hint when cleaning began: both are given the marked list.
    form.fields[first].help_text = form[first].help_text = checklist


class NewPasswordForm(forms.Form):
    """A new password, twice, under the portal's policy (reset and change both use it)."""

    new_password1 = new_password_input(_("New password"), required=_("Enter a new password."))
    new_password2 = new_password_input(
        _("Confirm the new password"), required=_("Enter the new password again.")
    )

    error_messages = {"password_mismatch": PASSWORD_MISMATCH}
    #: The codes of the policy rules the new password broke (set by ``clean``).
    password_failures: tuple[str, ...] | list[str] = ()

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


class CodeInput(forms.TextInput):
    """A text input that never echoes what was typed: a wrong code is not shown back."""

    #: A one-time code's input: filled from the SMS or the app, digits, left to right.
    CODE_ATTRS = {
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "dir": "ltr",
        "data-digits": "",
    }

    def format_value(self, value: Any) -> None:
        return None


class CodeForm(forms.Form):
    """The code from the SMS: six digits (Arabic-Indic digits and spaces allowed).

    The form checks the format only. Whether the code is right is for ``otp.verify_code``,
    which the view calls (it counts a try); its error is shown with :meth:`add_code_error`.
    ``code_errors`` holds the journey's wording.
    """

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        error_messages={
            "required": _("Enter the code we sent to your mobile."),
            "max_length": CODE_ERRORS["code_format"],
        },
        help_text=_("The 6-digit code we sent to your mobile by SMS."),
        widget=CodeInput(attrs=CodeInput.CODE_ATTRS),
    )

    code_errors = CODE_ERRORS

    def clean_code(self) -> str:
        code = to_ascii_digits(self.cleaned_data["code"]).replace(" ", "")
        if len(code) != otp.CODE_LENGTH or not (code.isascii() and code.isdigit()):
            raise ValidationError(self.code_errors["code_format"], code="code_format")
        return code

    def add_code_error(self, error: CodedError) -> None:
        """Show why the code was not accepted (``otp.OtpError`` or a journey's own code)."""
        params = dict(error.params) if error.code == "wrong_code" else None
        message = code_error(error, self.code_errors)
        self.add_error("code", ValidationError(message, code=error.code, params=params))


def code_page_context(form: CodeForm, *, cooldown: int, locked_for: int) -> dict[str, Any]:
    """What every "enter the code" page shows beside the form: the resend wait and, while the
    person's wrong codes are at the cap, the lock and when it lets go (in the journey's words).
    """
    locked_message = ""
    if locked_for:
        locked_message = code_error(otp.OtpError("locked", seconds=locked_for), form.code_errors)
    # The submission that reached the lock already says so in the summary and at the field:
    # the alert box is for a page opened while locked, never a third telling (GOV.UK: once
    # in the summary, once at the field).
    said_by_form = any(error.code == "locked" for error in form.errors.as_data().get("code", []))
    return {
        "form": form,
        "cooldown": cooldown,
        "cooldown_display": minutes_seconds(cooldown),
        "code_minutes": max(1, settings.OTP_TTL_SECONDS // 60),
        "locked": bool(locked_for),
        "locked_message": "" if said_by_form else locked_message,
        # The lock is shown as an error box: the page's title says "Error:" too.
        "page_has_errors": bool(locked_for),
    }
