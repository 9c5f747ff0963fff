"""Constants, fixtures and helpers shared by the one-time-code tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts import otp
from accounts.models import OtpChallenge, OtpPurpose
from sms.backends import BaseSmsBackend
from sms.message import SmsError, SmsMessage
from tests.factories import code_from_sms
from tests.people import CITIZEN_ID, IP, MOBILE_E164

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


FAILING_BACKEND = "tests.otp_helpers.FailingSmsBackend"


def issue(**overrides) -> OtpChallenge:
    kwargs = {
        "purpose": OtpPurpose.REGISTRATION,
        "mobile": MOBILE_E164,
        "language": "en",
        "ip": IP,
        "national_id": CITIZEN_ID,
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
