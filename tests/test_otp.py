"""One-time codes: sending, storing, checking and limiting them (DESIGN §5, accounts.otp)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import ngettext

from accounts import otp
from accounts.models import OtpChallenge, OtpPurpose
from accounts.sms import SmsError, SmsMessage
from accounts.sms.backends import BaseSmsBackend
from tests.factories import code_from_sms

pytestmark = pytest.mark.django_db

MOBILE = "+966551234567"
OTHER_MOBILE = "+966561234567"
NATIONAL_ID = "1000000008"
OTHER_ID = "1058529940"
IP = "198.51.100.7"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REGISTRATION_SMS = (
    "Your Absher portal registration code is %(code)s. "
    "It expires in %(minutes)d minute. Do not share it with anyone.",
    "Your Absher portal registration code is %(code)s. "
    "It expires in %(minutes)d minutes. Do not share it with anyone.",
)


class FailingSmsBackend(BaseSmsBackend):
    """A provider that refuses every message (used through ``settings.SMS_BACKEND``)."""

    def send(self, message: SmsMessage) -> str | None:
        raise SmsError("provider_error")


FAILING_BACKEND = f"{__name__}.FailingSmsBackend"


@pytest.fixture
def frozen(time_machine):
    """Stop the clock at START; tests move it with ``frozen.shift(seconds)``."""
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def public_origin(settings):
    settings.PUBLIC_ORIGIN = "https://portal.example.sa"
    return settings.PUBLIC_ORIGIN


def issue(**overrides) -> OtpChallenge:
    kwargs = {
        "purpose": OtpPurpose.REGISTRATION,
        "mobile": MOBILE,
        "language": "en",
        "ip": IP,
        "national_id": NATIONAL_ID,
    }
    kwargs.update(overrides)
    return otp.issue_challenge(**kwargs)


def last_code(sms_outbox) -> str:
    """The code in the newest SMS."""
    return code_from_sms(sms_outbox[-1])


def wrong_code_for(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def otp_error(callable_, *args, **kwargs) -> otp.OtpError:
    with pytest.raises(otp.OtpError) as excinfo:
        callable_(*args, **kwargs)
    return excinfo.value


# --- The SMS --------------------------------------------------------------------------------


def test_issue_challenge_sends_one_sms_with_a_six_digit_code_to_the_mobile(
    sms_outbox, public_origin
):
    challenge = issue()

    assert len(sms_outbox) == 1
    sms = sms_outbox[0]
    assert sms["to"] == MOBILE
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
    issue(language="ar", mobile=OTHER_MOBILE, national_id=OTHER_ID)

    for sms, language in zip(sms_outbox, ["en", "ar"], strict=True):
        code = last_code([sms])
        with translation.override(language):
            expected = ngettext(*REGISTRATION_SMS, 5) % {"code": code, "minutes": 5}
        assert sms["body"] == f"{expected}\n\n@portal.example.sa #{code}"


def test_arabic_sms_is_not_the_english_text(sms_outbox, public_origin):
    issue(language="en")
    issue(language="ar", mobile=OTHER_MOBILE, national_id=OTHER_ID)

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
    second = issue(mobile=OTHER_MOBILE, national_id=OTHER_ID)

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
    otp_error(issue, mobile=OTHER_MOBILE, national_id=OTHER_ID)

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


def test_consecutive_failure_cap_is_not_reset_by_resend(sms_outbox, frozen, settings):
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


def test_consecutive_failure_cap_follows_the_setting(sms_outbox, frozen, settings):
    settings.OTP_MAX_FAILURES = 3
    challenge = issue()
    wrong = wrong_code_for(last_code(sms_outbox))

    codes = [otp_error(otp.verify_code, challenge.pk, wrong).code for _ in range(3)]

    assert codes == ["wrong_code", "wrong_code", "locked"]
    assert otp.is_locked(OtpChallenge.objects.get(pk=challenge.pk))


def test_a_right_code_resets_the_consecutive_failure_count(sms_outbox):
    challenge = issue()
    code = last_code(sms_outbox)
    for _ in range(3):
        otp_error(otp.verify_code, challenge.pk, wrong_code_for(code))

    verified = otp.verify_code(challenge.pk, code)

    assert verified.failures == 0


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
    ids = ["1000000008", "1058529940", "2000000006", "2123456788"]
    for n, national_id in enumerate(ids[:3]):
        issue(national_id=national_id, ip=f"198.51.100.{n + 1}")

    error = otp_error(issue, national_id=ids[3], ip="198.51.100.9")

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 3
    assert OtpChallenge.objects.count() == 3
    issue(mobile=OTHER_MOBILE, national_id="3000000001", ip="203.0.113.1")
    assert len(sms_outbox) == 4


def test_per_id_send_limit(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_ID = 3
    mobiles = ["+966551234567", "+966561234567", "+966501234567", "+966541234567"]
    for n, mobile in enumerate(mobiles[:3]):
        issue(mobile=mobile, ip=f"198.51.100.{n + 1}")

    error = otp_error(issue, mobile=mobiles[3], ip="198.51.100.9")

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 3
    issue(mobile="+966591234567", national_id=OTHER_ID, ip="203.0.113.1")
    assert len(sms_outbox) == 4


def test_per_ip_send_limit(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_IP = 3
    people = [
        ("+966551234567", "1000000008"),
        ("+966561234567", "1058529940"),
        ("+966501234567", "2000000006"),
        ("+966541234567", "2123456788"),
    ]
    for mobile, national_id in people[:3]:
        issue(mobile=mobile, national_id=national_id, ip=IP)

    error = otp_error(issue, mobile=people[3][0], national_id=people[3][1], ip=IP)

    assert error.code == "rate_limited"
    assert len(sms_outbox) == 3
    issue(mobile="+966591234567", national_id="3000000001", ip="203.0.113.1")
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


def test_send_limit_lifts_after_an_hour(sms_outbox, frozen, settings):
    settings.OTP_LIMIT_PER_MOBILE = 1
    issue()
    assert otp_error(issue, national_id=OTHER_ID).code == "rate_limited"
    frozen.shift(timedelta(hours=1, seconds=1))

    issue(national_id=OTHER_ID)

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
    fresh = issue(mobile=OTHER_MOBILE, national_id=OTHER_ID)
    assert otp.verify_code(fresh.pk, last_code(sms_outbox)).verified_at is not None


def test_failed_send_row_refuses_every_code(sms_outbox, frozen, settings):
    settings.SMS_BACKEND = FAILING_BACKEND
    otp_error(issue)
    failed = OtpChallenge.objects.get()

    assert otp_error(otp.verify_code, failed.pk, "000000").code == "expired"


# --- Consuming a verified challenge ----------------------------------------------------------


@pytest.fixture
def verified(sms_outbox) -> OtpChallenge:
    challenge = issue()
    return otp.verify_code(challenge.pk, last_code(sms_outbox))


def test_consume_challenge_succeeds_once(verified):
    kwargs = {"purpose": OtpPurpose.REGISTRATION, "mobile": MOBILE, "national_id": NATIONAL_ID}

    assert otp.consume_challenge(verified.pk, **kwargs) is True
    assert otp.consume_challenge(verified.pk, **kwargs) is False
    verified.refresh_from_db()
    assert verified.consumed_at is not None


def test_consume_challenge_refuses_an_unverified_challenge(sms_outbox):
    challenge = issue()

    assert not otp.consume_challenge(
        challenge.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE, national_id=NATIONAL_ID
    )


def test_consume_challenge_refuses_another_purpose(verified):
    assert not otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.LOGIN, mobile=MOBILE, national_id=NATIONAL_ID
    )
    assert not otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.RESET, mobile=MOBILE, national_id=NATIONAL_ID
    )


def test_consume_challenge_refuses_another_mobile(verified):
    assert not otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.REGISTRATION, mobile=OTHER_MOBILE, national_id=NATIONAL_ID
    )


def test_consume_challenge_refuses_another_national_id(verified):
    assert not otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE, national_id=OTHER_ID
    )


def test_refused_consume_does_not_use_up_the_challenge(verified):
    otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.LOGIN, mobile=MOBILE, national_id=NATIONAL_ID
    )

    assert otp.consume_challenge(
        verified.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE, national_id=NATIONAL_ID
    )


def test_consume_challenge_refuses_a_verification_older_than_the_code_lifetime(
    sms_outbox, time_machine
):
    time_machine.move_to(START, tick=False)
    challenge = otp.verify_code(issue().pk, last_code(sms_outbox))
    time_machine.shift(301)

    assert not otp.consume_challenge(
        challenge.pk, purpose=OtpPurpose.REGISTRATION, mobile=MOBILE, national_id=NATIONAL_ID
    )
