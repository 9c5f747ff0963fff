"""One-time codes: resending, send limits and provider failures (design.md §5, accounts.otp)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts import limits, otp
from accounts.models import OtpChallenge
from tests.otp_helpers import FAILING_BACKEND, START, issue, last_code, otp_error
from tests.people import (
    BORDER_ID,
    CITIZEN_ID,
    IP,
    MOBILE_E164,
    OTHER_CITIZEN_ID,
    OTHER_MOBILE_E164,
    OTHER_RESIDENT_ID,
    RESIDENT_ID,
)

pytestmark = pytest.mark.django_db


# --- Resend cooldown --------------------------------------------------------------------------


def test_resend_right_after_sending_is_refused_with_the_full_cooldown(sms_outbox, frozen):
    challenge = issue()

    error = otp_error(otp.resend_code, challenge.pk, language="en", ip=IP)

    assert error.code == "cooldown"
    assert error.params == {"seconds": 60}
    assert len(sms_outbox) == 1


def test_resend_half_way_through_the_cooldown_reports_the_seconds_left(sms_outbox, frozen):
    challenge = issue()
    frozen.shift(30)

    error = otp_error(otp.resend_code, challenge.pk, language="en", ip=IP)

    assert error.code == "cooldown"
    assert error.params["seconds"] == 30
    assert len(sms_outbox) == 1


def test_cooldown_remaining_counts_down_to_zero(sms_outbox, frozen):
    challenge = issue()

    values = {}
    for elapsed in (0, 1, 30, 59, 59.5, 60, 61, 600):
        frozen.move_to(START + timedelta(seconds=elapsed))
        values[elapsed] = otp.cooldown_remaining(challenge)

    assert values == {0: 60, 1: 59, 30: 30, 59: 1, 59.5: 1, 60: 0, 61: 0, 600: 0}


def test_cooldown_restarts_after_each_resend(sms_outbox, frozen):
    challenge = issue()
    frozen.shift(60)
    otp.resend_code(challenge.pk, language="en", ip=IP)

    challenge.refresh_from_db()
    assert otp.cooldown_remaining(challenge) == 60
    error = otp_error(otp.resend_code, challenge.pk, language="en", ip=IP)
    assert (error.code, error.params) == ("cooldown", {"seconds": 60})
    assert challenge.sends == 2


def test_resend_of_a_verified_challenge_is_refused(sms_outbox, frozen):
    challenge = issue()
    otp.verify_code(challenge.pk, last_code(sms_outbox))
    frozen.shift(61)

    assert otp_error(otp.resend_code, challenge.pk, language="en", ip=IP).code == (
        "already_verified"
    )
    assert len(sms_outbox) == 1


# --- Send limits -----------------------------------------------------------------------------


def test_per_mobile_send_limit(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_MOBILE = 3
    ids = [CITIZEN_ID, OTHER_CITIZEN_ID, RESIDENT_ID, OTHER_RESIDENT_ID]
    for n, national_id in enumerate(ids[:3]):
        issue(national_id=national_id, ip=f"198.51.100.{n + 1}")

    error = otp_error(issue, national_id=ids[3], ip="198.51.100.9")

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 3
    assert OtpChallenge.objects.count() == 3
    issue(mobile=OTHER_MOBILE_E164, national_id=BORDER_ID, ip="203.0.113.1")
    assert len(sms_outbox) == 4


def test_per_id_send_limit(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_ID = 3
    mobiles = [MOBILE_E164, OTHER_MOBILE_E164, "+966501234567", "+966541234567"]
    for n, mobile in enumerate(mobiles[:3]):
        issue(mobile=mobile, ip=f"198.51.100.{n + 1}")

    error = otp_error(issue, mobile=mobiles[3], ip="198.51.100.9")

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 3
    issue(mobile="+966591234567", national_id=OTHER_CITIZEN_ID, ip="203.0.113.1")
    assert len(sms_outbox) == 4


def test_per_ip_send_limit(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_IP = 3
    people = [
        (MOBILE_E164, CITIZEN_ID),
        (OTHER_MOBILE_E164, OTHER_CITIZEN_ID),
        ("+966501234567", RESIDENT_ID),
        ("+966541234567", OTHER_RESIDENT_ID),
    ]
    for mobile, national_id in people[:3]:
        issue(mobile=mobile, national_id=national_id, ip=IP)

    error = otp_error(issue, mobile=people[3][0], national_id=people[3][1], ip=IP)

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 3
    issue(mobile="+966591234567", national_id=BORDER_ID, ip="203.0.113.1")
    assert len(sms_outbox) == 4


def test_resends_count_against_the_send_limits(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_MOBILE = 2
    challenge = issue()
    frozen.shift(61)
    otp.resend_code(challenge.pk, language="en", ip=IP)
    frozen.shift(61)

    error = otp_error(otp.resend_code, challenge.pk, language="en", ip=IP)

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 2


def test_send_limit_lifts_within_an_hour_and_one_slice(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_MOBILE = 1
    issue()
    assert otp_error(issue, national_id=OTHER_CITIZEN_ID).code == "rate_limited"
    # The hour, and at most one slice more (accounts.limits: no boundary to straddle).
    frozen.shift(timedelta(hours=1, seconds=3600 // limits.SLICES + 1))

    issue(national_id=OTHER_CITIZEN_ID)

    assert len(sms_outbox) == 2


def test_default_ip_limit_is_well_above_the_mobile_limit(settings):
    assert settings.OTP_LIMIT_PER_IP >= 10 * settings.OTP_LIMIT_PER_MOBILE


# --- Provider failure ------------------------------------------------------------------------


def test_provider_failure_raises_send_failed_and_leaves_no_usable_code(
    sms_outbox, frozen, settings
):
    settings.SMS_BACKEND = FAILING_BACKEND

    error = otp_error(issue)

    assert error.code == "send_failed"
    assert sms_outbox == []
    for challenge in OtpChallenge.objects.all():
        assert challenge.code_hmac == ""
        assert challenge.sent_at is None
        assert challenge.verified_at is None
        assert otp.cooldown_remaining(challenge) == 0


def test_after_a_provider_failure_the_person_can_retry_at_once(sms_outbox, frozen, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    otp_error(issue)
    failed = OtpChallenge.objects.get()
    settings.SMS_BACKEND = "locmem"

    # Either way of retrying works without waiting for a cooldown.
    resent = otp.resend_code(failed.pk, language="en", ip=IP)
    assert otp.verify_code(resent.pk, last_code(sms_outbox)).verified_at is not None
    fresh = issue(mobile=OTHER_MOBILE_E164, national_id=OTHER_CITIZEN_ID)
    assert otp.verify_code(fresh.pk, last_code(sms_outbox)).verified_at is not None


def test_failed_send_row_refuses_every_code(sms_outbox, frozen, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    otp_error(issue)
    failed = OtpChallenge.objects.get()

    assert otp_error(otp.verify_code, failed.pk, "000000").code == "expired"
