"""Property tests of the rules and normalisers (design.md §4), on arbitrary Unicode input.

For every rule: arbitrary text (controls, NUL, direction marks, look-alike digits, very long
strings) is either accepted or refused with ``ValidationError`` and nothing else; a
normalised value normalises to itself; Arabic-Indic and Persian digits behave exactly like
ASCII ones; values built from DESIGN's rules are accepted and a wrong check digit never is.
The password policy has its own module (``test_properties_passwords``).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from accounts.recovery.forms import ResetStartForm
from accounts.registration.forms import IdentityForm, VerifyForm
from accounts.selectors import find_account_by_identifier, normalize_identifier
from accounts.validators import (
    luhn_is_valid,
    national_id_kind,
    normalize_saudi_mobile,
    to_ascii_digits,
    validate_national_id,
    validate_username,
)
from activation.forms import InvalidPayload, parse_confirmation
from tests.factories import make_user
from tests.people import OTHER_CITIZEN_ID
from tests.strategies import (
    ARABIC_INDIC,
    MOBILE_NOTATIONS,
    PERSIAN,
    PROPERTIES,
    checksummed_ids,
    in_digit_forms,
    luhn_check_digit,
    national_mobiles,
    tricky_text,
    unicode_input,
    valid_ids,
    valid_usernames,
    with_separators,
)

REJECTED = "rejected"


def normalise_email(value: str) -> str:
    """The registration form's email field, then the account manager's normalisation."""
    return User.objects.normalize_email(IdentityForm.base_fields["email"].clean(value))


def code_format(value: str) -> list[str]:
    """The code field's own checks (the form checks the format only; ``otp.verify_code``
    checks the code): none for a well-formed code, else the codes of the refusal."""
    form = VerifyForm(data={"code": value})
    if form.is_valid():
        return []
    return sorted(error.code for error in form.errors.as_data()["code"])


#: The rules and normalisers that take text from people, banks or staff.
NORMALISERS: dict[str, Callable[[str], Any]] = {
    "national_id": validate_national_id,
    "mobile": normalize_saudi_mobile,
    "email": normalise_email,
    "sign_in_identifier": normalize_identifier,
    "digits": to_ascii_digits,
}
RULES: dict[str, Callable[[str], Any]] = {
    **NORMALISERS,
    "username": validate_username,
    "otp_code": code_format,
}
#: Those where digits are digits, whatever script they are written in.
NUMERIC = ["national_id", "mobile", "sign_in_identifier", "digits", "otp_code"]


def outcome(rule: Callable[[str], Any], value: str) -> tuple[str, Any]:
    """What a rule makes of ``value``: its result, or the codes of the refusal."""
    try:
        return "ok", rule(value)
    except ValidationError as error:
        return REJECTED, sorted(e.code or "" for e in error.error_list)


def to_script(value: str, digits: str) -> str:
    return "".join(digits[int(c)] if c in string.digits else c for c in value)


# --- Every rule: arbitrary text is accepted or refused, nothing else ---------------------------


@pytest.mark.parametrize("name", sorted(RULES))
@PROPERTIES
@given(value=unicode_input)
def test_rule_raises_nothing_but_validation_error_on_any_text(name, value):
    outcome(RULES[name], value)  # any other exception fails the test


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@PROPERTIES
@given(value=st.one_of(unicode_input, valid_ids, national_mobiles, st.emails()))
def test_normalised_value_normalises_to_itself(name, value):
    normalise = NORMALISERS[name]
    kind, normalised = outcome(normalise, value)
    if kind == "ok":
        assert normalise(normalised) == normalised


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("digits", [ARABIC_INDIC, PERSIAN], ids=["arabic", "persian"])
@PROPERTIES
@given(
    value=st.one_of(
        tricky_text,
        valid_ids,
        checksummed_ids.map(lambda i: i[:-1] + str((int(i[-1]) + 1) % 10)),
        national_mobiles.map("0{}".format),
        st.text(string.digits + " -+", max_size=16),
    )
)
def test_arabic_and_persian_digits_are_the_same_as_ascii_digits(name, digits, value):
    rule = RULES[name]
    assert outcome(rule, to_script(value, digits)) == outcome(rule, value)


# --- ID numbers ------------------------------------------------------------------------------


@PROPERTIES
@given(data=st.data(), national_id=valid_ids)
def test_valid_id_number_in_any_digits_and_spacing_is_accepted_as_ascii(data, national_id):
    typed = data.draw(in_digit_forms(national_id).flatmap(with_separators))

    assert validate_national_id(typed) == national_id
    assert (
        national_id_kind(national_id)
        == {"1": "citizen", "2": "resident", "3": "border"}[national_id[0]]
    )


@PROPERTIES
@given(
    national_id=checksummed_ids,
    position=st.integers(min_value=1, max_value=9),
    shift=st.integers(min_value=1, max_value=9),
)
def test_one_wrong_digit_of_a_citizen_or_resident_number_is_always_caught(
    national_id, position, shift
):
    wrong = str((int(national_id[position]) + shift) % 10)
    typo = national_id[:position] + wrong + national_id[position + 1 :]

    assert outcome(validate_national_id, typo) == (REJECTED, ["id_checksum"])


@PROPERTIES
@given(value=st.text(string.digits, min_size=10, max_size=10))
def test_ten_digits_are_accepted_exactly_when_prefix_and_checksum_allow(value):
    kind, result = outcome(validate_national_id, value)
    if value[0] == "3":
        assert (kind, result) == ("ok", value)
    elif value[0] not in "12":
        assert (kind, result) == (REJECTED, ["id_prefix"])
    elif value[-1] == luhn_check_digit(value[:-1]):
        assert (kind, result) == ("ok", value)
    else:
        assert (kind, result) == (REJECTED, ["id_checksum"])


@PROPERTIES
@given(payload=st.text(string.digits, min_size=1, max_size=30))
def test_luhn_accepts_exactly_one_check_digit_after_any_digits(payload):
    assert [d for d in string.digits if luhn_is_valid(payload + d)] == [luhn_check_digit(payload)]


# --- Mobile numbers --------------------------------------------------------------------------


@PROPERTIES
@given(data=st.data(), national=national_mobiles, notation=st.sampled_from(MOBILE_NOTATIONS))
def test_saudi_mobile_in_any_notation_digits_and_spacing_becomes_e164(data, national, notation):
    typed = data.draw(in_digit_forms(notation.format(national)).flatmap(with_separators))

    assert normalize_saudi_mobile(typed) == "+966" + national


@PROPERTIES
@given(data=st.data(), subscriber=st.text(string.digits, min_size=7, max_size=7))
def test_landline_in_any_digits_is_refused_as_not_a_mobile(data, subscriber):
    # A Riyadh landline: 011 and seven digits.
    typed = data.draw(in_digit_forms("011" + subscriber))

    assert outcome(normalize_saudi_mobile, typed) == (REJECTED, ["mobile_not_mobile"])


# --- Usernames -------------------------------------------------------------------------------


def expected_username_codes(text: str) -> list[str]:
    """design.md §4's username rules, written out naively as the reference."""
    if not text:
        return ["required"]
    codes = []
    if not all(c in string.ascii_letters + string.digits for c in text):
        codes.append("username_charset")
    if not 8 <= len(text) <= 30:
        codes.append("username_length")
    if text[0] not in string.ascii_letters:
        codes.append("username_first_letter")
    if not any(c in string.ascii_lowercase for c in text):
        codes.append("username_no_lower")
    if not any(c in string.digits for c in text):
        codes.append("username_no_digit")
    return sorted(codes)


@PROPERTIES
@given(username=valid_usernames())
def test_username_built_from_the_rules_is_accepted(username):
    assert outcome(validate_username, username) == ("ok", None)


@PROPERTIES
@given(
    value=st.one_of(
        unicode_input, valid_usernames(), st.text(string.ascii_letters + string.digits + "_ ")
    )
)
def test_username_reports_exactly_the_rules_it_breaks(value):
    codes = expected_username_codes(value)

    assert outcome(validate_username, value) == ((REJECTED, codes) if codes else ("ok", None))


@PROPERTIES
@given(data=st.data(), username=valid_usernames())
def test_username_with_arabic_or_persian_digits_is_refused_as_not_english(data, username):
    # design.md §4: English letters and digits only; a username is typed, not read from a card.
    digits = data.draw(st.sampled_from([ARABIC_INDIC, PERSIAN]))
    typed = to_script(username, digits)

    assert "username_charset" in outcome(validate_username, typed)[1]


# --- Sign-in identifier ----------------------------------------------------------------------


@PROPERTIES
@given(data=st.data(), national_id=valid_ids)
def test_id_number_as_sign_in_identifier_is_what_the_id_rule_makes_of_it(data, national_id):
    typed = data.draw(in_digit_forms(national_id).flatmap(with_separators))

    assert normalize_identifier(typed) == validate_national_id(typed) == national_id


@PROPERTIES
@given(username=valid_usernames())
def test_username_as_sign_in_identifier_ignores_letter_case(username):
    expected = username.lower()

    assert normalize_identifier(username.upper()) == expected
    assert normalize_identifier(username.swapcase()) == expected
    assert normalize_identifier(f"  {username} ") == expected


# --- Codes -----------------------------------------------------------------------------------


@PROPERTIES
@given(data=st.data(), code=st.text(string.digits, min_size=6, max_size=6))
def test_six_digits_in_any_script_are_a_well_formed_code(data, code):
    typed = data.draw(in_digit_forms(code))
    spaced = typed[:3] + data.draw(st.sampled_from(["", " "])) + typed[3:]

    assert code_format(spaced) == []


# --- Forms built from these rules ------------------------------------------------------------


@PROPERTIES
@given(national_id=unicode_input, mobile=unicode_input)
def test_password_reset_form_validates_any_text_without_crashing(national_id, mobile):
    form = ResetStartForm(data={"national_id": national_id, "mobile": mobile})
    if form.is_valid():
        assert validate_national_id(national_id) == form.cleaned_data["national_id"]
        assert normalize_saudi_mobile(mobile) == form.cleaned_data["mobile"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | unicode_input,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)
CONFIRMATION_FIELDS = ["event_id", "national_id", "mobile", "channel", "confirmed_at"]


@PROPERTIES
@given(
    payload=st.one_of(
        json_values,
        st.fixed_dictionaries({name: json_values for name in CONFIRMATION_FIELDS}),
        st.fixed_dictionaries({name: unicode_input for name in CONFIRMATION_FIELDS}),
    )
)
def test_bank_payload_is_accepted_or_refused_field_by_field(payload):
    try:
        parse_confirmation(json.loads(json.dumps(payload)))
    except InvalidPayload as refused:
        assert refused.codes  # each problem named by field, with a code


@PROPERTIES
@given(data=st.data(), national_id=valid_ids, national=national_mobiles)
def test_bank_payload_in_any_digits_names_the_same_account(data, national_id, national):
    confirmed_at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    payload = {
        "event_id": "evt-1",
        "national_id": data.draw(in_digit_forms(national_id)),
        "mobile": data.draw(in_digit_forms("+966" + national)),
        "channel": "atm",
        "confirmed_at": confirmed_at,
    }

    confirmation = parse_confirmation(payload)

    assert (confirmation.national_id, confirmation.mobile) == (national_id, "+966" + national)


# --- Look-ups by what people type: sign-in and the admin search (database) --------------------

ACCOUNT_ID, ACCOUNT_NATIONAL_MOBILE, ACCOUNT_USERNAME = OTHER_CITIZEN_ID, "551234567", "Nora2024x"


@pytest.fixture
def account(db) -> User:
    return make_user(ACCOUNT_USERNAME, ACCOUNT_ID, "0" + ACCOUNT_NATIONAL_MOBILE)


def admin_search(term: str) -> list[User]:
    """The accounts the staff list's search box finds for ``term``."""
    request = RequestFactory().get("/admin/accounts/user/", {"q": term})
    model_admin = admin_site._registry[User]
    found, _may_have_duplicates = model_admin.get_search_results(request, User.objects.all(), term)
    return list(found)


typed_ids = in_digit_forms(ACCOUNT_ID).flatmap(with_separators)
typed_mobiles = st.sampled_from(MOBILE_NOTATIONS).flatmap(
    lambda notation: in_digit_forms(notation.format(ACCOUNT_NATIONAL_MOBILE))
)
typed_usernames = st.sampled_from(
    [ACCOUNT_USERNAME, ACCOUNT_USERNAME.upper(), ACCOUNT_USERNAME.swapcase(), "nora2024x"]
)


def test_admin_search_finds_the_account_however_its_details_are_typed(account):
    @PROPERTIES
    @given(term=st.one_of(typed_ids, typed_mobiles, typed_usernames))
    def finds_it(term: str) -> None:
        assert admin_search(term) == [account]

    finds_it()


def test_admin_search_on_any_text_finds_at_most_an_exact_match(account):
    # A NUL cannot reach PostgreSQL: the change list refuses it first (staff.lists, 400).
    no_nul = unicode_input.filter(lambda t: "\x00" not in t or connection.vendor != "postgresql")

    @PROPERTIES
    @given(term=no_nul)
    def searches(term: str) -> None:
        assert admin_search(term) in ([], [account])

    searches()


def test_sign_in_finds_the_account_by_id_number_in_any_digits_or_username_in_any_case(account):
    # Whatever the ID field of registration and reset accepts (digits of any script, spaces,
    # dashes, direction marks) names the same account at sign-in.
    @PROPERTIES
    @given(identifier=st.one_of(typed_ids, typed_usernames))
    def finds_it(identifier: str) -> None:
        assert find_account_by_identifier(identifier) == account

    finds_it()
