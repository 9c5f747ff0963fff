"""Nobody can spend another person's quota (issue 13 item 3, decision 100).

A stranger who knows a person's mobile or ID number must not be able to stop that person's
own sign-in code: decoy resets (details that match no account) never count against the
mobile's or the ID's quota, and the quota that protects the sign-in code is counted only by
sign-in sends, which need the account's password.
"""

from __future__ import annotations

import random

import pytest

from accounts import otp
from accounts.luhn import luhn_check_digit
from accounts.models import OtpPurpose
from accounts.recovery.services import start_reset
from accounts.signin.services import send_sign_in_code
from tests.factories import make_user
from tests.people import CITIZEN_ID, MOBILE_E164

pytestmark = pytest.mark.django_db

#: More than any per-person send quota allows in an hour.
ATTEMPTS = 6


@pytest.fixture(autouse=True)
def no_floor(settings):
    settings.PASSWORD_RESET_MIN_SECONDS = 0


@pytest.fixture
def victim():
    return make_user("sara2024", CITIZEN_ID, MOBILE_E164, preferred_language="en")


def random_ids(count: int) -> list[str]:
    rng = random.Random(13)
    ids: set[str] = set()
    while len(ids) < count:
        body = "1" + "".join(rng.choice("0123456789") for _ in range(8))
        candidate = body + luhn_check_digit(body)
        if candidate != CITIZEN_ID:
            ids.add(candidate)
    return sorted(ids)


def random_mobiles(count: int) -> list[str]:
    return [f"+96656{n:07d}" for n in range(1000001, 1000001 + count)]


def stranger_ip(n: int) -> str:
    return f"203.0.113.{n + 1}"


def sign_in_code_reaches(victim, sms_outbox) -> bool:
    before = len(sms_outbox)
    send_sign_in_code(victim, ip="198.51.100.50")
    return len(sms_outbox) == before + 1 and sms_outbox[-1]["to"] == MOBILE_E164


def stranger_registers(attempts: list[tuple[str, str]]) -> int:
    """Start a registration for each (mobile, ID), each from its own address; how many the
    limits refused (anything else they raise fails the test)."""
    refused = 0
    for n, (mobile, national_id) in enumerate(attempts):
        try:
            otp.issue_challenge(
                purpose=OtpPurpose.REGISTRATION,
                mobile=mobile,
                national_id=national_id,
                language="en",
                ip=stranger_ip(n),
            )
        except otp.OtpError as exc:
            assert exc.code == "rate_limited"
            refused += 1
    return refused


def test_decoy_resets_with_the_victims_mobile_do_not_block_her_sign_in(victim, sms_outbox, frozen):
    for n, national_id in enumerate(random_ids(ATTEMPTS)):
        start_reset(national_id=national_id, mobile=MOBILE_E164, ip=stranger_ip(n % 2))
    assert sms_outbox == []  # decoys: the victim got nothing

    assert sign_in_code_reaches(victim, sms_outbox)


def test_decoy_resets_with_the_victims_id_do_not_block_her_sign_in(victim, sms_outbox, frozen):
    for n, mobile in enumerate(random_mobiles(ATTEMPTS)):
        start_reset(national_id=CITIZEN_ID, mobile=mobile, ip=stranger_ip(n % 2))
    assert sms_outbox == []

    assert sign_in_code_reaches(victim, sms_outbox)


def test_decoy_resets_from_many_addresses_do_not_block_her_sign_in(victim, sms_outbox, frozen):
    ids, mobiles = random_ids(3 * ATTEMPTS), random_mobiles(3 * ATTEMPTS)
    for n in range(3 * ATTEMPTS):
        start_reset(national_id=ids[n], mobile=MOBILE_E164, ip=stranger_ip(n))
        start_reset(national_id=CITIZEN_ID, mobile=mobiles[n], ip=stranger_ip(n))

    assert sign_in_code_reaches(victim, sms_outbox)


def test_registration_with_the_victims_mobile_has_a_budget_and_does_not_block_her_sign_in(
    victim, sms_outbox, frozen, settings
):
    """A stranger registering with her mobile does reach her phone, at most the per-mobile
    registration quota an hour, from any number of addresses; her sign-in is untouched."""
    ids = random_ids(ATTEMPTS + 2)
    refused = stranger_registers([(MOBILE_E164, national_id) for national_id in ids])
    assert len(sms_outbox) == settings.OTP_LIMIT_PER_MOBILE  # the stranger's whole budget
    assert refused == len(ids) - settings.OTP_LIMIT_PER_MOBILE

    assert sign_in_code_reaches(victim, sms_outbox)


def test_registration_with_the_victims_id_does_not_block_her_sign_in(victim, sms_outbox, frozen):
    stranger_registers([(mobile, CITIZEN_ID) for mobile in random_mobiles(ATTEMPTS)])

    assert sign_in_code_reaches(victim, sms_outbox)


def test_real_resets_do_not_block_her_sign_in(victim, sms_outbox, frozen):
    """Someone who knows both her ID and mobile can send her reset codes (at most the pair's
    quota an hour) but cannot stop her sign-in code either."""
    for n in range(ATTEMPTS):
        try:
            start_reset(national_id=CITIZEN_ID, mobile=MOBILE_E164, ip=stranger_ip(n))
        except otp.OtpError as exc:
            assert exc.code == "rate_limited"

    assert sign_in_code_reaches(victim, sms_outbox)
