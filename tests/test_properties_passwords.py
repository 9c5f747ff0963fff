"""Property tests of the password policy (design.md §4), against a naive reference of its rules.

``validate_password`` runs every validator of ``AUTH_PASSWORD_VALIDATORS``. On any text, with
any username, it raises ``ValidationError`` or nothing, and the codes it reports are exactly
those the rules, written out plainly below, predict. Passwords built to follow the rules are
accepted; putting one breach into such a password is always reported.
"""

from __future__ import annotations

import string
from collections import Counter
from itertools import pairwise

import pytest
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    get_default_password_validators,
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from accounts.models import User
from accounts.password_validation import password_rules
from tests.strategies import (
    ALNUM,
    ARABIC_INDIC,
    PERSIAN,
    PROPERTIES,
    any_text,
    tricky_text,
    unicode_input,
    valid_usernames,
)

#: Django's list of common passwords (not ours), read once.
COMMON = CommonPasswordValidator()


def reported_codes(password: str, username: object = "") -> list[str]:
    """The codes ``validate_password`` reports (any other exception fails the test)."""
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        return sorted(e.code or "" for e in error.error_list)
    return []


def has_sequence(text: str, run: int = 4) -> bool:
    for start in range(len(text) - run + 1):
        window = text[start : start + run]
        for alphabet in (string.ascii_lowercase, string.digits):
            if all(c in alphabet for c in window):
                steps = {ord(b) - ord(a) for a, b in pairwise(window)}
                if steps in ({1}, {-1}):
                    return True
    return False


def expected_codes(password: str, username: str) -> list[str]:
    """design.md §4's password rules, one naive check each, as the reference."""
    lowered, name = password.lower(), username.lower()
    checks = {
        "password_charset": any(c not in ALNUM for c in password),
        "password_too_short": len(password) < 8,
        "password_too_long": len(password) > 64,
        "password_no_upper": not any(c in string.ascii_uppercase for c in password),
        "password_no_lower": not any(c in string.ascii_lowercase for c in password),
        "password_no_digit": not any(c in string.digits for c in password),
        "password_username_overlap": any(name[i : i + 5] in lowered for i in range(len(name) - 4)),
        "password_repeated_run": any(
            len(set(lowered[i : i + 4])) == 1 for i in range(len(lowered) - 3)
        ),
        "password_sequential_run": has_sequence(lowered),
        "password_char_frequency": any(n > 4 for n in Counter(lowered).values()),
    }
    codes = [code for code, broken in checks.items() if broken]
    try:
        COMMON.validate(password)
    except ValidationError:
        codes.append("password_too_common")
    return sorted(codes)


@st.composite
def rule_abiding_passwords(draw: st.DrawFn) -> str:
    """8-40 English letters and digits, no character twice (in any case), with an uppercase
    letter, a lowercase letter and a digit, and no four in sequence."""
    chars = draw(st.lists(st.sampled_from(ALNUM), min_size=8, max_size=40, unique_by=str.lower))
    password = "".join(chars)
    assume(expected_codes(password, "") == [])
    return password


@PROPERTIES
@given(password=st.one_of(unicode_input, st.text(ALNUM, max_size=70)), username=any_text)
def test_policy_reports_exactly_the_rules_any_password_breaks(password, username):
    assert reported_codes(password, username) == expected_codes(password, username)


@PROPERTIES
@given(password=st.text(ALNUM + "-_ ", min_size=6, max_size=66), username=valid_usernames())
def test_policy_reports_exactly_the_rules_a_typed_password_breaks(password, username):
    assert reported_codes(password, username) == expected_codes(password, username)


@PROPERTIES
@given(password=rule_abiding_passwords(), username=valid_usernames())
def test_password_built_from_the_rules_is_accepted(password, username):
    assume(expected_codes(password, username) == [])  # a username sharing 5 characters

    assert reported_codes(password, username) == []


BREACHES = {
    "password_charset": lambda p, extra: p[:6] + extra + p[6:],
    "password_repeated_run": lambda p, extra: p + p[-1].swapcase() * 3,
    "password_sequential_run": lambda p, extra: p[:4] + "KlMn" + p[4:],
    "password_char_frequency": lambda p, extra: "".join(c + p[0].swapcase() for c in p[:5]) + p,
    "password_too_long": lambda p, extra: (p * 9)[:65],
}


@pytest.mark.parametrize("code", sorted(BREACHES))
@PROPERTIES
@given(password=rule_abiding_passwords(), extra=tricky_text.filter(lambda t: t.strip(ALNUM)))
def test_one_breach_of_a_rule_is_always_reported(code, password, extra):
    assert code in reported_codes(BREACHES[code](password, extra), "")


@PROPERTIES
@given(password=rule_abiding_passwords(), username=valid_usernames(), start=st.integers(0, 25))
def test_five_characters_of_the_username_in_any_case_are_always_reported(password, username, start):
    start %= len(username) - 4
    shared = username[start : start + 5].swapcase()

    assert "password_username_overlap" in reported_codes(password + shared, username)


@PROPERTIES
@given(data=st.data(), password=rule_abiding_passwords())
def test_arabic_or_persian_digits_in_a_password_are_refused_as_not_english(data, password):
    # design.md §4: English letters and digits only; another keyboard may not type them back.
    digits = data.draw(st.sampled_from([ARABIC_INDIC, PERSIAN]))
    typed = "".join(digits[int(c)] if c in string.digits else c for c in password)

    assert "password_charset" in reported_codes(typed)


@PROPERTIES
@given(username=st.one_of(any_text, st.none(), st.integers()))
def test_help_texts_and_live_checklist_never_fail_for_any_username(username):
    user = User(username=username)

    assert password_validators_help_text_html()
    assert len(password_rules(user)) == len(get_default_password_validators())
