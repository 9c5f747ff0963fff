"""One-time codes: sending, storing, checking and limiting them (design.md §5, accounts.otp)."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import ngettext

from accounts import otp
from accounts.models import OtpChallenge, OtpPurpose
from tests.otp_helpers import (
    FAILING_BACKEND,
    REGISTRATION_SMS,
    START,
    issue,
    last_code,
    otp_error,
    wrong_code_for,
)
from tests.people import CITIZEN_ID, IP, MOBILE_E164, OTHER_CITIZEN_ID, OTHER_MOBILE_E164

pytestmark = pytest.mark.django_db


# --- The SMS --------------------------------------------------------------------------------


def test_a_new_challenge_is_written_once_with_its_code(sms_outbox):
    """One INSERT carrying the code's HMAC and times, no insert-then-update (issue 16)."""
    with CaptureQueriesContext(connection) as queries:
        challenge = issue()
    written = [q["sql"] for q in queries if "accounts_otpchallenge" in q["sql"]]
    assert len(written) == 1 and written[0].startswith("INSERT")
    challenge.refresh_from_db()
    assert challenge.code_hmac and challenge.sent_at and challenge.expires_at
    assert challenge.sends == 1
    assert otp.verify_code(challenge.pk, last_code(sms_outbox)).verified_at


def test_issue_challenge_sends_one_sms_with_a_six_digit_code_to_the_mobile(
    sms_outbox, public_origin
):
    challenge = issue()

    assert len(sms_outbox) == 1
    sms = sms_outbox[0]
    assert sms["to"] == MOBILE_E164
    assert sms["purpose"] == OtpPurpose.REGISTRATION
    code = last_code(sms_outbox)
    assert re.fullmatch(r"[0-9]{6}", code)
    assert challenge.sends == 1
    assert challenge.sent_at is not None


def test_english_sms_is_in_english_and_ends_with_the_webotp_line(sms_outbox, public_origin):
    issue(language="en")

    body = sms_outbox[0]["body"]
    code = last_code(sms_outbox)
    assert "registration code" in body
    assert code in body.splitlines()[0]  # the code is in the sentence too
    host = urlsplit(django_settings.PUBLIC_ORIGIN).hostname
    assert host == "portal.example.sa"
    assert body.splitlines()[-1] == f"@{host} #{code}"
    assert body.endswith(f"@{host} #{code}")


def test_sms_text_is_the_catalogue_text_of_the_requested_language(sms_outbox, public_origin):
    issue(language="en")
    issue(language="ar", mobile=OTHER_MOBILE_E164, national_id=OTHER_CITIZEN_ID)

    for sms, language in zip(sms_outbox, ["en", "ar"], strict=True):
        code = last_code([sms])
        with translation.override(language):
            expected = ngettext(*REGISTRATION_SMS, 5) % {"code": code, "minutes": 5}
        assert sms["body"] == f"{expected}\n\n@portal.example.sa #{code}"


def test_arabic_sms_is_not_the_english_text(sms_outbox, public_origin):
    issue(language="en")
    issue(language="ar", mobile=OTHER_MOBILE_E164, national_id=OTHER_CITIZEN_ID)

    english, arabic = sms_outbox[0]["body"], sms_outbox[1]["body"]
    with translation.override("en"):
        assert "registration code" in english
    with translation.override("ar"):
        assert "registration code" not in arabic
        assert re.search(r"[\u0600-\u06FF]", arabic), "the Arabic SMS has no Arabic text"


def test_arabic_sms_ends_with_webotp_line_in_ascii_digits(sms_outbox, public_origin):
    with translation.override("en"):  # the active language must not leak into the SMS
        issue(language="ar")

    body = sms_outbox[0]["body"]
    code = last_code(sms_outbox)
    last_line = body.splitlines()[-1]
    assert last_line == f"@portal.example.sa #{code}"
    assert last_line.isascii()
    assert re.fullmatch(r"@portal\.example\.sa #[0-9]{6}", last_line)


def test_sms_language_does_not_depend_on_the_active_language(sms_outbox, public_origin):
    with translation.override("ar"):
        issue(language="en")

    assert "registration code" in sms_outbox[0]["body"]


# --- Storage ----------------------------------------------------------------------------------


def test_database_row_holds_only_an_hmac_of_the_code(sms_outbox, frozen):
    challenge = issue()
    code = last_code(sms_outbox)

    row = OtpChallenge.objects.filter(pk=challenge.pk).values().get()
    assert re.fullmatch(r"[0-9a-f]{64}", row["code_hmac"])
    assert row["code_hmac"] == otp.code_hmac(challenge, code)
    for field, value in row.items():
        if field in {"id", "code_hmac"}:  # random / checked above
            continue
        assert code not in str(value), field


def test_same_code_hashes_differently_on_another_challenge(sms_outbox):
    first = issue()
    code = last_code(sms_outbox)
    second = issue(mobile=OTHER_MOBILE_E164, national_id=OTHER_CITIZEN_ID)

    first.refresh_from_db()
    assert otp.code_hmac(second, code) != first.code_hmac
    assert otp.code_hmac(first, code) == first.code_hmac
    # Purpose is part of the key too.
    login_twin = OtpChallenge(pk=first.pk, purpose=OtpPurpose.LOGIN)
    assert otp.code_hmac(login_twin, code) != first.code_hmac


def test_code_never_appears_in_log_records(sms_outbox, caplog, settings):
    caplog.set_level(logging.DEBUG)
    challenge = issue()
    code = last_code(sms_outbox)
    otp_error(otp.verify_code, challenge.pk, wrong_code_for(code))
    otp.verify_code(challenge.pk, code)
    settings.SMS_BACKEND = FAILING_BACKEND
    otp_error(issue, mobile=OTHER_MOBILE_E164, national_id=OTHER_CITIZEN_ID)

    assert all(code not in record.getMessage() for record in caplog.records)


# --- Checking codes --------------------------------------------------------------------------


def test_right_code_is_accepted_once_then_already_verified(sms_outbox):
    challenge = issue()
    code = last_code(sms_outbox)

    verified = otp.verify_code(challenge.pk, code)

    assert verified.pk == challenge.pk
    assert verified.verified_at is not None
    assert otp_error(otp.verify_code, challenge.pk, code).code == "already_verified"


def test_wrong_codes_count_down_then_exhaust_the_code(sms_outbox):
    challenge = issue()
    code = last_code(sms_outbox)
    wrong = wrong_code_for(code)

    remaining = []
    for _ in range(4):
        error = otp_error(otp.verify_code, challenge.pk, wrong)
        assert error.code == "wrong_code"
        remaining.append(error.params["remaining"])
    assert remaining == [4, 3, 2, 1]
    assert otp_error(otp.verify_code, challenge.pk, wrong).code == "attempts_exhausted"
    assert otp_error(otp.verify_code, challenge.pk, code).code == "attempts_exhausted"
    challenge.refresh_from_db()
    assert challenge.verified_at is None
    assert challenge.attempts == 5


def test_after_resend_the_new_code_works_and_the_old_one_does_not(sms_outbox, frozen):
    challenge = issue()
    old_code = last_code(sms_outbox)
    frozen.shift(61)

    otp.resend_code(challenge.pk, language="en", ip=IP)
    new_code = last_code(sms_outbox)

    assert len(sms_outbox) == 2
    if new_code != old_code:  # one chance in a million that they are equal
        assert otp_error(otp.verify_code, challenge.pk, old_code).code == "wrong_code"
    assert otp.verify_code(challenge.pk, new_code).verified_at is not None


def test_resend_gives_a_fresh_set_of_tries_after_the_code_was_exhausted(sms_outbox, frozen):
    challenge = issue()
    wrong = wrong_code_for(last_code(sms_outbox))
    for _ in range(5):
        otp_error(otp.verify_code, challenge.pk, wrong)
    frozen.shift(61)

    otp.resend_code(challenge.pk, language="en", ip=IP)

    assert otp.verify_code(challenge.pk, last_code(sms_outbox)).verified_at is not None


def test_the_cap_on_wrong_codes_is_not_reset_by_resend(sms_outbox, frozen, settings):
    assert settings.OTP_MAX_FAILURES == 10
    challenge = issue()
    for _ in range(5):
        otp_error(otp.verify_code, challenge.pk, wrong_code_for(last_code(sms_outbox)))
    frozen.shift(61)
    otp.resend_code(challenge.pk, language="en", ip=IP)
    code = last_code(sms_outbox)
    wrong = wrong_code_for(code)

    codes = [otp_error(otp.verify_code, challenge.pk, wrong).code for _ in range(5)]

    assert codes == ["wrong_code"] * 4 + ["locked"]
    assert otp_error(otp.verify_code, challenge.pk, code).code == "locked"
    frozen.shift(61)
    assert otp_error(otp.resend_code, challenge.pk, language="en", ip=IP).code == "locked"
    assert len(sms_outbox) == 2


def test_the_cap_on_wrong_codes_follows_the_setting(sms_outbox, frozen, settings):
    settings.OTP_MAX_FAILURES = 3
    challenge = issue()
    wrong = wrong_code_for(last_code(sms_outbox))

    errors = [otp_error(otp.verify_code, challenge.pk, wrong) for _ in range(3)]

    assert [error.code for error in errors] == ["wrong_code", "wrong_code", "locked"]
    assert errors[-1].params["seconds"] == otp.locked_for(challenge) > 0


def test_a_right_code_neither_counts_nor_resets_the_wrong_ones(sms_outbox, settings):
    """Like wrong passwords, wrong codes age out with their window (design.md §14)."""
    settings.OTP_MAX_FAILURES = 4
    challenge = issue()
    code = last_code(sms_outbox)
    for _ in range(3):
        otp_error(otp.verify_code, challenge.pk, wrong_code_for(code))

    otp.verify_code(challenge.pk, code)
    second = issue()

    assert otp.locked_for(second) == 0
    assert otp_error(otp.verify_code, second.pk, wrong_code_for(last_code(sms_outbox))).code == (
        "locked"
    )


def test_code_expires_after_the_ttl(sms_outbox, frozen, settings):
    assert settings.OTP_TTL_SECONDS == 300
    challenge = issue()
    code = last_code(sms_outbox)
    frozen.shift(300)

    assert otp_error(otp.verify_code, challenge.pk, code).code == "expired"


def test_code_is_accepted_just_before_it_expires(sms_outbox, frozen):
    challenge = issue()
    code = last_code(sms_outbox)
    frozen.shift(299.9)

    assert otp.verify_code(challenge.pk, code).verified_at is not None


def test_expiry_follows_the_ttl_setting(sms_outbox, frozen, settings):
    settings.OTP_TTL_SECONDS = 120
    challenge = issue()
    code = last_code(sms_outbox)
    frozen.shift(120)

    assert otp_error(otp.verify_code, challenge.pk, code).code == "expired"


def test_resend_after_expiry_gives_a_working_code(sms_outbox, frozen):
    challenge = issue()
    frozen.shift(400)

    otp.resend_code(challenge.pk, language="en", ip=IP)
    frozen.shift(299)

    assert otp.verify_code(challenge.pk, last_code(sms_outbox)).verified_at is not None


# --- Consuming a verified challenge ----------------------------------------------------------


@pytest.fixture
def verified(sms_outbox) -> OtpChallenge:
    challenge = issue()
    return otp.verify_code(challenge.pk, last_code(sms_outbox))


def test_consume_challenge_succeeds_once(verified):
    kwargs = {"purpose": OtpPurpose.REGISTRATION, "mobile": MOBILE_E164, "national_id": CITIZEN_ID}

    assert otp.consume_challenge(verified.pk, **kwargs) is True
    assert otp.consume_challenge(verified.pk, **kwargs) is False
    verified.refresh_from_db()
    assert verified.consumed_at is not None


def test_consume_challenge_refuses_an_unverified_challenge(sms_outbox):
    challenge = issue()

    assert not otp.consume_challenge(
        challenge.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE_E164, national_id=CITIZEN_ID
    )


def test_consume_challenge_refuses_another_purpose(verified):
    assert not otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.LOGIN, mobile=MOBILE_E164, national_id=CITIZEN_ID
    )
    assert not otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.RESET, mobile=MOBILE_E164, national_id=CITIZEN_ID
    )


def test_consume_challenge_refuses_another_mobile(verified):
    assert not otp.consume_challenge(
        verified.pk,
        purpose=OtpPurpose.REGISTRATION,
        mobile=OTHER_MOBILE_E164,
        national_id=CITIZEN_ID,
    )


def test_consume_challenge_refuses_another_national_id(verified):
    assert not otp.consume_challenge(
        verified.pk,
        purpose=OtpPurpose.REGISTRATION,
        mobile=MOBILE_E164,
        national_id=OTHER_CITIZEN_ID,
    )


def test_refused_consume_does_not_use_up_the_challenge(verified):
    otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.LOGIN, mobile=MOBILE_E164, national_id=CITIZEN_ID
    )

    assert otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE_E164, national_id=CITIZEN_ID
    )


def test_consume_challenge_refuses_a_verification_older_than_the_code_lifetime(
    sms_outbox, time_machine
):
    time_machine.move_to(START, tick=False)
    challenge = otp.verify_code(issue().pk, last_code(sms_outbox))
    time_machine.shift(301)

    assert not otp.consume_challenge(
        challenge.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE_E164, national_id=CITIZEN_ID
    )
