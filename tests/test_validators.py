"""The ID, mobile and username rules (design.md §4) through their public functions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import (
    national_id_kind,
    normalize_saudi_mobile,
    validate_national_id,
    validate_username,
)


def error_codes(rule: Callable[[str], object], value: str) -> set[str]:
    """Return the codes of every rule the value breaks; fail the test when it passes."""
    with pytest.raises(ValidationError) as exc:
        rule(value)
    return {error.code for error in exc.value.error_list}


# --- ID numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1000000008", "1000000008"),
        ("1058529940", "1058529940"),
        ("2000000006", "2000000006"),
        ("2123456788", "2123456788"),
        ("3000000000", "3000000000"),  # border numbers carry no checksum
        ("3123456789", "3123456789"),
        ("١٠٠٠٠٠٠٠٠٨", "1000000008"),  # Arabic-Indic digits
        ("۱۰۰۰۰۰۰۰۰۸", "1000000008"),  # Persian digits
        (" 1000 000 008 ", "1000000008"),
        # Pasted from right-to-left text: isolates and the Arabic letter mark around it.
        ("\u20661000000008\u2069", "1000000008"),
        ("\u061c١٠٠٠٠٠٠٠٠٨\u2068", "1000000008"),
    ],
)
def test_valid_id_number_is_normalised_to_ten_ascii_digits(value, expected):
    assert validate_national_id(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1000000000", "id_checksum"),
        ("2000000002", "id_checksum"),
        ("1234567890", "id_checksum"),
        ("100000000", "id_length"),
        ("10000000080", "id_length"),
        ("4000000000", "id_prefix"),
        ("0000000000", "id_prefix"),
        ("10000000a8", "id_not_digits"),
        ("ABCDEFGHIJ", "id_not_digits"),
        ("", "required"),
        ("   ", "required"),
    ],
)
def test_invalid_id_number_is_rejected_with_its_code(value, code):
    assert error_codes(validate_national_id, value) == {code}


@pytest.mark.parametrize(
    ("national_id", "kind"),
    [("1000000008", "citizen"), ("2000000006", "resident"), ("3000000000", "border")],
)
def test_id_kind_follows_the_first_digit(national_id, kind):
    assert national_id_kind(national_id) == kind


# --- Mobile numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0501234567",
        "501234567",
        "+966501234567",
        "00966501234567",
        "966501234567",
        "050 123 4567",
        "050-123-4567",
        "+966 50 123 4567",
        "٠٥٠١٢٣٤٥٦٧",  # Arabic-Indic digits
        "۰۵۰۱۲۳۴۵۶۷",  # Persian digits
        "\u2066+966 50 123 4567\u2069",  # pasted with direction isolates
    ],
)
def test_saudi_mobile_in_any_usual_notation_becomes_e164(value):
    assert normalize_saudi_mobile(value) == "+966501234567"


@pytest.mark.parametrize("value", ["0501234567", "+966551234567", "٠٥٩٨٧٦٥٤٣٢"])
def test_mobile_normalisation_is_idempotent(value):
    normalised = normalize_saudi_mobile(value)
    assert normalize_saudi_mobile(normalised) == normalised


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("011 234 5678", "mobile_not_mobile"),  # Riyadh landline
        ("+966112345678", "mobile_not_mobile"),
        ("+447911123456", "mobile_foreign"),
        ("00447911123456", "mobile_foreign"),
        ("hello", "mobile_invalid"),
        ("12", "mobile_invalid"),
        ("05012345", "mobile_invalid"),
        ("0501234567890", "mobile_invalid"),
        ("", "required"),
    ],
)
def test_non_saudi_or_non_mobile_number_is_rejected_with_its_code(value, code):
    assert error_codes(normalize_saudi_mobile, value) == {code}


# --- Usernames --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["ahmed123", "Ahmed2024", "abcdefg1", "a" * 29 + "1", "sara2000Q"],
)
def test_valid_username_passes(value):
    validate_username(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abcdef1", {"username_length"}),  # 7 characters
        ("a" * 30 + "1", {"username_length"}),  # 31 characters
        ("1ahmed234", {"username_first_letter"}),
        ("ahmed_123", {"username_charset"}),
        ("ahmed 123", {"username_charset"}),
        ("ahmédé123", {"username_charset"}),
        ("AHMED1234", {"username_no_lower"}),
        ("ahmedahmed", {"username_no_digit"}),
        ("ab", {"username_length", "username_no_digit"}),
        ("", {"required"}),
    ],
)
def test_each_failed_username_rule_is_reported(value, expected):
    assert error_codes(validate_username, value) == expected


def test_arabic_username_breaks_every_rule_it_touches():
    assert error_codes(validate_username, "محمد12345") == {
        "username_charset",
        "username_first_letter",
        "username_no_lower",
    }
