"""The password policy (design.md §4), run the way the project runs it: through Django's
``validate_password`` with the validators configured in settings."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from accounts.password_validation import (
    RepeatedRunValidator,
    SequentialRunValidator,
    password_rules,
)
from tests.people import RULES_USERNAME

STRONG = "Xk7mPq2rTz"
# 36 distinct letters and digits in an order with no sequences; slices give any length.
NO_PATTERN = "Q7wE3rT9yU1iO5pA8sD2fG6hJ4kL0zXcVbNm" * 2


def error_codes(password: str, user: User | None = None) -> set[str]:
    """Return the codes of every rule the password breaks (an empty set when it passes)."""
    try:
        validate_password(password, user if user is not None else User(username=RULES_USERNAME))
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


def test_strong_password_passes_every_rule():
    assert error_codes(STRONG) == set()


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (7, {"password_too_short"}),
        (8, set()),
        (64, set()),
        (65, {"password_too_long"}),
    ],
)
def test_length_must_be_between_8_and_64(length, expected):
    assert error_codes(NO_PATTERN[:length]) == expected


@pytest.mark.parametrize(
    "password",
    [
        "كلمةسر123Ab",  # Arabic letters
        "Xk7m Pq2r",  # a space
        "Xk7m!Pq2r",  # a symbol
        "Xk7m_Pq2r",  # an underscore
        "Xk7mPq۲r",  # a Persian digit
        "Xk7mPéq2r",  # a Latin letter outside English
    ],
)
def test_only_english_letters_and_digits_are_allowed(password):
    assert error_codes(password) == {"password_charset"}


def test_arabic_indic_digit_does_not_count_as_a_digit():
    assert error_codes("XkmPqrTz٣") == {"password_charset", "password_no_digit"}


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("xk7mpq2r", {"password_no_upper"}),
        ("XK7MPQ2R", {"password_no_lower"}),
        ("XkmPqrTz", {"password_no_digit"}),
        ("xkmpqrtz", {"password_no_upper", "password_no_digit"}),
        ("27394815", {"password_no_upper", "password_no_lower"}),
    ],
)
def test_each_missing_character_class_is_its_own_error(password, expected):
    assert error_codes(password) == expected


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Xahme7Qz", set()),  # "ahme": exactly four characters shared
        ("Xq7k1990Pz", set()),  # "1990": four, at the end of the username
        ("Zq8ahmedk", {"password_username_overlap"}),  # "ahmed": five
        ("Zq8Ked199", {"password_username_overlap"}),  # "ed199": five, mid-username
        ("Zq8AHMEDk", {"password_username_overlap"}),  # case-insensitive
    ],
)
def test_password_shares_at_most_four_consecutive_characters_with_username(password, expected):
    assert error_codes(password) == expected


def test_username_overlap_is_skipped_without_user_or_username():
    assert error_codes("Zq8ahmedk", user=User(username="")) == set()
    validate_password("Zq8ahmedk", None)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Xk7aaaPq", set()),
        ("Xk7aaaaPq", {"password_repeated_run"}),
        ("Xq71111Pz", {"password_repeated_run"}),
        ("Xk7aAaAPq", {"password_repeated_run"}),  # case-insensitive
    ],
)
def test_no_character_repeats_four_times_in_a_row(password, expected):
    assert error_codes(password) == expected


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Xq7abcPz", set()),
        ("Xq7abcdPz", {"password_sequential_run"}),
        ("Xq7dcbaPz", {"password_sequential_run"}),  # descending letters
        ("Xq1234Pz", {"password_sequential_run"}),
        ("Xq9876Pz", {"password_sequential_run"}),  # descending digits
        ("Xq7aBcDPz", {"password_sequential_run"}),  # case-insensitive
        ("Xq89abPz", set()),  # digits and letters do not chain
        ("Xqyzab7P", set()),  # the alphabet does not wrap around
        ("Xq7cbabcPz", set()),  # turning back makes two runs of three
    ],
)
def test_no_four_sequential_letters_or_digits(password, expected):
    assert error_codes(password) == expected


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("aXaYaZa7", set()),  # "a" four times
        ("aXaYaZaWa7", {"password_char_frequency"}),  # five times
        ("A7aXaYAZa", {"password_char_frequency"}),  # five times, mixed case
    ],
)
def test_no_character_occurs_more_than_four_times(password, expected):
    assert error_codes(password) == expected


def test_common_password_is_rejected():
    # "password1" is in Django's list and "Password1" passes every composition rule.
    assert error_codes("Password1") == {"password_too_common"}


def test_every_failing_rule_is_reported_at_once():
    assert error_codes("abc") >= {"password_too_short", "password_no_upper", "password_no_digit"}
    assert error_codes("ahmed1111") == {
        "password_no_upper",
        "password_username_overlap",
        "password_repeated_run",
    }


def test_options_change_the_thresholds():
    RepeatedRunValidator(run=3).validate("Xk7aaPq")
    with pytest.raises(ValidationError) as exc:
        SequentialRunValidator(run=3).validate("Xq7abcPz")
    assert exc.value.error_list[0].code == "password_sequential_run"
    assert exc.value.error_list[0].params == {"run": 3}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_error_messages_are_complete_in_both_languages(language):
    user = User(username=RULES_USERNAME)
    with translation.override(language), pytest.raises(ValidationError) as exc:
        validate_password("ahmed 1111111111 abcd", user)
    assert len(exc.value.messages) >= 6
    for message in exc.value.messages:
        assert message.strip()
        assert "%(" not in message


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_configured_rule_has_a_help_text_in_both_languages(language):
    with translation.override(language):
        rules = password_rules()
    assert [rule["rule"] for rule in rules] == [
        type(validator).__name__ for validator in get_default_password_validators()
    ]
    for rule in rules:
        assert rule["help_text"].strip()
        assert "%(" not in rule["help_text"]


def test_password_rules_expose_options_and_the_known_username():
    rules = {rule["rule"]: rule["params"] for rule in password_rules(User(username=RULES_USERNAME))}
    assert rules["LengthValidator"] == {"min_length": 8, "max_length": 64}
    assert rules["UsernameOverlapValidator"] == {"max_shared_run": 4, "username": RULES_USERNAME}
    assert rules["CommonPasswordValidator"] == {}
    anonymous = {rule["rule"]: rule["params"] for rule in password_rules()}
    assert anonymous["UsernameOverlapValidator"] == {"max_shared_run": 4}
