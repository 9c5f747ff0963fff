"""The rules for ID numbers, mobile numbers and usernames (design.md §4).

Public API, kept stable: ``validate_national_id``, ``normalize_saudi_mobile`` and
``validate_username``. Each raises ``django.core.exceptions.ValidationError`` whose
error codes are stable; forms and the bank API show the messages as they are.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from accounts.luhn import luhn_is_valid

# Arabic-Indic (U+0660..U+0669) and Extended Arabic-Indic / Persian (U+06F0..U+06F9) digits.
_DIGIT_TABLE = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")} | {
    ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")
}
_SEPARATORS = re.compile(r"[\s\-\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def to_ascii_digits(value: str) -> str:
    """Replace Arabic-Indic and Persian digits by ASCII ones; leave everything else alone."""
    return value.translate(_DIGIT_TABLE)


#: First digit of an ID number → its kind (values of ``accounts.models.IdKind``).
ID_KINDS = {"1": "citizen", "2": "resident", "3": "border"}
_CHECKSUMMED_KINDS = {"citizen", "resident"}


def national_id_kind(national_id: str) -> str:
    """Return ``citizen``, ``resident`` or ``border`` for a valid, normalised ID number."""
    return ID_KINDS[national_id[0]]


@deconstructible
class NationalIdValidator:
    """Validate a national ID, iqama or border number and return it as 10 ASCII digits."""

    messages = {
        "required": _("Enter your ID, iqama or border number."),
        "id_not_digits": _("The ID number must contain digits only."),
        "id_length": _("The ID number must be exactly 10 digits."),
        "id_prefix": _(
            "The ID number must start with 1 (citizen), 2 (resident) or 3 (border number)."
        ),
        "id_checksum": _("This ID number is not valid. Check the digits and try again."),
    }

    def __call__(self, value: object) -> str:
        text = _SEPARATORS.sub("", to_ascii_digits(str(value or "")))
        if not text:
            raise ValidationError(self.messages["required"], code="required")
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(self.messages["id_not_digits"], code="id_not_digits")
        if len(text) != 10:
            raise ValidationError(self.messages["id_length"], code="id_length")
        kind = ID_KINDS.get(text[0])
        if kind is None:
            raise ValidationError(self.messages["id_prefix"], code="id_prefix")
        if kind in _CHECKSUMMED_KINDS and not luhn_is_valid(text):
            raise ValidationError(self.messages["id_checksum"], code="id_checksum")
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NationalIdValidator)


def validate_national_id(value: object) -> str:
    """Return the normalised 10-digit ID number, or raise ``ValidationError``."""
    return NationalIdValidator()(value)


@deconstructible
class SaudiMobileValidator:
    """Validate a Saudi mobile number in any usual notation and return it in E.164."""

    messages = {
        "required": _("Enter your mobile number."),
        "mobile_invalid": _("Enter a mobile number in the correct format, like 05X XXX XXXX."),
        "mobile_foreign": _("Only Saudi mobile numbers (+966) can be used."),
        "mobile_not_mobile": _(
            "This is not a mobile number. Enter a Saudi mobile number starting with 05."
        ),
    }

    def __call__(self, value: object) -> str:
        text = _SEPARATORS.sub("", to_ascii_digits(str(value or "")))
        text = text.replace("(", "").replace(")", "").replace(".", "")
        if not text:
            raise ValidationError(self.messages["required"], code="required")
        if text.startswith("00"):
            text = "+" + text[2:]
        elif text.startswith("966") and len(text) == 12:
            text = "+" + text
        if not re.fullmatch(r"\+?[0-9]{6,15}", text):
            raise ValidationError(self.messages["mobile_invalid"], code="mobile_invalid")
        try:
            number = phonenumbers.parse(text, "SA")
        except phonenumbers.NumberParseException as exc:
            raise ValidationError(self.messages["mobile_invalid"], code="mobile_invalid") from exc
        if number.country_code != 966:
            raise ValidationError(self.messages["mobile_foreign"], code="mobile_foreign")
        if not phonenumbers.is_valid_number_for_region(number, "SA"):
            raise ValidationError(self.messages["mobile_invalid"], code="mobile_invalid")
        if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
            raise ValidationError(self.messages["mobile_not_mobile"], code="mobile_not_mobile")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SaudiMobileValidator)


def normalize_saudi_mobile(value: object) -> str:
    """Return the mobile number in E.164 (``+9665XXXXXXXX``), or raise ``ValidationError``."""
    return SaudiMobileValidator()(value)


@deconstructible
class UsernameValidator:
    """Check every username rule and report all the failed ones together."""

    min_length = 8
    max_length = 30
    messages = {
        "required": _("Choose a username."),
        "username_charset": _("The username may contain English letters and digits only."),
        "username_length": _("The username must be 8 to 30 characters long."),
        "username_first_letter": _("The username must start with an English letter."),
        "username_no_lower": _("The username must contain at least one lowercase letter."),
        "username_no_digit": _("The username must contain at least one digit."),
    }

    def __call__(self, value: object) -> None:
        text = str(value or "")
        if not text:
            raise ValidationError(self.messages["required"], code="required")
        failed = []
        if not re.fullmatch(r"[A-Za-z0-9]+", text):
            failed.append("username_charset")
        if not self.min_length <= len(text) <= self.max_length:
            failed.append("username_length")
        if not ("a" <= text[0].lower() <= "z" and text[0].isascii()):
            failed.append("username_first_letter")
        if not re.search(r"[a-z]", text):
            failed.append("username_no_lower")
        if not re.search(r"[0-9]", text):
            failed.append("username_no_digit")
        if failed:
            raise ValidationError([ValidationError(self.messages[c], code=c) for c in failed])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UsernameValidator)


def validate_username(value: object) -> None:
    """Raise ``ValidationError`` listing every username rule the value breaks."""
    UsernameValidator()(value)


def username_rules_help() -> str:
    """The username rules as one short hint, in the active language (the validator's
    messages, shown one at a time, say what to change)."""
    return str(
        _(
            "8 to 30 English letters and digits, starting with a letter, with at least one "
            "lowercase letter and one digit."
        )
    )
